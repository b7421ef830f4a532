import { UsageError } from '../errors.ts';

// kubectl's `-o jsonpath=TEMPLATE`: text with {actions}; an action is a path (`.items[*].name`, `..name`,
// `[0]`, `[-1]`, `[1:3]`, `['a.b']`, `[?(@.phase=="Running")]`), a string literal (`{"\n"}`), or
// `range PATH` … `end`. Inside a range, paths start from the element; `$` is always the root. Several results of
// one action are joined by a space, objects print as JSON, and a missing key prints nothing (kubectl's
// --allow-missing-template-keys=true default).

type Step =
  | { kind: 'child'; name: string }
  | { kind: 'wildcard' }
  | { kind: 'recursive'; name: string | undefined }
  | { kind: 'index'; index: number }
  | { kind: 'slice'; start: number | undefined; end: number | undefined }
  | { kind: 'filter'; path: Path; op: FilterOp | undefined; value: unknown };

type FilterOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

interface Path {
  fromRoot: boolean;
  steps: Step[];
}

type Node = { kind: 'text'; text: string } | { kind: 'path'; path: Path } | { kind: 'range'; path: Path; body: Node[] };

/** Parses a template once; the result renders any number of objects (a watch prints one per event). */
export function compileJsonPath(template: string): (data: unknown) => string {
  const nodes = parseTemplate(template);
  return (data) => render(nodes, data, data);
}

function fail(template: string, why: string): never {
  throw new UsageError(
    `-o jsonpath: ${why} in ${JSON.stringify(template)}`,
    `e.g. -o jsonpath='{.items[*].name}' or -o jsonpath='{range .items[*]}{.name}{"\\n"}{end}'`,
  );
}

function parseTemplate(template: string): Node[] {
  const root: Node[] = [];
  const stack: { body: Node[] }[] = [{ body: root }];
  let at = 0;
  while (at < template.length) {
    const open = template.indexOf('{', at);
    if (open < 0) {
      stack.at(-1)!.body.push({ kind: 'text', text: template.slice(at) });
      break;
    }
    if (open > at) stack.at(-1)!.body.push({ kind: 'text', text: template.slice(at, open) });
    const close = actionEnd(template, open);
    const action = template.slice(open + 1, close).trim();
    at = close + 1;
    if (action === 'end') {
      if (stack.length === 1) fail(template, '{end} without {range}');
      stack.pop();
    } else if (action.startsWith('range ')) {
      const node: Node = { kind: 'range', path: parsePath(action.slice(6).trim(), template), body: [] };
      stack.at(-1)!.body.push(node);
      stack.push(node);
    } else if (action.startsWith('"') || action.startsWith("'")) {
      stack.at(-1)!.body.push({ kind: 'text', text: parseString(action, template) });
    } else {
      stack.at(-1)!.body.push({ kind: 'path', path: parsePath(action, template) });
    }
  }
  if (stack.length > 1) fail(template, '{range} without {end}');
  return root;
}

/** The index of the `}` closing the action at `open`, skipping braces inside quoted strings. */
function actionEnd(template: string, open: number): number {
  let quote: string | undefined;
  for (let i = open + 1; i < template.length; i++) {
    const c = template[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '}') return i;
  }
  return fail(template, 'unclosed {');
}

function parseString(literal: string, template: string): string {
  const quote = literal[0]!;
  if (literal.length < 2 || literal.at(-1) !== quote) fail(template, `unterminated string ${literal}`);
  const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };
  return literal.slice(1, -1).replace(/\\(.)/g, (_m, c: string) => escapes[c] ?? c);
}

function parsePath(text: string, template: string): Path {
  let at = 0;
  let fromRoot = false;
  if (text.startsWith('$')) {
    fromRoot = true;
    at = 1;
  } else if (text.startsWith('@')) at = 1;
  const steps: Step[] = [];
  const name = () => {
    const match = /^[A-Za-z0-9_-]+/.exec(text.slice(at));
    return match ? ((at += match[0].length), match[0]) : undefined;
  };
  while (at < text.length) {
    if (text.startsWith('..', at)) {
      at += 2;
      const n = text[at] === '*' ? (at++, undefined) : name();
      steps.push({ kind: 'recursive', name: n });
    } else if (text[at] === '.') {
      at++;
      if (text[at] === '*') {
        at++;
        steps.push({ kind: 'wildcard' });
      } else if (at < text.length && text[at] !== '[') {
        const n = name();
        if (n === undefined) fail(template, `unexpected ${JSON.stringify(text.slice(at))}`);
        steps.push({ kind: 'child', name: n });
      }
    } else if (text[at] === '[') {
      const close = bracketEnd(text, at, template);
      steps.push(parseBracket(text.slice(at + 1, close).trim(), template));
      at = close + 1;
    } else {
      const n = name();
      if (n === undefined || steps.length > 0) fail(template, `unexpected ${JSON.stringify(text.slice(at))}`);
      steps.push({ kind: 'child', name: n });
    }
  }
  return { fromRoot, steps };
}

function bracketEnd(text: string, open: number, template: string): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return i;
  }
  return fail(template, 'unclosed [');
}

function parseBracket(inner: string, template: string): Step {
  if (inner === '*') return { kind: 'wildcard' };
  if (/^-?\d+$/.test(inner)) return { kind: 'index', index: Number(inner) };
  const slice = /^(-?\d+)?:(-?\d+)?$/.exec(inner);
  if (slice)
    return {
      kind: 'slice',
      start: slice[1] === undefined ? undefined : Number(slice[1]),
      end: slice[2] === undefined ? undefined : Number(slice[2]),
    };
  if (/^(['"]).*\1$/.test(inner)) return { kind: 'child', name: parseString(inner, template) };
  const filter = /^\?\((.*)\)$/.exec(inner);
  if (filter) {
    const match = /^(@[^=!<>\s]*)\s*(==|!=|<=|>=|<|>)\s*(.+)$/.exec(filter[1]!.trim());
    if (!match)
      return { kind: 'filter', path: parsePath(filter[1]!.trim(), template), op: undefined, value: undefined };
    return {
      kind: 'filter',
      path: parsePath(match[1]!, template),
      op: match[2] as FilterOp,
      value: parseLiteral(match[3]!.trim(), template),
    };
  }
  return fail(template, `cannot read [${inner}]`);
}

function parseLiteral(text: string, template: string): unknown {
  if (/^(['"]).*\1$/.test(text)) return parseString(text, template);
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === 'null') return null;
  const number = Number(text);
  if (text !== '' && Number.isFinite(number)) return number;
  return fail(template, `cannot compare with ${text}`);
}

function evaluate(path: Path, current: unknown, root: unknown): unknown[] {
  let nodes = [path.fromRoot ? root : current];
  for (const step of path.steps) nodes = nodes.flatMap((node) => apply(step, node, root));
  return nodes;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function apply(step: Step, node: unknown, root: unknown): unknown[] {
  switch (step.kind) {
    case 'child':
      return isObject(node) && !Array.isArray(node) && Object.hasOwn(node, step.name) ? [node[step.name]] : [];
    case 'wildcard':
      return Array.isArray(node) ? node : isObject(node) ? Object.values(node) : [];
    case 'recursive':
      return descendants(node).flatMap((n) =>
        step.name === undefined ? [n] : apply({ kind: 'child', name: step.name }, n, root),
      );
    case 'index': {
      if (!Array.isArray(node)) return [];
      const i = step.index < 0 ? node.length + step.index : step.index;
      return i >= 0 && i < node.length ? [node[i]] : [];
    }
    case 'slice':
      return Array.isArray(node) ? node.slice(step.start, step.end) : [];
    case 'filter': {
      const items = Array.isArray(node) ? node : isObject(node) ? Object.values(node) : [];
      return items.filter((item) => {
        const found = evaluate(step.path, item, root);
        if (step.op === undefined) return found.length > 0 && found[0] !== false && found[0] !== null;
        return found.length > 0 && compare(found[0], step.op, step.value);
      });
    }
  }
}

function descendants(node: unknown): unknown[] {
  if (!isObject(node)) return [node];
  return [node, ...Object.values(node).flatMap(descendants)];
}

function compare(a: unknown, op: FilterOp, b: unknown): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
  const ordered = (x: number | string, y: number | string) =>
    op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
  if (typeof a === 'number' && typeof b === 'number') return ordered(a, b);
  if (typeof a === 'string' && typeof b === 'string') return ordered(a, b);
  return false;
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  // Numbers, booleans and null as JSON writes them, objects and arrays as JSON.
  return JSON.stringify(value);
}

function render(nodes: readonly Node[], current: unknown, root: unknown): string {
  return nodes
    .map((node) => {
      switch (node.kind) {
        case 'text':
          return node.text;
        case 'path':
          return evaluate(node.path, current, root).map(text).join(' ');
        case 'range':
          return evaluate(node.path, current, root)
            .flatMap((item): unknown[] =>
              Array.isArray(item) && node.path.steps.at(-1)?.kind === 'child' ? (item as unknown[]) : [item],
            )
            .map((item) => render(node.body, item, root))
            .join('');
      }
    })
    .join('');
}
