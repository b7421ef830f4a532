import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { UsageError, UserError } from '../../../src/errors.ts';
import { loadKubeconfig, type KubeconfigOverrides } from '../../../src/kube/kubeconfig.ts';

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

  describe("the global --kube-* flags over the kubeconfig (helm's, kubectl's overrides)", () => {
    const pem = '-----BEGIN CERTIFICATE-----\nTUlJ\n-----END CERTIFICATE-----\n';
    const caFile = join(dir, 'flag-ca.crt');
    writeFileSync(caFile, pem);
    const certUser = {
      ...base,
      clusters: [
        {
          name: 'c',
          cluster: {
            server: 'https://10.0.0.1:6443',
            'certificate-authority-data': Buffer.from('CA').toString('base64'),
            'tls-server-name': 'kubeconfig.example',
          },
        },
      ],
      users: [
        {
          name: 'u',
          user: {
            'client-certificate-data': Buffer.from('CERT').toString('base64'),
            'client-key-data': Buffer.from('KEY').toString('base64'),
            as: 'jane',
            'as-groups': ['devs'],
          },
        },
      ],
    };
    const load = (overrides: KubeconfigOverrides) =>
      loadKubeconfig({ kubeconfig: write('overridden', certUser), overrides });

    it('--kube-token replaces the client certificate (and every other credential) and keeps the impersonation', () => {
      const config = load({ token: 'sa-token' });
      assert.equal(config.tls.cert, undefined);
      assert.equal(config.tls.key, undefined);
      assert.deepEqual(config.authHeaders(), {
        Authorization: 'Bearer sa-token',
        'Impersonate-User': 'jane',
        'Impersonate-Group': ['devs'],
      });
      const exec = write('exec-token', {
        ...base,
        users: [{ name: 'u', user: { exec: { command: 'aws', apiVersion: 'client.authentication.k8s.io/v1' } } }],
      });
      const overridden = loadKubeconfig({ kubeconfig: exec, overrides: { token: 't' } });
      assert.equal(overridden.delegate, undefined, 'no exec plugin runs: the token is the credential');
      assert.deepEqual(overridden.authHeaders(), { Authorization: 'Bearer t' });
      const basic = write('basic-token', { ...base, users: [{ name: 'u', user: { username: 'a', password: 'b' } }] });
      assert.deepEqual(loadKubeconfig({ kubeconfig: basic, overrides: { token: 't' } }).authHeaders(), {
        Authorization: 'Bearer t',
      });
    });

    it('--kube-as-user / --kube-as-group replace the impersonation: Impersonate-User and Impersonate-Group headers', () => {
      const config = load({ asUser: 'nobody', asGroups: ['system:masters', 'ops'] });
      assert.deepEqual(config.authHeaders(), {
        'Impersonate-User': 'nobody',
        'Impersonate-Group': ['system:masters', 'ops'],
      });
      assert.equal(config.tls.cert?.toString(), 'CERT', 'the credentials stay: they authenticate the impersonation');
      assert.deepEqual(load({ asUser: 'bob' }).authHeaders(), {
        'Impersonate-User': 'bob',
        'Impersonate-Group': ['devs'],
      });
      const plain = loadKubeconfig({ kubeconfig: write('plain', base), overrides: { asUser: 'x', asGroups: ['g'] } });
      assert.deepEqual(plain.authHeaders(), {
        'Impersonate-User': 'x',
        'Impersonate-Group': ['g'],
        Authorization: 'Bearer abc',
      });
    });

    it('--kube-apiserver replaces the server (host:port means https) and drops the kubeconfig tls-server-name', () => {
      const config = load({ server: 'https://api.example:8443/' });
      assert.equal(config.server, 'https://api.example:8443');
      assert.equal(config.tls.servername, undefined);
      assert.equal(config.tls.ca?.toString(), 'CA', 'the CA stays');
      assert.equal(load({ server: '127.0.0.1:1' }).server, 'https://127.0.0.1:1');
      assert.equal(load({ server: 'http://proxy.local/k8s' }).server, 'http://proxy.local/k8s');
      const both = load({ server: 'https://10.1.1.1', tlsServerName: 'kubernetes' });
      assert.equal(both.tls.servername, 'kubernetes');
      assert.equal(load({ tlsServerName: 'other.example' }).tls.servername, 'other.example');
      const serverless = write('serverless', { ...base, clusters: [] });
      assert.equal(
        loadKubeconfig({ kubeconfig: serverless, overrides: { server: 'h:6443' } }).server,
        'https://h:6443',
      );
    });

    it('--kube-ca-file or --kube-insecure-skip-tls-verify replace the cluster TLS verification', () => {
      const withCa = load({ caFile });
      assert.equal(withCa.tls.ca?.toString(), pem);
      assert.equal(withCa.tls.rejectUnauthorized, true);
      // kubectl clears the kubeconfig's CA under --insecure-skip-tls-verify: no conflict with the file's CA.
      const insecure = load({ insecureSkipTlsVerify: true });
      assert.equal(insecure.tls.ca, undefined);
      assert.equal(insecure.tls.rejectUnauthorized, false);
      const insecureFile = write('insecure-file', {
        ...base,
        clusters: [{ name: 'c', cluster: { server: 'https://x', 'insecure-skip-tls-verify': true } }],
      });
      const verified = loadKubeconfig({ kubeconfig: insecureFile, overrides: { caFile } });
      assert.equal(verified.tls.rejectUnauthorized, true, 'a CA file turns verification back on');
    });

    for (const [what, overrides, error, message] of [
      [
        'both --kube-ca-file and --kube-insecure-skip-tls-verify (kubectl refuses them too)',
        { caFile, insecureSkipTlsVerify: true },
        UsageError,
        /--kube-ca-file and --kube-insecure-skip-tls-verify cannot both be given/,
      ],
      [
        'an unreadable --kube-ca-file',
        { caFile: '/nonexistent/ca.crt' },
        UserError,
        /^--kube-ca-file: \/nonexistent\/ca\.crt cannot be read \(ENOENT\)/,
      ],
      ['a --kube-ca-file without a certificate', { caFile: join(dir, 'basic') }, UserError, /holds no PEM certificate/],
      [
        'a malformed --kube-apiserver',
        { server: 'https://[::1' },
        UsageError,
        /^--kube-apiserver "https:\/\/\[::1" is not a URL/,
      ],
      [
        'a --kube-apiserver of another scheme',
        { server: 'ftp://h' },
        UsageError,
        /--kube-apiserver "ftp:\/\/h": the scheme must be/,
      ],
      [
        'a --kube-apiserver with a query',
        { server: 'https://h/?x=1' },
        UsageError,
        /--kube-apiserver .* without credentials, query/,
      ],
      [
        'a --kube-apiserver port out of range',
        { server: 'h:99999' },
        UsageError,
        /--kube-apiserver "h:99999" is not a URL/,
      ],
      [
        'a --kube-token with a line break',
        { token: 'a\r\nX-Evil: 1' },
        UsageError,
        /--kube-token must be a non-empty single line/,
      ],
      ['an empty --kube-as-user', { asUser: '' }, UsageError, /--kube-as-user must be a non-empty single line/],
    ] as const) {
      it(`refuses ${what} before reading the kubeconfig`, () => {
        assert.throws(
          // The kubeconfig does not even exist: the flags are checked first.
          () => loadKubeconfig({ kubeconfig: join(dir, 'absent'), overrides }),
          (err: Error) => {
            assert.ok(err instanceof error, `${err.name}: ${err.message}`);
            assert.match(err.message, message);
            return true;
          },
        );
      });
    }

    it('--kube-as-group needs a user: --kube-as-user, or the kubeconfig user impersonating one', () => {
      assert.throws(
        () => loadKubeconfig({ kubeconfig: write('no-as', base), overrides: { asGroups: ['g'] } }),
        (err: Error) => err instanceof UsageError && /--kube-as-group needs a user to impersonate/.test(err.message),
      );
      assert.deepEqual(load({ asGroups: ['ops'] }).authHeaders(), {
        'Impersonate-User': 'jane',
        'Impersonate-Group': ['ops'],
      });
    });

    it('exec and auth-provider users: the flags go over what @kubernetes/client-node supplies', () => {
      const path = write('exec-over', {
        ...certUser,
        users: [{ name: 'u', user: { exec: { command: 'aws', apiVersion: 'client.authentication.k8s.io/v1' } } }],
      });
      const config = loadKubeconfig({
        kubeconfig: path,
        overrides: { asUser: 'nobody', asGroups: ['g'], insecureSkipTlsVerify: true, server: 'h:1' },
      });
      assert.equal(config.server, 'https://h:1');
      assert.deepEqual(config.delegate, {
        files: [path],
        context: 'ctx',
        over: {
          tls: { ca: undefined, rejectUnauthorized: false, servername: undefined },
          headers: { 'Impersonate-User': 'nobody', 'Impersonate-Group': ['g'] },
        },
      });
    });
  });
});
