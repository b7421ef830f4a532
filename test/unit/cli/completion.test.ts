import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Argument, Command, Option } from 'commander';
import {
  complete,
  completionScript,
  formatCompletion,
  type CompletionLookups,
  type CompletionScope,
} from '../../../src/cli/completion.ts';
import { buildProgram } from '../../../src/cli/main.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** A program shaped like rayctl's (global flags, release and cluster arguments, nested commands), fixed for exact answers. */
function smallProgram(): Command {
  const program = new Command('rayctl')
    .option('-n, --namespace <ns>', 'namespace of the release')
    .option('--kubeconfig <path>', 'kubeconfig file')
    .option('--kube-context <name>', 'kubeconfig context to use')
    .option('--debug', 'show stack traces');
  program.addCommand(new Command('install').summary('install a release').argument('<release>').option('-f <file>'));
  program.addCommand(
    new Command('status')
      .summary('show a release')
      .argument('<release>')
      .option('--show-manifest', 'also print the manifest')
      .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json', 'yaml'])),
  );
  program.addCommand(new Command('uninstall').alias('delete').argument('<releases...>').option('--wait'));
  program.addCommand(new Command('scale').argument('<cluster>').option('--workers <n>'));
  program.addCommand(new Command('logs').requiredOption('--cluster <name>', 'the RayCluster'));
  program.addCommand(
    new Command('get').addArgument(new Argument('<what>').choices(['values', 'manifest'])).argument('[release]'),
  );
  const job = new Command('job').summary('run Ray jobs');
  job.addCommand(new Command('submit').summary('submit a job').argument('<cluster>').argument('<entrypoint...>'));
  job.addCommand(new Command('stop').summary('stop a job').argument('<cluster>').argument('<job>'));
  program.addCommand(job);
  program.addCommand(new Command('__complete'), { hidden: true });
  return program;
}

/** In-memory lookups that record the scope each was asked with. */
function memoryLookups(names: Partial<Record<keyof CompletionLookups, string[]>> = {}) {
  const calls: { kind: string; scope: CompletionScope }[] = [];
  const make =
    (kind: keyof CompletionLookups) =>
    (scope: CompletionScope): Promise<string[]> => {
      calls.push({ kind, scope });
      return Promise.resolve(names[kind] ?? []);
    };
  const lookups: CompletionLookups = {
    namespaces: make('namespaces'),
    releases: make('releases'),
    clusters: make('clusters'),
    contexts: make('contexts'),
  };
  return { lookups, calls };
}

const values = async (program: Command, words: string[], lookups = memoryLookups().lookups) =>
  (await complete(program, words, lookups)).candidates.map((c) => c.value);

describe('completion candidates from the command tree', () => {
  it('completes commands (aliases and hidden ones left out) and nested commands, with their summaries', async () => {
    const program = smallProgram();
    assert.deepEqual(await values(program, ['']), [
      'install',
      'status',
      'uninstall',
      'scale',
      'logs',
      'get',
      'job',
      'help',
    ]);
    assert.deepEqual(await values(program, ['s']), ['status', 'scale']);
    assert.deepEqual(await values(program, ['job', '']), ['submit', 'stop', 'help']);
    assert.deepEqual(await values(program, ['-n', 'ray', 'job', 'su']), ['submit']);
    assert.deepEqual(await values(program, ['help', 'j']), ['job']);
    const answer = await complete(program, ['st'], memoryLookups().lookups);
    assert.deepEqual(answer, { candidates: [{ value: 'status', description: 'show a release' }], files: false });
  });

  it("completes the command's flags and the global ones, long and short", async () => {
    const program = smallProgram();
    assert.deepEqual(await values(program, ['status', '--']), [
      '--show-manifest',
      '--output',
      '--help',
      '--namespace',
      '--kubeconfig',
      '--kube-context',
      '--debug',
    ]);
    assert.deepEqual(await values(program, ['status', '-']).then((v) => v.filter((f) => !f.startsWith('--'))), [
      '-o',
      '-h',
      '-n',
    ]);
    assert.deepEqual(await values(program, ['status', 'x', '--kube']), ['--kubeconfig', '--kube-context']);
    // After `--` every word is an argument.
    assert.deepEqual(await values(program, ['job', 'submit', 'c', '--', '--kube']), []);
  });

  it('completes choices of an option (separate word or after =) and of an argument', async () => {
    const program = smallProgram();
    assert.deepEqual(await values(program, ['status', '-o', '']), ['table', 'json', 'yaml']);
    assert.deepEqual(await values(program, ['status', 'r', '--output', 'y']), ['yaml']);
    assert.deepEqual(await values(program, ['status', '--output=j']), ['--output=json']);
    assert.deepEqual(await values(program, ['get', '']), ['values', 'manifest']);
    // A flag's value is not taken for an argument: `-o json` then the release.
    const { lookups, calls } = memoryLookups({ releases: ['r1'] });
    assert.deepEqual(await values(program, ['status', '-o', 'json', ''], lookups), ['r1']);
    assert.equal(calls.length, 1);
  });

  it("completes existing releases (not for install), RayClusters, namespaces and the kubeconfig's contexts", async () => {
    const program = smallProgram();
    const { lookups, calls } = memoryLookups({
      releases: ['beta', 'alpha', 'other'],
      clusters: ['raycluster-a'],
      namespaces: ['default', 'ray'],
      contexts: ['kind-kind', 'prod'],
    });
    assert.deepEqual(await values(program, ['status', ''], lookups), ['alpha', 'beta', 'other']);
    assert.deepEqual(await values(program, ['status', 'a'], lookups), ['alpha']);
    assert.deepEqual(
      await values(program, ['delete', 'alpha', ''], lookups),
      ['beta', 'other'],
      'variadic: given once',
    );
    assert.deepEqual(await values(program, ['get', 'values', 'o'], lookups), ['other']);
    assert.deepEqual(await values(program, ['install', ''], lookups), [], 'install takes a new name');
    assert.deepEqual(await values(program, ['scale', ''], lookups), ['raycluster-a']);
    assert.deepEqual(await values(program, ['logs', '--cluster', ''], lookups), ['raycluster-a']);
    assert.deepEqual(await values(program, ['logs', '--cluster=r'], lookups), ['--cluster=raycluster-a']);
    assert.deepEqual(await values(program, ['job', 'submit', ''], lookups), ['raycluster-a']);
    assert.deepEqual(await values(program, ['-n', 'r'], lookups), ['ray']);
    assert.deepEqual(await values(program, ['status', '--kube-context', ''], lookups), ['kind-kind', 'prod']);
    assert.deepEqual(
      calls.map((c) => c.kind),
      [
        'releases',
        'releases',
        'releases',
        'releases',
        'clusters',
        'clusters',
        'clusters',
        'clusters',
        'namespaces',
        'contexts',
      ],
    );
  });

  it('passes -n, --kube-context and --kubeconfig from the line to the lookup, wherever they stand', async () => {
    const program = smallProgram();
    const { lookups, calls } = memoryLookups({ releases: ['in-ray'] });
    await complete(program, ['-n', 'ray', 'status', ''], lookups);
    await complete(program, ['status', '--namespace=team', '--kube-context', 'prod', ''], lookups);
    await complete(program, ['--kubeconfig', '/k', 'uninstall', '-nother', '--debug', ''], lookups);
    await complete(program, ['status', ''], lookups);
    assert.deepEqual(
      calls.map((c) => c.scope),
      [
        { namespace: 'ray' },
        { namespace: 'team', kubeContext: 'prod' },
        { kubeconfig: '/k', namespace: 'other', debug: true },
        {},
      ],
    );
  });

  it('a failing, hanging or odd lookup gives no candidates and does not throw', async () => {
    const program = smallProgram();
    const failing: CompletionLookups = {
      namespaces: () => Promise.reject(new Error('connection refused')),
      releases: () => {
        throw new Error('no kubeconfig');
      },
      clusters: () => new Promise<string[]>(() => {}),
      contexts: () => Promise.resolve(['ok', 'two words', 'esc\u001b]0;x', '']),
    };
    assert.deepEqual(await complete(program, ['-n', ''], failing), { candidates: [], files: false });
    assert.deepEqual(await complete(program, ['status', ''], failing), { candidates: [], files: false });
    const started = Date.now();
    assert.deepEqual(await complete(program, ['scale', ''], failing, { timeoutMs: 50 }), {
      candidates: [],
      files: false,
    });
    assert.ok(Date.now() - started < 1000, 'the timeout ends a hanging lookup');
    assert.deepEqual(await values(program, ['--kube-context', ''], failing), ['ok']);
  });

  it('lets the shell complete file names only for values that are paths', async () => {
    const program = smallProgram();
    assert.equal((await complete(program, ['install', 'r', '-f', ''], memoryLookups().lookups)).files, true);
    assert.equal((await complete(program, ['--kubeconfig', ''], memoryLookups().lookups)).files, true);
    assert.equal((await complete(program, ['job', 'submit', 'c', '--', ''], memoryLookups().lookups)).files, true);
    assert.equal((await complete(program, ['scale', 'c', '--workers', ''], memoryLookups().lookups)).files, false);
    assert.equal((await complete(program, ['install', ''], memoryLookups().lookups)).files, false);
  });

  it('prints candidates one per line (tab, description), then the directive line', () => {
    assert.equal(
      formatCompletion({
        candidates: [{ value: 'status', description: 'show\na release' }, { value: 'r1' }],
        files: false,
      }),
      'status\tshow\nr1\n:4\n',
    );
    assert.equal(formatCompletion({ candidates: [], files: true }), ':0\n');
  });

  it("works on rayctl's own program: its commands, nested commands, flags and choices", async () => {
    const program = await buildProgram();
    const top = await values(program, ['']);
    for (const name of ['install', 'upgrade', 'status', 'job', 'completion', 'help'])
      assert.ok(top.includes(name), name);
    assert.ok(!top.includes('__complete'), 'the hidden command is not offered');
    assert.ok(!top.includes('ls'), 'aliases are not offered');
    const job = await values(program, ['job', 's']);
    for (const name of ['submit', 'status', 'stop']) assert.ok(job.includes(name), name);
    assert.ok(job.every((name) => name.startsWith('s')));
    assert.deepEqual(await values(program, ['completion', '']), ['bash', 'zsh', 'fish', 'powershell']);
    const flags = await values(program, ['status', 'x', '--']);
    for (const flag of ['--output', '--revision', '--namespace', '--kube-context', '--help'])
      assert.ok(flags.includes(flag));
    assert.ok(!flags.includes('--version'), '--version only before a command');
    const formats = await values(program, ['status', 'x', '-o', '']);
    assert.ok(formats.includes('json') && formats.includes('yaml'), formats.join(' '));
    const { lookups, calls } = memoryLookups({ releases: ['r1'], clusters: ['c1'] });
    assert.deepEqual(await values(program, ['-n', 'ray', 'rollback', ''], lookups), ['r1']);
    assert.deepEqual(await values(program, ['history', '-n', 'ray', ''], lookups), ['r1']);
    assert.deepEqual(await values(program, ['install', ''], lookups), []);
    assert.deepEqual(await values(program, ['scale', ''], lookups), ['c1']);
    assert.deepEqual(await values(program, ['logs', '--cluster', ''], lookups), ['c1']);
    assert.deepEqual(await values(program, ['session', ''], lookups), ['c1']);
    assert.deepEqual(
      calls.map((c) => [c.kind, c.scope.namespace]),
      [
        ['releases', 'ray'],
        ['releases', 'ray'],
        ['clusters', undefined],
        ['clusters', undefined],
        ['clusters', undefined],
      ],
    );
  });
});

describe('completion scripts', () => {
  it('print for each shell and call `rayctl __complete --`', () => {
    for (const shell of ['bash', 'zsh', 'fish', 'powershell'] as const)
      assert.match(completionScript(shell), /rayctl __complete -- /, shell);
  });

  it('bash: the sourced script fills COMPREPLY from `rayctl __complete` (rayctl run from source)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rayctl-completion-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const loader = join(REPO, 'node_modules/tsx/dist/loader.mjs');
    writeFileSync(
      join(dir, 'rayctl'),
      `#!/bin/sh\nexec "${process.execPath}" --import "${loader}" "${join(REPO, 'src/cli/entry.ts')}" "$@"\n`,
    );
    chmodSync(join(dir, 'rayctl'), 0o755);
    writeFileSync(join(dir, 'rayctl.bash'), completionScript('bash'));
    // Contexts to complete; the current one points at a port where nothing listens.
    writeFileSync(
      join(dir, 'kubeconfig'),
      [
        'current-context: kind-kind',
        'contexts:',
        '- {name: kind-kind, context: {cluster: nowhere, user: u}}',
        "- {name: 'arn:aws:eks:eu-west-1:1:cluster/prod', context: {cluster: nowhere, user: u}}",
        'clusters:',
        "- {name: nowhere, cluster: {server: 'https://127.0.0.1:1'}}",
        'users:',
        '- {name: u, user: {token: t}}',
        '',
      ].join('\n'),
    );
    // As bash sets them for a TAB at the end of `line` (COMP_WORDS split at "=" too, as bash does by default).
    const reply = async (line: string): Promise<string[]> => {
      const words = line.split(/(\s+|=)/).filter((w) => w.trim() !== '');
      const script = [
        `source ${JSON.stringify(join(dir, 'rayctl.bash'))}`,
        `COMP_LINE=${shellQuote(line)}; COMP_POINT=${line.length}`,
        `COMP_WORDS=(${words.map(shellQuote).join(' ')}${/\s$/.test(line) ? " ''" : ''})`,
        `COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))`,
        '_rayctl_complete',
        `printf '%s\\n' "\${COMPREPLY[@]}"`,
      ].join('\n');
      const result = await run('bash', ['-c', script], {
        ...process.env,
        PATH: `${dir}:${process.env.PATH}`,
        KUBECONFIG: join(dir, 'kubeconfig'),
      });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      return result.stdout.split('\n').filter(Boolean);
    };
    assert.deepEqual(await reply('rayctl sta'), ['status']);
    assert.deepEqual(await reply('rayctl completion '), ['bash', 'zsh', 'fish', 'powershell']);
    const job = await reply('rayctl -n ray job s');
    assert.ok(job.includes('submit') && job.includes('stop') && job.every((w) => w.startsWith('s')), job.join(' '));
    // Bash replaces only what follows the last "=" or ":" of the word: the reply is what follows it.
    const formats = await reply('rayctl status x --output=j');
    assert.ok(formats.includes('json') && formats.every((f) => f.startsWith('j')), formats.join(' '));
    assert.deepEqual(await reply('rayctl --kube-context=k'), ['kind-kind']);
    assert.deepEqual(await reply('rayctl --kube-context arn:aws:e'), ['eks:eu-west-1:1:cluster/prod']);
    // The cluster is unreachable: no candidates, nothing on stderr, the function still succeeds, and soon.
    const started = Date.now();
    assert.deepEqual(await reply('rayctl status '), []);
    // Generous for a loaded machine; a hang would last the client's own 30 s timeout and its retries.
    assert.ok(Date.now() - started < 20_000, `${Date.now() - started} ms`);
  });
});

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
