import { UsageError } from '../errors.ts';
import { isPlainObject, MAX_VALUES_DEPTH, RESERVED_KEYS, unsafeValues, type Values } from './tree.ts';

/**
 * How the right-hand side of `key=value` is read, one mode per flag:
 * --set infers int/bool/null, --set-string keeps text, --set-json parses JSON, --set-file names a file to read.
 */
export type SetMode = 'infer' | 'string' | 'json' | 'file';

const FLAG_OF_MODE: Record<SetMode, string> = {
  infer: '--set',
  string: '--set-string',
  json: '--set-json',
  file: '--set-file',
};

/** Helm refuses larger list indexes so that `a[999999999]=x` cannot allocate a huge list. */
const MAX_INDEX = 65536;

/**
 * Applies one flag value (`a.b=1,c[0].d={x,y}`) to `target`, with Helm's strvals syntax: dots nest maps, `[i]`
 * indexes lists (padding with nulls), `{x,y}` is a list, `\` escapes the next character, commas separate pairs.
 */
export function applySetFlag(
  input: string,
  mode: SetMode,
  target: Values,
  readFile: (path: string) => string = () => {
    throw new Error('no file reader');
  },
): void {
  new SetParser(input, mode, readFile).parseInto(target);
}

class SetParser {
  private pos = 0;

  constructor(
    private readonly input: string,
    private readonly mode: SetMode,
    private readonly readFile: (path: string) => string,
  ) {}

  parseInto(target: Values): void {
    if (this.input.length === 0) this.fail('is empty; expected key=value');
    while (this.pos < this.input.length) {
      this.parseInMap(target);
      if (this.pos < this.input.length) {
        if (this.input[this.pos] !== ',') this.fail(`expected "," between key=value pairs`);
        this.pos++;
        if (this.pos === this.input.length) this.fail('ends with ","; expected another key=value');
      }
    }
  }

  private parseInMap(map: Values, depth = 0): void {
    const keyStart = this.pos;
    const key = this.readKey();
    if (key === '') this.fail('has an empty key', keyStart);
    if (RESERVED_KEYS.has(key)) this.fail(`has key "${key}", which is reserved`, keyStart);
    if (depth > MAX_VALUES_DEPTH) this.fail(`nests keys deeper than ${MAX_VALUES_DEPTH} levels`, keyStart);
    const next = this.input[this.pos];
    switch (next) {
      case '=':
        this.pos++;
        map[key] = this.readValue();
        return;
      case '.': {
        this.pos++;
        const child = isPlainObject(map[key]) ? map[key] : {};
        map[key] = child;
        this.parseInMap(child, depth + 1);
        return;
      }
      case '[': {
        this.pos++;
        const list = Array.isArray(map[key]) ? (map[key] as unknown[]) : [];
        map[key] = list;
        this.parseInList(list, depth + 1);
        return;
      }
      default:
        this.fail(`key "${key}" has no value; expected "${key}=VALUE"`, keyStart);
    }
  }

  private parseInList(list: unknown[], depth: number): void {
    const indexStart = this.pos;
    if (depth > MAX_VALUES_DEPTH) this.fail(`nests keys deeper than ${MAX_VALUES_DEPTH} levels`, indexStart);
    const close = this.input.indexOf(']', this.pos);
    if (close < 0) this.fail('has "[" without a closing "]"', indexStart - 1);
    const text = this.input.slice(this.pos, close);
    if (!/^\d+$/.test(text)) this.fail(`has list index "${text}"; expected a number like [0]`, indexStart);
    const index = Number(text);
    if (index > MAX_INDEX) this.fail(`has list index ${index}; the largest allowed is ${MAX_INDEX}`, indexStart);
    this.pos = close + 1;
    while (list.length < index) list.push(null);
    const next = this.input[this.pos];
    switch (next) {
      case '=':
        this.pos++;
        list[index] = this.readValue();
        return;
      case '.': {
        this.pos++;
        const existing = list[index];
        const child = isPlainObject(existing) ? existing : {};
        list[index] = child;
        this.parseInMap(child, depth + 1);
        return;
      }
      case '[': {
        this.pos++;
        const child = Array.isArray(list[index]) ? (list[index] as unknown[]) : [];
        list[index] = child;
        this.parseInList(child, depth + 1);
        return;
      }
      default:
        this.fail(`expected "=", "." or "[" after [${index}]`);
    }
  }

  /** Reads up to an unescaped `=`, `.`, `[` or `,`. */
  private readKey(): string {
    let key = '';
    while (this.pos < this.input.length) {
      const ch = this.input[this.pos]!;
      if (ch === '\\') {
        if (this.pos + 1 >= this.input.length) this.fail('ends with "\\"; nothing to escape');
        key += this.input[this.pos + 1];
        this.pos += 2;
        continue;
      }
      if (ch === '=' || ch === '.' || ch === '[' || ch === ',') break;
      key += ch;
      this.pos++;
    }
    return key;
  }

  private readValue(): unknown {
    switch (this.mode) {
      case 'json':
        return this.readJsonValue();
      case 'file': {
        const path = this.readText();
        if (path === '') this.fail('names no file; expected key=PATH');
        return this.readFile(path);
      }
      default:
        if (this.input[this.pos] === '{') return this.readListLiteral();
        return typedValue(this.readText(), this.mode === 'string');
    }
  }

  /** `{a,b,c}`: a list whose items are typed like plain values. */
  private readListLiteral(): unknown[] {
    const open = this.pos;
    this.pos++;
    const items: unknown[] = [];
    if (this.input[this.pos] === '}') {
      this.pos++;
      return items;
    }
    for (;;) {
      items.push(typedValue(this.readText('}'), this.mode === 'string'));
      const ch = this.input[this.pos];
      if (ch === '}') {
        this.pos++;
        return items;
      }
      if (ch !== ',') this.fail('has "{" without a closing "}"', open);
      this.pos++;
    }
  }

  /** Plain text up to an unescaped `,` (or `stop`), with `\` escapes removed. */
  private readText(stop?: string): string {
    let text = '';
    while (this.pos < this.input.length) {
      const ch = this.input[this.pos]!;
      if (ch === '\\') {
        if (this.pos + 1 >= this.input.length) this.fail('ends with "\\"; nothing to escape');
        text += this.input[this.pos + 1];
        this.pos += 2;
        continue;
      }
      if (ch === ',' || ch === stop) break;
      text += ch;
      this.pos++;
    }
    return text;
  }

  /** A JSON value runs to the first top-level comma outside strings and brackets. */
  private readJsonValue(): unknown {
    const start = this.pos;
    let depth = 0;
    let inString = false;
    for (; this.pos < this.input.length; this.pos++) {
      const ch = this.input[this.pos];
      if (inString) {
        if (ch === '\\') this.pos++;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === '{' || ch === '[') depth++;
      else if (ch === '}' || ch === ']') depth--;
      else if (ch === ',' && depth === 0) break;
    }
    const text = this.input.slice(start, this.pos);
    let value: unknown;
    try {
      value = JSON.parse(text) as unknown;
    } catch (err) {
      this.fail(`has a value that is not valid JSON (${(err as Error).message})`, start);
    }
    const problem = unsafeValues(value);
    if (problem) this.fail(`has a JSON value that is refused: ${problem}`, start);
    return value;
  }

  private fail(problem: string, at = this.pos): never {
    const caretAt = Math.min(at, this.input.length);
    throw new UsageError(
      `${FLAG_OF_MODE[this.mode]} "${this.input}" ${problem} (at character ${caretAt + 1})\n    ${this.input}\n    ${' '.repeat(caretAt)}^`,
      'syntax: key=value[,key=value]; nested.key=value; list[0]=value; list={a,b}; escape "." and "," with "\\"',
    );
  }
}

/** Helm's type inference for --set: true/false, null, and base-10 integers without a leading zero. */
export function typedValue(text: string, keepString: boolean): unknown {
  if (keepString) return text;
  const lower = text.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null') return null;
  if (text === '0') return 0;
  if (/^[+-]?[1-9]\d*$/.test(text)) {
    const n = Number(text);
    if (Number.isSafeInteger(n)) return n;
  }
  return text;
}
