/**
 * Fast paths for the YAML our templates write (ADR 0003): block maps and lists whose values are JSON or plain words,
 * and back. js-yaml reads and writes one character at a time in code that has not been compiled yet when a
 * short-lived command starts: ~35 ms of `rayctl template` for 15 KB of manifests. Here lines are split and values
 * read by regular expressions and JSON.parse, and written by a few string rules.
 *
 * Each answers only where its result is exactly js-yaml's (same values read, same text written); for anything else
 * (anchors, tags, folded blank lines, non-ASCII or multi-line strings written, floats, a duplicate key, ...) it
 * returns undefined and the caller asks js-yaml.
 */

interface Line {
  indent: number;
  /** The line after its indentation, without trailing spaces. */
  text: string;
  /** A blank line or a comment: no part of the structure, but a line of a block scalar it stands in. */
  ignorable: boolean;
  /** Trailing spaces, which are part of a block scalar's text. */
  trailingSpace: boolean;
}

/** What js-yaml refuses anywhere in a stream, or reads in ways this reader does not: control characters, tabs, CR. */
const OUTSIDE_SUBSET =
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  /[\x00-\x09\x0B-\x1F\x7F-\x9F\uFEFF\uFFFE\uFFFF\u2028\u2029]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF]/;
/** A key js-yaml reads as the same string: no number, boolean, null, merge key or timestamp can start this way. */
const PLAIN_KEY = /^([A-Za-z_][A-Za-z0-9_./-]*):(?: +|$)/;
const QUOTED_KEY = /^("(?:[^"\\]|\\.)*"):(?: +|$)/;
/** The characters of a plain word after its first: no space, colon, comma, quote or flow bracket. */
const WORD_CHAR = '[A-Za-z0-9_./@+=-]';
/**
 * A plain value that js-yaml's default schema reads as this very string (null and booleans are excluded below):
 * words, paths, images and flags such as `--metrics-addr=:8080`; nothing a number, timestamp or `.inf` starts with.
 */
const PLAIN_WORD = new RegExp(`^(?:[A-Za-z_/]|-[A-Za-z-])${WORD_CHAR}*(?::${WORD_CHAR}+)*$`);
const NOT_A_STRING = new Set(['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE']);
/** JSON's numbers, which js-yaml's core schema reads as the same numbers. */
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$/;
/** Block scalars without an indentation indicator or keep chomping: `|` and `>`, and both with `-`. */
const BLOCK_SCALAR = /^([|>])(-?)$/;

/** Thrown inside the reader when the text leaves the subset; never escapes it. */
class OutsideSubset extends Error {}

/** The documents of a YAML stream (empty ones left out), or undefined when js-yaml must read it. */
export function loadBlockYaml(text: string): unknown[] | undefined {
  if (OUTSIDE_SUBSET.test(text)) return undefined;
  try {
    return splitDocuments(text)
      .filter((lines) => lines.some((line) => !line.ignorable))
      .map((lines) => (isJsonDocument(lines) ? jsonDocument(lines) : new BlockReader(lines).document()));
  } catch (err) {
    if (err instanceof OutsideSubset) return undefined;
    throw err;
  }
}

function splitDocuments(text: string): Line[][] {
  const documents: Line[][] = [[]];
  for (const raw of text.split('\n')) {
    if (raw.startsWith('---')) {
      if (raw.trimEnd() !== '---') throw new OutsideSubset();
      documents.push([]);
      continue;
    }
    if (raw.startsWith('...') || raw.startsWith('%')) throw new OutsideSubset();
    const afterIndent = raw.trimStart();
    const text = afterIndent.trimEnd();
    documents.at(-1)!.push({
      indent: raw.length - afterIndent.length,
      text,
      ignorable: text === '' || text.startsWith('#'),
      trailingSpace: text.length < afterIndent.length,
    });
  }
  return documents;
}

/** A document that is one JSON object (a kubeconfig some tools write), which js-yaml reads as a flow mapping. */
function isJsonDocument(lines: Line[]): boolean {
  return lines.find((line) => !line.ignorable)!.text.startsWith('{');
}

/** JSON strings hold no line break, so the spaces trimmed and the comment lines left out lie outside any string. */
function jsonDocument(lines: Line[]): unknown {
  return json(
    lines
      .filter((line) => !line.ignorable)
      .map((line) => line.text)
      .join('\n'),
  );
}

class BlockReader {
  private next = 0;

  constructor(private readonly lines: Line[]) {}

  document(): unknown {
    const first = this.peek()!;
    if (first.indent !== 0 || isListItem(first.text)) throw new OutsideSubset();
    const document = this.map(0);
    if (this.peek()) throw new OutsideSubset();
    return document;
  }

  /** The next line of the structure, past blank lines and comments. */
  private peek(): Line | undefined {
    while (this.lines[this.next]?.ignorable) this.next++;
    return this.lines[this.next];
  }

  /** A block map whose keys stand at `indent`; `firstKeyText` is a key that shares its line with a list's dash. */
  private map(indent: number, firstKeyText?: string): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    let keyText = firstKeyText;
    for (;;) {
      if (keyText === undefined) {
        const line = this.peek();
        if (!line || line.indent < indent) return map;
        if (line.indent > indent || isListItem(line.text)) throw new OutsideSubset();
        keyText = line.text;
        this.next++;
      }
      const match = PLAIN_KEY.exec(keyText) ?? QUOTED_KEY.exec(keyText);
      if (!match) throw new OutsideSubset();
      const quoted = match[1]!.startsWith('"');
      const key = quoted ? (json(match[1]!) as string) : match[1]!;
      if (Object.hasOwn(map, key) || key === '__proto__' || (!quoted && NOT_A_STRING.has(key)))
        throw new OutsideSubset();
      map[key] = this.value(keyText.slice(match[0].length), indent, true);
      keyText = undefined;
    }
  }

  /** A block list whose dashes stand at `indent`. */
  private list(indent: number): unknown[] {
    const list: unknown[] = [];
    for (;;) {
      const line = this.peek();
      if (!line || line.indent < indent) return list;
      if (line.indent > indent || !isListItem(line.text)) {
        // A map's next key after a list written at the map's own indentation ends the list.
        if (line.indent === indent && !isListItem(line.text)) return list;
        throw new OutsideSubset();
      }
      this.next++;
      const item = line.text.slice(1).trimStart();
      if (isListItem(item)) throw new OutsideSubset();
      if (PLAIN_KEY.test(item) || QUOTED_KEY.test(item))
        list.push(this.map(indent + line.text.length - item.length, item));
      else list.push(this.value(item, indent, false));
    }
  }

  /** What follows a key or a dash standing at `indent`. */
  private value(text: string, indent: number, underKey: boolean): unknown {
    if (text === '' || text.startsWith('#')) return this.nested(indent, underKey);
    const block = BLOCK_SCALAR.exec(text);
    return block ? this.blockScalar(indent, block[1] === '>', block[2] === '-') : scalar(text);
  }

  /** The value under a key or dash with nothing after it: a deeper block, a list at the key's indent, or null. */
  private nested(indent: number, underKey: boolean): unknown {
    const line = this.peek();
    if (line && line.indent > indent) return isListItem(line.text) ? this.list(line.indent) : this.map(line.indent);
    if (underKey && line && line.indent === indent && isListItem(line.text)) return this.list(indent);
    return null;
  }

  /**
   * A `|` or `>` block of lines at one indentation, deeper than `indent` (the literal one may indent some lines
   * further). Blank lines, and folded lines indented further, fold in ways left to js-yaml.
   */
  private blockScalar(indent: number, folded: boolean, strip: boolean): string {
    const first = this.lines[this.next];
    if (!first || first.text === '' || first.indent <= indent) throw new OutsideSubset();
    const texts: string[] = [];
    for (let line = this.lines[this.next]; line && line.indent >= first.indent; line = this.lines[++this.next]) {
      if (line.text === '' || line.trailingSpace || (folded && line.indent > first.indent)) throw new OutsideSubset();
      texts.push(' '.repeat(line.indent - first.indent) + line.text);
    }
    // Blank lines may close the block but not sit inside it.
    let after = this.next;
    while (this.lines[after]?.text === '') after++;
    if (after > this.next && (this.lines[after]?.indent ?? -1) >= first.indent) throw new OutsideSubset();
    return texts.join(folded ? ' ' : '\n') + (strip ? '' : '\n');
  }
}

function isListItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

/** A flow list of plain words, as `[Deny]` or `[spec, status]`: no colons, which flow YAML reads differently. */
const FLOW_WORD = `[A-Za-z_/]${WORD_CHAR}*`;
const FLOW_WORDS = new RegExp(`^\\[ *(${FLOW_WORD}(?: *, *${FLOW_WORD})*)? *\\]$`);

function scalar(text: string): unknown {
  const first = text[0]!;
  const words = first === '[' && !text.includes('"') ? FLOW_WORDS.exec(text) : null;
  if (words) {
    const list = words[1] === undefined ? [] : words[1].split(',').map((word) => word.trim());
    if (list.some((word) => NOT_A_STRING.has(word))) throw new OutsideSubset();
    return list;
  }
  if (first === '"' || first === '[' || first === '{') return json(text);
  if (text === 'true' || text === 'false' || text === 'null' || JSON_NUMBER.test(text)) return json(text);
  if (PLAIN_WORD.test(text) && !NOT_A_STRING.has(text)) return text;
  // Words with spaces (`ray stop`), as written by the writer below, which writes plain only what reads back as itself.
  if (writtenPlain(text)) return text;
  throw new OutsideSubset();
}

function writtenPlain(text: string): boolean {
  try {
    return scalarText(text) === text;
  } catch (err) {
    if (err instanceof OutsideSubset) return false;
    throw err;
  }
}

/** Any JSON string matched from its opening quote, and whether a colon makes it a key. */
const JSON_STRING_TOKEN = /"(?:[^"\\]|\\.)*"(\s*:)?/g;

/**
 * A JSON value as js-yaml reads it. Two things differ from JSON.parse: js-yaml refuses a key written twice in one
 * map (JSON.parse keeps the last), and reads -0 as 0.
 */
function json(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new OutsideSubset();
  }
  let keysWritten = 0;
  if (text.includes(':')) for (const token of text.matchAll(JSON_STRING_TOKEN)) if (token[1]) keysWritten++;
  let keysRead = 0;
  const check = (node: unknown): void => {
    if (Object.is(node, -0)) throw new OutsideSubset();
    if (typeof node !== 'object' || node === null) return;
    const children = Object.values(node);
    if (!Array.isArray(node)) keysRead += children.length;
    children.forEach(check);
  };
  check(value);
  if (keysRead !== keysWritten) throw new OutsideSubset();
  return value;
}

/**
 * `value` as js-yaml's dump writes it with `lineWidth: -1, noRefs: true, quotingType: '"'`, or undefined where that
 * takes more than the rules below (see chooseScalarStyle and writeBlockMapping in js-yaml's dumper).
 */
export function dumpBlockYaml(value: unknown): string | undefined {
  try {
    return `${node(value, 0, true)}\n`;
  } catch (err) {
    if (err instanceof OutsideSubset) return undefined;
    throw err;
  }
}

/** What js-yaml writes for `value` at nesting `level`; `compact`: a list item's first key shares the dash's line. */
function node(value: unknown, level: number, compact: boolean): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || Object.is(value, -0)) throw new OutsideSubset();
    return String(value);
  }
  if (typeof value === 'string') return scalarText(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return value
      .map((item, index) => {
        const text = node(item === undefined ? null : item, level + 1, true);
        const dash = text.startsWith('\n') ? '-' : '- ';
        return (compact && index === 0 ? '' : newLine(level)) + dash + text;
      })
      .join('');
  }
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) throw new OutsideSubset();
  const pairs = Object.entries(value).filter(([, item]) => item !== undefined);
  if (pairs.length === 0) return '{}';
  return pairs
    .map(([key, item], index) => {
      const keyText = scalarText(key);
      if (keyText.length > 1024) throw new OutsideSubset();
      const text = node(item, level + 1, false);
      return (compact && index === 0 ? '' : newLine(level)) + keyText + (text.startsWith('\n') ? ':' : ': ') + text;
    })
    .join('');
}

function newLine(level: number): string {
  return `\n${'  '.repeat(level)}`;
}

/** YAML 1.1's booleans and sexagesimal numbers, which js-yaml quotes for old readers. */
const YAML11_BOOLEANS = new Set('y Y yes Yes YES on On ON n N no No NO off Off OFF'.split(' '));
const BASE60 = /^[-+]?[0-9_]+(?::[0-9_]+)+(?:\.[0-9_]*)?$/;
/** Words js-yaml's schema reads as null, booleans or a merge key. */
const KEYWORDS = new Set([...NOT_A_STRING, '~', '<<']);
/** A first character js-yaml never writes plain. */
const NOT_PLAIN_FIRST = /^[ \-?:,[\]{}#&*!|>'"%@`=]/;
/** Characters that rule out every number and timestamp js-yaml reads, once the first is a digit, sign or dot. */
const NOT_NUMERIC = /[^0-9a-fA-FxXoObB_.+\-:eEiInNtTzZ, ]/;

/** A string as js-yaml writes it: plain, or double-quoted when plain would read back as something else. */
function scalarText(text: string): string {
  if (text === '') return '""';
  if (!/^[\x20-\x7e]*$/.test(text)) throw new OutsideSubset();
  if (YAML11_BOOLEANS.has(text) || BASE60.test(text)) return `"${text}"`;
  const plain =
    !NOT_PLAIN_FIRST.test(text) &&
    !text.endsWith(' ') &&
    !text.endsWith(':') &&
    !text.includes(': ') &&
    !text.includes(' #') &&
    !readsAsAnotherType(text);
  return plain ? text : `"${text.replace(/["\\]/g, '\\$&')}"`;
}

function readsAsAnotherType(text: string): boolean {
  if (KEYWORDS.has(text)) return true;
  if (!/^[-+.0-9]/.test(text) || NOT_NUMERIC.test(text)) return false;
  if (/^[0-9]+(?:\.[0-9]+)?$/.test(text)) return true;
  // A hex digest (the operator bundle's sha256 annotation): a letter other than e rules out every number, unless it
  // follows a 0 as the base of 0b… or 0x….
  if (/^[0-9a-fA-F]+$/.test(text) && /[a-dfA-DF]/.test(text) && !/^0[bBxX]/.test(text)) return false;
  // A version such as 1.2.3: a float has one dot, a timestamp dashes, YAML 1.1's numbers `_`, `,` or `:`.
  if (/^[0-9]+(?:\.[0-9]+){2,}$/.test(text)) return false;
  throw new OutsideSubset();
}
