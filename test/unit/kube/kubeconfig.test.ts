import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { UserError } from '../../../src/errors.ts';
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

  describe('hostile or broken kubeconfigs: one clear line, no secret echoed', () => {
    const withCluster = (cluster: object) => ({ ...base, clusters: [{ name: 'c', cluster }] });
    const withUser = (user: object) => ({ ...base, users: [{ name: 'u', user }] });
    const load = (name: string, config: object) => () => loadKubeconfig({ kubeconfig: write(name, config) });

    it('a YAML error gives the position and reason, never the lines around it (they may hold a token)', () => {
      const path = join(dir, 'broken.yaml');
      writeFileSync(path, 'users:\n- name: u\n  user:\n    token: s3cr3t-token\n    password: hunter2\n  : [\n');
      assert.throws(
        () => loadKubeconfig({ kubeconfig: path }),
        (err: Error) => {
          assert.match(err.message, /is not valid YAML at line \d+, column \d+/);
          assert.doesNotMatch(err.message, /s3cr3t|hunter2/);
          return true;
        },
      );
    });

    for (const [what, config, message] of [
      ['contexts that are not a list', { ...base, contexts: 5 }, /contexts must be a list/],
      ['an entry without a name', { ...base, users: [{ user: {} }] }, /users\[0\]\.name must be a string/],
      ['a server that is not a string', withCluster({ server: 5 }), /clusters\[0\]\.cluster\.server must be a string/],
      [
        'insecure-skip-tls-verify as a string',
        withCluster({ server: 'https://x', 'insecure-skip-tls-verify': 'yes' }),
        /insecure-skip-tls-verify must be a boolean/,
      ],
      ['as-groups not a list', withUser({ 'as-groups': 'admins' }), /as-groups must be a string list/],
      [
        'a CA together with insecure-skip-tls-verify',
        withCluster({ server: 'https://x', 'certificate-authority-data': 'Q0E=', 'insecure-skip-tls-verify': true }),
        /both a certificate authority and insecure-skip-tls-verify/,
      ],
      [
        'a client certificate without its key',
        withUser({ 'client-certificate-data': 'Q0VSVA==' }),
        /client certificate without its key/,
      ],
      [
        'invalid base64 in certificate-authority-data',
        withCluster({ server: 'https://x', 'certificate-authority-data': 'not base64!' }),
        /certificate-authority-data is not valid base64/,
      ],
      [
        'a missing CA file',
        withCluster({ server: 'https://x', 'certificate-authority': '/nonexistent/ca.crt' }),
        /certificate-authority: \/nonexistent\/ca\.crt cannot be read \(ENOENT\)/,
      ],
      [
        'proxy-url (not supported: refused, never ignored)',
        withCluster({ server: 'https://x', 'proxy-url': 'http://proxy:3128' }),
        /sets proxy-url .* cannot connect through a proxy/,
      ],
    ] as const) {
      it(`refuses ${what}`, () => {
        assert.throws(load(what.replace(/\W+/g, '-'), config), (err: Error) => {
          assert.ok(err instanceof UserError, `${err.name}: ${err.message}`);
          assert.match(err.message, message);
          return true;
        });
      });
    }

    it('a missing token file is named when a request needs it', () => {
      const config = loadKubeconfig({ kubeconfig: write('tokenless', withUser({ tokenFile: '/nonexistent/token' })) });
      assert.throws(() => config.authHeaders(), /tokenFile: \/nonexistent\/token cannot be read \(ENOENT\)/);
    });

    it('HTTPS_PROXY is honoured as a refusal unless NO_PROXY (or loopback) exempts the server', () => {
      const saved = { HTTPS_PROXY: process.env.HTTPS_PROXY, NO_PROXY: process.env.NO_PROXY };
      try {
        process.env.HTTPS_PROXY = 'http://proxy:3128';
        delete process.env.NO_PROXY;
        assert.throws(load('proxied', base), /HTTPS_PROXY is set and does not exempt the API server 10\.0\.0\.1/);
        process.env.NO_PROXY = 'example.com,10.0.0.1';
        assert.equal(loadKubeconfig({ kubeconfig: write('exempt', base) }).server, 'https://10.0.0.1:6443');
        delete process.env.NO_PROXY;
        const local = withCluster({ server: 'https://127.0.0.1:6443' });
        assert.equal(loadKubeconfig({ kubeconfig: write('local', local) }).server, 'https://127.0.0.1:6443');
      } finally {
        for (const [key, value] of Object.entries(saved)) {
          if (value === undefined) delete process.env[key];
          else process.env[key] = value;
        }
      }
    });

    it('as-user-extra becomes Impersonate-Extra-* headers, as kubectl sends them', () => {
      const config = loadKubeconfig({
        kubeconfig: write(
          'extra',
          withUser({ token: 't', as: 'jane', 'as-user-extra': { 'team/name': ['ray', 'ml'] } }),
        ),
      });
      assert.deepEqual(config.authHeaders(), {
        'Impersonate-User': 'jane',
        'Impersonate-Extra-team%2Fname': ['ray', 'ml'],
        Authorization: 'Bearer t',
      });
    });
  });
});
