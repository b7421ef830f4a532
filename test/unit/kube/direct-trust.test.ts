// The check of a server certificate against the kubeconfig's CA that spares Node's root store (direct-trust.ts).
// Certificates are made with the openssl CLI. Each case is also put to OpenSSL itself, through a real TLS
// connection that trusts the same CA: whatever this check accepts, OpenSSL must accept too.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createSecureServer } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { certificateFacts, keyUsageBits } from '../../../src/kube/certificate-facts.ts';
import { DirectTrust } from '../../../src/kube/direct-trust.ts';
import { Http2Connection } from '../../../src/kube/http2.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'rayctl-trust-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const config = join(dir, 'openssl.cnf');
// No default extensions: each certificate has exactly those given.
writeFileSync(config, '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\n');

interface Issued {
  cert: string;
  key: string;
  pem: Buffer;
  x509: X509Certificate;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
const CA_EXTENSIONS = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature'];
const SERVER_EXTENSIONS = [
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature,keyEncipherment',
  'extendedKeyUsage=serverAuth',
  'subjectAltName=IP:127.0.0.1,DNS:localhost',
];

async function issue(
  name: string,
  options: { signer?: Issued; extensions: string[]; key?: string[]; digest?: string },
): Promise<Issued> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  await run('openssl', [
    'req',
    '-x509',
    '-config',
    config,
    ...(options.key ?? EC),
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '30',
    `-${options.digest ?? 'sha256'}`,
    '-subj',
    `/CN=${name}`,
    ...(options.signer ? ['-CA', options.signer.cert, '-CAkey', options.signer.key] : []),
    ...options.extensions.flatMap((extension) => ['-addext', extension]),
  ]);
  const pem = readFileSync(cert);
  return { cert, key, pem, x509: new X509Certificate(pem) };
}

/** OpenSSL's verdict: a TLS connection to 127.0.0.1 presenting `chain`, from a client trusting `ca`. */
async function openSslAccepts(chain: Issued[], ca: Issued): Promise<boolean> {
  // Security level 0 lets the server present the weak certificates too: the client is the one judging.
  const server = createTlsServer({
    cert: Buffer.concat(chain.map((c) => c.pem)),
    key: readFileSync(chain[0]!.key),
    ciphers: 'DEFAULT:@SECLEVEL=0',
  });
  server.on('secureConnection', (socket) => socket.end());
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    return await new Promise<boolean>((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port, ca: ca.pem });
      socket.once('secureConnect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  } finally {
    server.close();
  }
}

const cases: { name: string; server: () => Issued; ca: () => Issued; chain?: () => Issued[]; accepted: boolean }[] = [];
let ca: Issued;
let otherCa: Issued;
let intermediate: Issued;
const made: Record<string, Issued> = {};

before(async () => {
  ca = await issue('ca', { extensions: CA_EXTENSIONS });
  otherCa = await issue('other-ca', { extensions: CA_EXTENSIONS });
  intermediate = await issue('intermediate', { signer: ca, extensions: CA_EXTENSIONS });
  const constrainedCa = await issue('constrained-ca', {
    extensions: [...CA_EXTENSIONS, 'nameConstraints=critical,permitted;DNS:example.com'],
  });
  const clientCa = await issue('client-ca', { extensions: [...CA_EXTENSIONS, 'extendedKeyUsage=clientAuth'] });
  const rsaCa = await issue('rsa-ca', { extensions: CA_EXTENSIONS, key: ['-newkey', 'rsa:2048'] });
  const leafCa = await issue('leaf-ca', { extensions: ['basicConstraints=critical,CA:FALSE'] });
  const without = (prefix: string) => SERVER_EXTENSIONS.filter((e) => !e.startsWith(prefix));
  Object.assign(made, {
    good: await issue('good', { signer: ca, extensions: SERVER_EXTENSIONS }),
    rsa: await issue('rsa', { signer: rsaCa, extensions: SERVER_EXTENSIONS, key: ['-newkey', 'rsa:2048'] }),
    'only a subjectAltName': await issue('san-only', { signer: ca, extensions: [SERVER_EXTENSIONS[3]!] }),
    'for clients only': await issue('client-only', {
      signer: ca,
      extensions: [...without('extendedKeyUsage'), 'extendedKeyUsage=clientAuth'],
    }),
    'a key only for signing certificates': await issue('cert-sign-only', {
      signer: ca,
      extensions: [...without('keyUsage'), 'keyUsage=critical,keyCertSign'],
    }),
    'another host': await issue('other-host', {
      signer: ca,
      extensions: [...without('subjectAltName'), 'subjectAltName=DNS:example.com'],
    }),
    'signed by another CA': await issue('by-other-ca', { signer: otherCa, extensions: SERVER_EXTENSIONS }),
    'signed by an intermediate': await issue('by-intermediate', {
      signer: intermediate,
      extensions: SERVER_EXTENSIONS,
    }),
    'a SHA-1 signature': await issue('sha1', { signer: ca, extensions: SERVER_EXTENSIONS, digest: 'sha1' }),
    'a 1024-bit RSA key': await issue('rsa1024', {
      signer: ca,
      extensions: SERVER_EXTENSIONS,
      key: ['-newkey', 'rsa:1024'],
    }),
    'a certificate policy': await issue('policy', {
      signer: ca,
      extensions: [...SERVER_EXTENSIONS, 'certificatePolicies=1.2.3.4'],
    }),
    'a CA with name constraints': await issue('by-constrained-ca', {
      signer: constrainedCa,
      extensions: SERVER_EXTENSIONS,
    }),
    'a CA only for clients': await issue('by-client-ca', { signer: clientCa, extensions: SERVER_EXTENSIONS }),
    'a CA that is no CA': await issue('by-leaf-ca', { signer: leafCa, extensions: SERVER_EXTENSIONS }),
  });
  const signers: Record<string, Issued> = {
    rsa: rsaCa,
    'signed by an intermediate': ca,
    'a CA with name constraints': constrainedCa,
    'a CA only for clients': clientCa,
    'a CA that is no CA': leafCa,
  };
  for (const name of Object.keys(made))
    cases.push({
      name,
      server: () => made[name]!,
      ca: () => signers[name] ?? ca,
      ...(name === 'signed by an intermediate' ? { chain: () => [made[name]!, intermediate] } : {}),
      accepted: ['good', 'rsa', 'only a subjectAltName'].includes(name),
    });
});

describe('checking the server certificate against the kubeconfig CA directly', () => {
  it('accepts only the common case, and nothing that OpenSSL refuses', async () => {
    for (const c of cases) {
      const trust = DirectTrust.from({ ca: c.ca().pem })!;
      const refusal = trust.refusal(c.server().x509, '127.0.0.1');
      assert.equal(refusal === undefined, c.accepted, `${c.name}: ${refusal ?? 'accepted'}`);
      const openSsl = await openSslAccepts(c.chain?.() ?? [c.server()], c.ca());
      if (refusal === undefined) assert.ok(openSsl, `${c.name}: accepted here but not by OpenSSL`);
    }
  });

  it('the cases it refuses include some that OpenSSL accepts, and some that it refuses', async () => {
    // Otherwise the comparison above would prove nothing in one direction or the other.
    const verdicts = new Map<string, boolean>();
    for (const c of cases.filter((c) => !c.accepted))
      verdicts.set(c.name, await openSslAccepts(c.chain?.() ?? [c.server()], c.ca()));
    assert.equal(verdicts.get('signed by an intermediate'), true);
    assert.equal(verdicts.get('a certificate policy'), true);
    assert.equal(verdicts.get('signed by another CA'), false);
    assert.equal(verdicts.get('another host'), false);
    assert.equal(verdicts.get('for clients only'), false);
    assert.equal(verdicts.get('a CA with name constraints'), false);
  });

  it('says why it refuses', () => {
    const trust = DirectTrust.from({ ca: ca.pem })!;
    assert.match(trust.refusal(made['another host']!.x509, '127.0.0.1')!, /does not match certificate's altnames/);
    assert.match(trust.refusal(made['signed by another CA']!.x509, '127.0.0.1')!, /not signed directly by a CA/);
    assert.match(trust.refusal(made['a SHA-1 signature']!.x509, '127.0.0.1')!, /signature algorithm/);
    assert.match(trust.refusal(made['for clients only']!.x509, '127.0.0.1')!, /not for TLS servers/);
    assert.equal(trust.refusal(undefined, '127.0.0.1'), 'the server sent no certificate');
  });

  it('refuses a certificate outside its validity, and checks the name given for SNI', () => {
    const trust = DirectTrust.from({ ca: ca.pem })!;
    const good = made.good!.x509;
    const facts = certificateFacts(good.raw);
    // The CA was made first, so its validity may end a second before the server's.
    const lastValid = Math.min(facts.notAfter.getTime(), certificateFacts(ca.x509.raw).notAfter.getTime());
    assert.equal(trust.refusal(good, '127.0.0.1', new Date(lastValid)), undefined);
    assert.match(trust.refusal(good, '127.0.0.1', new Date(facts.notAfter.getTime() + 1000))!, /not valid now/);
    assert.match(trust.refusal(good, '127.0.0.1', new Date(facts.notBefore.getTime() - 1000))!, /not valid now/);
    assert.equal(trust.refusal(good, 'localhost'), undefined);
    assert.ok(trust.refusal(good, 'kubernetes.default'));
  });

  it('takes any of several CAs in the kubeconfig, and is not used without a CA or with a pfx', () => {
    const both = DirectTrust.from({ ca: Buffer.concat([otherCa.pem, ca.pem]) })!;
    assert.equal(both.refusal(made.good!.x509, '127.0.0.1'), undefined);
    assert.equal(both.refusal(made['signed by another CA']!.x509, '127.0.0.1'), undefined);
    assert.equal(DirectTrust.from({}), undefined);
    assert.equal(DirectTrust.from({ ca: ca.pem, rejectUnauthorized: false }), undefined);
    assert.equal(DirectTrust.from({ ca: ca.pem, pfx: Buffer.from('x') }), undefined);
    assert.equal(DirectTrust.from({ ca: 'not a certificate' }), undefined);
  });
});

describe('the facts read from a certificate', () => {
  it('match what openssl says of it', async () => {
    const { stdout } = await run('openssl', ['x509', '-in', made.good!.cert, '-noout', '-dates']);
    const facts = certificateFacts(made.good!.x509.raw);
    const date = (field: string) => new Date(/=(.*)/.exec(stdout.split('\n').find((l) => l.startsWith(field))!)![1]!);
    assert.deepEqual(facts.notBefore, date('notBefore'));
    assert.deepEqual(facts.notAfter, date('notAfter'));
    // ecdsa-with-SHA256 is 1.2.840.10045.4.3.2; sha256WithRSAEncryption 1.2.840.113549.1.1.11.
    assert.equal(facts.signatureAlgorithm, '2a8648ce3d040302');
    assert.equal(certificateFacts(made.rsa!.x509.raw).signatureAlgorithm, '2a864886f70d01010b');
    assert.equal(made.rsa!.x509.publicKey.asymmetricKeyType, 'rsa');
    assert.deepEqual(
      facts.extensions.map((e) => [e.oid, e.critical]),
      [
        ['551d13', true],
        ['551d0f', true],
        ['551d25', false],
        ['551d11', false],
        // openssl adds the key identifiers itself.
        ['551d0e', false],
        ['551d23', false],
      ],
    );
    // digitalSignature (0) and keyEncipherment (2).
    assert.deepEqual([...keyUsageBits(facts.extensions[1]!.value)].sort(), [0, 2]);
  });

  it('refuses bytes that are not one whole certificate', () => {
    const raw = made.good!.x509.raw;
    assert.throws(() => certificateFacts(raw.subarray(0, raw.length - 1)), /truncated/);
    assert.throws(() => certificateFacts(Buffer.concat([raw, Buffer.from([0])])), /bytes after/);
    assert.throws(() => certificateFacts(Buffer.from([0x02, 0x01, 0x00])), /expected a Certificate/);
  });
});

describe('the HTTP/2 connection', () => {
  const call = (connection: Http2Connection) =>
    connection.request('GET', '/api/v1/pods', {}, undefined, 5000).then((response) => {
      response!.resume();
      return response!.statusCode;
    });

  async function serve(chain: Issued[]): Promise<{ port: number; connections: () => number; requests: () => number }> {
    let connections = 0;
    let requests = 0;
    const server = createSecureServer(
      { cert: Buffer.concat(chain.map((c) => c.pem)), key: readFileSync(chain[0]!.key) },
      (_, res) => {
        requests++;
        res.end('{}');
      },
    );
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    after(() => server.close());
    return {
      port: (server.address() as { port: number }).port,
      connections: () => connections,
      requests: () => requests,
    };
  }

  it('checks a certificate of the kubeconfig CA directly, on one connection', async () => {
    const server = await serve([made.good!]);
    const lines: string[] = [];
    const connection = new Http2Connection(new URL(`https://127.0.0.1:${server.port}`), { ca: ca.pem }, (l) =>
      lines.push(l),
    );
    assert.equal(await call(connection), 200);
    connection.close();
    assert.equal(server.connections(), 1);
    assert.match(lines.join('\n'), /signed by the kubeconfig's CA \(checked without Node's root store\)/);
  });

  it('connects again for OpenSSL to check a certificate it refuses, which OpenSSL accepts', async () => {
    const server = await serve([made['signed by an intermediate']!, intermediate]);
    const lines: string[] = [];
    const connection = new Http2Connection(new URL(`https://127.0.0.1:${server.port}`), { ca: ca.pem }, (l) =>
      lines.push(l),
    );
    assert.equal(await call(connection), 200);
    assert.equal(await call(connection), 200);
    connection.close();
    assert.equal(server.connections(), 2);
    assert.equal(server.requests(), 2);
    assert.match(lines.join('\n'), /not signed directly by a CA of the kubeconfig; connecting again/);
  });

  it('sends nothing to a server whose certificate no CA of the kubeconfig signed', async () => {
    const server = await serve([made['signed by another CA']!]);
    const connection = new Http2Connection(new URL(`https://127.0.0.1:${server.port}`), { ca: ca.pem });
    await assert.rejects(call(connection), /unable to verify the first certificate/);
    connection.close();
    assert.equal(server.requests(), 0);
  });
});
