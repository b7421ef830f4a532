import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { loadKubeconfig } from '../../../src/kube/kubeconfig.ts';

const dir = mkdtempSync(join(tmpdir(), 'rayctl-kubeconfig-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const savedEnv = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME };
afterEach(() => {
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

function write(name: string, config: object): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({ apiVersion: 'v1', kind: 'Config', ...config }));
  return path;
}

const base = {
  clusters: [
    {
      name: 'c',
      cluster: { server: 'https://10.0.0.1:6443/', 'certificate-authority-data': Buffer.from('CA').toString('base64') },
    },
  ],
  users: [{ name: 'u', user: { token: 'abc' } }],
  contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace: 'ray' } }],
  'current-context': 'ctx',
};

describe('kubeconfig loading', () => {
  it('resolves the current context: server without trailing slash, namespace, CA, bearer token', () => {
    const config = loadKubeconfig({ kubeconfig: write('basic', base) });
    assert.deepEqual([config.contextName, config.server, config.namespace], ['ctx', 'https://10.0.0.1:6443', 'ray']);
    assert.equal(config.tls.ca?.toString(), 'CA');
    assert.equal(config.tls.rejectUnauthorized, true);
    assert.deepEqual(config.authHeaders(), { Authorization: 'Bearer abc' });
    assert.equal(config.delegate, undefined);
  });

  it('reads certificate files and token files relative to the kubeconfig', () => {
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'sub', 'client.crt'), 'CERT');
    writeFileSync(join(dir, 'sub', 'client.key'), 'KEY');
    writeFileSync(join(dir, 'sub', 'token'), 'from-file\n');
    const path = join(dir, 'sub', 'config');
    writeFileSync(
      path,
      JSON.stringify({
        ...base,
        users: [
          { name: 'u', user: { 'client-certificate': 'client.crt', 'client-key': 'client.key', tokenFile: 'token' } },
        ],
      }),
    );
    const config = loadKubeconfig({ kubeconfig: path });
    assert.equal(config.tls.cert?.toString(), 'CERT');
    assert.equal(config.tls.key?.toString(), 'KEY');
    assert.deepEqual(config.authHeaders(), { Authorization: 'Bearer from-file' });
  });

  it('merges $KUBECONFIG files, the first one winning, and honours --kube-context', () => {
    const first = write('first', {
      'current-context': 'ctx',
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    });
    const second = write('second', {
      ...base,
      contexts: [...base.contexts, { name: 'other', context: { cluster: 'c', user: 'basic' } }],
      users: [
        ...base.users,
        { name: 'basic', user: { username: 'a', password: 'b', as: 'jane', 'as-groups': ['devs'] } },
      ],
    });
    process.env.KUBECONFIG = [first, join(dir, 'missing'), second].join(delimiter);
    const config = loadKubeconfig();
    assert.equal(config.namespace, 'default', 'the first file defines ctx, without a namespace');
    const other = loadKubeconfig({ context: 'other' });
    assert.deepEqual(other.authHeaders(), {
      Authorization: `Basic ${Buffer.from('a:b').toString('base64')}`,
      'Impersonate-User': 'jane',
      'Impersonate-Group': ['devs'],
    });
  });

  it('hands exec and auth-provider users to @kubernetes/client-node', () => {
    const path = write('exec', {
      ...base,
      users: [{ name: 'u', user: { exec: { command: 'aws', apiVersion: 'client.authentication.k8s.io/v1' } } }],
    });
    assert.deepEqual(loadKubeconfig({ kubeconfig: path }).delegate, { files: [path], context: 'ctx' });
  });

  it('says what is missing instead of guessing a server', () => {
    process.env.KUBECONFIG = '';
    process.env.HOME = dir;
    assert.throws(
      () => loadKubeconfig(),
      /no kubeconfig found: KUBECONFIG is unset and ~\/\.kube\/config does not exist/,
    );
    assert.throws(
      () => loadKubeconfig({ kubeconfig: join(dir, 'nope') }),
      /kubeconfig .*nope \(from --kubeconfig\) does not exist/,
    );
    assert.throws(
      () => loadKubeconfig({ kubeconfig: write('ctxless', { ...base, 'current-context': undefined }) }),
      /kubeconfig has no current context/,
    );
    assert.throws(
      () => loadKubeconfig({ kubeconfig: write('basic2', base), context: 'x' }),
      (err: Error & { hint?: string }) => {
        assert.match(err.message, /kubeconfig has no context "x"/);
        assert.match(err.hint ?? '', /contexts: ctx/);
        return true;
      },
    );
  });
});
