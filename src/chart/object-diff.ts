// What `rayctl diff` shows, computed without a cluster: an object as it is and as it would be, reduced to what a
// person changes (no server bookkeeping, no status), Secrets' values masked, compared line by line as YAML and
// printed as a unified diff. Colours are the caller's: this module only says which line is which.
import yaml from 'js-yaml';
import type { KubeObject } from './objects.ts';

/** Metadata the API server sets or bumps on every write: never a change anyone asked for. */
const SERVER_METADATA = ['managedFields', 'resourceVersion', 'generation', 'uid', 'creationTimestamp', 'selfLink'];

/** kubectl's client-side apply keeps the whole object, Secret values included, in this annotation. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** What a Secret's values become in the diff: equal ones are shown as equal, changed ones as changed, none in clear. */
export const MASK = {
  unchanged: '***',
  before: '*** (old value)',
  after: '*** (new value)',
} as const;

export type Change = 'added' | 'removed' | 'changed';

/** Which object a diff is about; `namespace` is left out for cluster-scoped kinds. */
export interface ObjectIdentity {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface ObjectDiff extends ObjectIdentity {
  change: Change;
  /** The unified diff of the object's YAML (hunks with `@@` lines), plain text. */
  diff: string;
}

/** How each kind of line is shown; every function gets one line without its newline. */
export interface DiffStyle {
  header: (line: string) => string;
  hunk: (line: string) => string;
  added: (line: string) => string;
  removed: (line: string) => string;
  context: (line: string) => string;
}

const same = (line: string) => line;
export const PLAIN_STYLE: DiffStyle = { header: same, hunk: same, added: same, removed: same, context: same };

/** Lines of context around each change, as `diff -u`'s default. */
export const DEFAULT_CONTEXT = 3;

/** The object without what the server changes on every write (managedFields, resourceVersion, ...) and status. */
export function normaliseForDiff(object: KubeObject): KubeObject {
  // Deleted in place on a copy, so that the YAML keeps the object's key order.
  const copy = structuredClone(object);
  delete copy.status;
  for (const key of SERVER_METADATA) delete copy.metadata[key];
  return copy;
}

const isSecret = (object: KubeObject | undefined): boolean => object?.kind === 'Secret' && object.apiVersion === 'v1';

/** A Secret's values as the API server stores them: `data`, with `stringData` merged in (base64, as the server does). */
function secretValues(secret: KubeObject): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries((secret.data ?? {}) as Record<string, unknown>))
    values[key] = String(value);
  for (const [key, value] of Object.entries((secret.stringData ?? {}) as Record<string, unknown>))
    values[key] = Buffer.from(String(value), 'utf8').toString('base64');
  return values;
}

function maskedSecret(
  secret: KubeObject,
  own: Record<string, string>,
  other: Record<string, string> | undefined,
  side: 'before' | 'after',
): KubeObject {
  const { stringData: _stringData, data: _data, ...rest } = secret;
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(own))
    data[key] = other !== undefined && other[key] === value ? MASK.unchanged : MASK[side];
  const masked: KubeObject = { ...rest, ...(Object.keys(own).length > 0 ? { data } : {}) };
  const annotations = secret.metadata.annotations;
  if (annotations?.[LAST_APPLIED] !== undefined) {
    masked.metadata = { ...masked.metadata, annotations: { ...annotations, [LAST_APPLIED]: MASK[side] } };
  }
  return masked;
}

/**
 * Both sides of a Secret with every value replaced by a marker: `***` where both sides hold the same value, `*** (old
 * value)` / `*** (new value)` where it changes, appears or goes. The values themselves never reach the output. Other
 * kinds are returned as they are.
 */
export function maskSecrets(
  before: KubeObject | undefined,
  after: KubeObject | undefined,
): { before: KubeObject | undefined; after: KubeObject | undefined } {
  if (!isSecret(before) && !isSecret(after)) return { before, after };
  const beforeValues = before && isSecret(before) ? secretValues(before) : undefined;
  const afterValues = after && isSecret(after) ? secretValues(after) : undefined;
  let maskedBefore = before && beforeValues ? maskedSecret(before, beforeValues, afterValues, 'before') : before;
  let maskedAfter = after && afterValues ? maskedSecret(after, afterValues, beforeValues, 'after') : after;
  // The last-applied annotation holds the values too: it is masked on both sides, equal only when it did not change.
  const lastBefore = before?.metadata.annotations?.[LAST_APPLIED];
  const lastAfter = after?.metadata.annotations?.[LAST_APPLIED];
  if (lastBefore !== undefined && lastBefore === lastAfter) {
    const unchanged = (o: KubeObject | undefined) =>
      o && {
        ...o,
        metadata: { ...o.metadata, annotations: { ...o.metadata.annotations, [LAST_APPLIED]: MASK.unchanged } },
      };
    maskedBefore = unchanged(maskedBefore);
    maskedAfter = unchanged(maskedAfter);
  }
  return { before: maskedBefore, after: maskedAfter };
}

/** The object as the diff shows it: YAML in the object's own key order, one line per value. */
export function objectYaml(object: KubeObject | undefined): string {
  return object === undefined ? '' : yaml.dump(object, { lineWidth: -1, noRefs: true });
}

/** One line of an edit script: kept (` `), removed (`-`) or added (`+`). */
export interface Edit {
  op: ' ' | '-' | '+';
  line: string;
}

/**
 * Beyond this many differing lines the shortest edit script costs more memory than it is worth (it grows with the
 * square of the differences): the differing middle is shown as removed, then added.
 */
const MAX_EDIT_DISTANCE = 1000;

/**
 * A shortest edit script from `a` to `b` (Myers' O((N+M)D) algorithm), removals before additions where both are
 * possible. Common leading and trailing lines are matched first, so a small change in a large object is cheap.
 */
export function diffLines(a: readonly string[], b: readonly string[]): Edit[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const kept = (line: string): Edit => ({ op: ' ', line });
  return [
    ...a.slice(0, start).map(kept),
    ...shortestEdit(a.slice(start, endA), b.slice(start, endB)),
    ...a.slice(endA).map(kept),
  ];
}

function shortestEdit(a: readonly string[], b: readonly string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  const removed = (line: string): Edit => ({ op: '-', line });
  const added = (line: string): Edit => ({ op: '+', line });
  if (n === 0 || m === 0) return [...a.map(removed), ...b.map(added)];
  const max = n + m;
  const offset = max + 1;
  // v[offset + k]: the furthest x reached on diagonal k (x - y = k) with the current number of edits.
  const v = new Int32Array(2 * max + 3);
  // trace[d]: v on diagonals -d-1 … d+1 before the d-th round, to walk the path back.
  const trace: Int32Array[] = [];
  let distance = -1;
  for (let d = 0; d <= max && distance < 0; d++) {
    if (d > MAX_EDIT_DISTANCE) return [...a.map(removed), ...b.map(added)];
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        distance = d;
        break;
      }
    }
  }
  const edits: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = distance; d > 0; d--) {
    const previous = trace[d]!;
    const at = (k: number) => previous[k + d + 1]!;
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    // The round's one edit went from diagonal k+1 (down: a line of b added) or k-1 (right: a line of a removed),
    // then along equal lines to (x, y).
    const previousX = at(down ? k + 1 : k - 1);
    const snakeStart = down ? previousX : previousX + 1;
    while (x > snakeStart) {
      edits.push({ op: ' ', line: a[x - 1]! });
      x--;
      y--;
    }
    if (down) edits.push(added(b[--y]!));
    else edits.push(removed(a[--x]!));
  }
  while (x > 0 && y > 0) {
    edits.push({ op: ' ', line: a[--x]! });
    y--;
  }
  return edits.reverse();
}

/**
 * A unified diff of two texts: `@@ -l,s +l,s @@` hunks with `context` unchanged lines around each change (negative:
 * the whole text). Empty when the texts are equal.
 */
export function unifiedDiff(before: string, after: string, context = DEFAULT_CONTEXT): string {
  const lines = (text: string) => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));
  const edits = diffLines(lines(before), lines(after));
  const changed = edits.flatMap((e, i) => (e.op === ' ' ? [] : [i]));
  if (changed.length === 0) return '';
  const around = context < 0 ? edits.length : context;
  // Changes closer than twice the context share a hunk, as in `diff -u`.
  const hunks: [number, number][] = [];
  for (const i of changed) {
    const last = hunks.at(-1);
    if (last && i - last[1] <= 2 * around + 1) last[1] = i;
    else hunks.push([i, i]);
  }
  const out: string[] = [];
  for (const [first, lastChange] of hunks) {
    const from = Math.max(0, first - around);
    const to = Math.min(edits.length, lastChange + around + 1);
    const oldBefore = edits.slice(0, from).filter((e) => e.op !== '+').length;
    const newBefore = edits.slice(0, from).filter((e) => e.op !== '-').length;
    const hunk = edits.slice(from, to);
    const oldCount = hunk.filter((e) => e.op !== '+').length;
    const newCount = hunk.filter((e) => e.op !== '-').length;
    // As diff -u: an empty side is numbered by the line before it.
    const range = (start: number, count: number) => `${count === 0 ? start : start + 1},${count}`;
    out.push(`@@ -${range(oldBefore, oldCount)} +${range(newBefore, newCount)} @@`);
    for (const e of hunk) out.push(`${e.op}${e.line}`);
  }
  return `${out.join('\n')}\n`;
}

/**
 * The diff of one object from what it is (`before`; undefined: it does not exist) to what it would be (`after`;
 * undefined: it would be deleted). Undefined when nothing a person could have asked for would change.
 */
export function diffObject(
  identity: ObjectIdentity,
  before: KubeObject | undefined,
  after: KubeObject | undefined,
  options: { context?: number } = {},
): ObjectDiff | undefined {
  if (!before && !after) return undefined;
  const masked = maskSecrets(before && normaliseForDiff(before), after && normaliseForDiff(after));
  const diff = unifiedDiff(objectYaml(masked.before), objectYaml(masked.after), options.context);
  if (diff === '') return undefined;
  return { ...identity, change: !before ? 'added' : !after ? 'removed' : 'changed', diff };
}

/** helm-diff's header: `default, example-cluster, RayCluster (cluster.ray.io) has changed:`. */
export function diffHeader(diff: ObjectIdentity & { change: Change }): string {
  const group = diff.apiVersion.includes('/')
    ? diff.apiVersion.slice(0, diff.apiVersion.lastIndexOf('/'))
    : diff.apiVersion;
  const where = diff.namespace ? `${diff.namespace}, ` : '';
  const what = { added: 'has been added', removed: 'has been removed', changed: 'has changed' }[diff.change];
  return `${where}${diff.name}, ${diff.kind} (${group}) ${what}:`;
}

/** Every object's header and diff, each line passed through `style` (plain by default). */
export function formatDiffs(diffs: readonly ObjectDiff[], style: DiffStyle = PLAIN_STYLE): string {
  const out: string[] = [];
  for (const d of diffs) {
    out.push(style.header(diffHeader(d)));
    for (const line of d.diff.replace(/\n$/, '').split('\n')) {
      if (line.startsWith('@@')) out.push(style.hunk(line));
      else if (line.startsWith('+')) out.push(style.added(line));
      else if (line.startsWith('-')) out.push(style.removed(line));
      else out.push(style.context(line));
    }
    out.push('');
  }
  return out.join('\n');
}
