import { readFileSync, statSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { UsageError, UserError } from '../errors.ts';
import type { Values } from '../chart/tree.ts';
import type { ValuesInput } from '../chart/values.ts';

/** What commander collects from the values flags (the same on template, install and upgrade). */
export interface ValuesFlags {
  values: string[];
  set: string[];
  setString: string[];
  setJson: string[];
  setFile: string[];
  operatorOnly?: boolean;
  clusterOnly?: boolean;
  namespacedOperator?: boolean;
  operatorNamespace?: string;
  image?: string;
  minWorkers: string[];
  maxWorkers: string[];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function addValuesOptions(command: Command): Command {
  return command
    .option('-f, --values <file>', 'values file to merge (repeatable; later files win; - reads stdin)', collect, [])
    .option(
      '--set <key=value>',
      'set values (repeatable): a.b=1,list[0]=x,list={a,b}; "null" deletes a key',
      collect,
      [],
    )
    .option('--set-string <key=value>', 'set values as strings, without type inference (repeatable)', collect, [])
    .option(
      '--set-json <key=json>',
      'set values to JSON (repeatable): podTypes.x.nodeSelector={"gpu":"a100"}',
      collect,
      [],
    )
    .option('--set-file <key=path>', "set a value to a file's content (repeatable)", collect, [])
    .addOption(
      new Option('--operator-only', 'only the operator, no RayCluster (values: operatorOnly=true)').conflicts(
        'clusterOnly',
      ),
    )
    .option('--cluster-only', 'only the RayCluster, no operator (values: clusterOnly=true)')
    .option('--namespaced-operator', 'operator in the release namespace, watching only it (namespacedOperator=true)')
    .option('--operator-namespace <ns>', 'namespace of a cluster-scoped operator (operatorNamespace)')
    .option('--image <image>', 'image of the Ray head and worker pods (image)')
    .option('--min-workers <type=n>', 'minWorkers of a pod type, e.g. rayWorkerType=0 (repeatable)', collect, [])
    .option('--max-workers <type=n>', 'maxWorkers of a pod type, e.g. rayWorkerType=10 (repeatable)', collect, []);
}

export function valuesInputFromFlags(flags: ValuesFlags): ValuesInput {
  return {
    files: flags.values,
    setJson: flags.setJson,
    set: flags.set,
    setString: flags.setString,
    setFile: flags.setFile,
    shortcuts: shortcutValues(flags),
  };
}

function shortcutValues(flags: ValuesFlags): Values {
  const values: Values = {};
  if (flags.operatorOnly) values.operatorOnly = true;
  if (flags.clusterOnly) values.clusterOnly = true;
  if (flags.namespacedOperator) values.namespacedOperator = true;
  if (flags.operatorNamespace !== undefined) values.operatorNamespace = flags.operatorNamespace;
  if (flags.image !== undefined) values.image = flags.image;
  const podTypes: Record<string, Values> = {};
  for (const [flag, field, pairs] of [
    ['--min-workers', 'minWorkers', flags.minWorkers],
    ['--max-workers', 'maxWorkers', flags.maxWorkers],
  ] as const) {
    for (const pair of pairs) {
      const match = /^([^=]+)=(\d+)$/.exec(pair);
      if (!match) throw new UsageError(`${flag} "${pair}" must be TYPE=N with N a whole number, e.g. rayWorkerType=2`);
      const [, type, count] = match as unknown as [string, string, string];
      podTypes[type] = { ...podTypes[type], [field]: Number(count) };
    }
  }
  if (Object.keys(podTypes).length > 0) values.podTypes = podTypes;
  return values;
}

/** Larger than any real values file by far: a bigger one is a mistake (or an attack), refused before parsing. */
export const MAX_VALUES_FILE_BYTES = 8 * 1024 * 1024;

/**
 * Reads a -f or --set-file path; `-` is standard input (read once, as Helm does). Refuses files over the size cap
 * and bytes that are not UTF-8 (never silently replaced with U+FFFD).
 */
export function readValuesInput(path: string): string {
  let bytes: Buffer;
  try {
    const stat = path === '-' ? undefined : statSync(path);
    if (stat?.isFile() && stat.size > MAX_VALUES_FILE_BYTES)
      throw new UserError(
        `${path} is larger than ${MAX_VALUES_FILE_BYTES / 1024 / 1024} MiB, the limit for values files`,
      );
    bytes = readFileSync(path === '-' ? 0 : path);
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? 'error');
    throw new UserError(`cannot read ${path}: ${why}`);
  }
  if (bytes.length > MAX_VALUES_FILE_BYTES)
    throw new UserError(
      `${path} is larger than ${MAX_VALUES_FILE_BYTES / 1024 / 1024} MiB, the limit for values files`,
    );
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UserError(`${path} is not UTF-8 text`, 'convert it, e.g. with `iconv -f latin1 -t utf-8`');
  }
}
