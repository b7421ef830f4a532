// Checking the API server's certificate against the kubeconfig's CA without Node's bundled root store.
//
// Node 20 builds its store of ~140 bundled root certificates as soon as a TLS context adds a CA of its own (the
// context compares its store with the root store, and that creates it): 30–40 ms of CPU, a sixth of a short command
// such as `rayctl install`, for certificates a kubeconfig with a CA never uses. So the first connection is made with
// a context that trusts nothing, and before a byte is sent the server's certificate is checked here. Only the
// common case is accepted: a certificate signed directly by a self-signed CA of the kubeconfig, each holding only
// extensions this file understands, with the algorithms and key sizes of today's clusters. Anything else is refused
// and the connection is made again with the CA handed to OpenSSL, as before. So this check may be stricter than
// OpenSSL's, never looser.
import { X509Certificate } from 'node:crypto';
import { checkServerIdentity, createSecureContext, type ConnectionOptions, type SecureContext } from 'node:tls';
import { certificateFacts, keyUsageBits } from './certificate-facts.ts';

/** Extensions whose meaning is checked here or does not bear on trust (OIDs as the hex of their DER). */
const KEY_USAGE = '551d0f';
const UNDERSTOOD_EXTENSIONS = new Set([
  '551d13', // basicConstraints: read through X509Certificate.ca
  KEY_USAGE,
  '551d25', // extKeyUsage: read through X509Certificate.keyUsage
  '551d11', // subjectAltName: checked by checkServerIdentity
  '551d0e', // subjectKeyIdentifier
  '551d23', // authorityKeyIdentifier: checked by X509Certificate.checkIssued
]);

/** sha256/384/512 with RSA, ECDSA with SHA-256/384/512, Ed25519 and Ed448. Not SHA-1, not RSA-PSS. */
const STRONG_SIGNATURES = new Set([
  '2a864886f70d01010b',
  '2a864886f70d01010c',
  '2a864886f70d01010d',
  '2a8648ce3d040302',
  '2a8648ce3d040303',
  '2a8648ce3d040304',
  '2b6570',
  '2b6571',
]);
const STRONG_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
/** keyUsage bits (RFC 5280 4.2.1.3): what a TLS server's key may be for, as OpenSSL asks of one, and signing certs. */
const TLS_SERVER_KEY_USES = [0, 2, 4];
const KEY_CERT_SIGN = 5;

function strongKey(certificate: X509Certificate): boolean {
  const { asymmetricKeyType: type, asymmetricKeyDetails: details } = certificate.publicKey;
  if (type === 'rsa') return (details?.modulusLength ?? 0) >= 2048;
  if (type === 'ec') return STRONG_CURVES.has(details?.namedCurve ?? '');
  return type === 'ed25519' || type === 'ed448';
}

/** What in one certificate, server's or CA's, this check does not accept; undefined when nothing. Throws on bad DER. */
function flaw(certificate: X509Certificate, role: 'server' | 'ca', now: Date): string | undefined {
  const whose = role === 'server' ? "the server's certificate" : "the kubeconfig's CA";
  const facts = certificateFacts(certificate.raw);
  if (now < facts.notBefore || now > facts.notAfter) return `${whose} is not valid now`;
  if (!STRONG_SIGNATURES.has(facts.signatureAlgorithm)) return `${whose} has a signature algorithm not taken here`;
  if (!strongKey(certificate)) return `${whose} has a kind or size of key not taken here`;
  const oids = facts.extensions.map((extension) => extension.oid);
  if (new Set(oids).size !== oids.length) return `${whose} repeats an extension`;
  if (oids.some((oid) => !UNDERSTOOD_EXTENSIONS.has(oid))) return `${whose} has extensions not understood here`;
  const keyUsage = facts.extensions.find((extension) => extension.oid === KEY_USAGE);
  const uses = keyUsage && keyUsageBits(keyUsage.value);
  // An absent extKeyUsage allows every use; a CA's restricts the certificates it signs (OpenSSL's check_ssl_ca).
  if (certificate.keyUsage !== undefined && !certificate.keyUsage.includes(SERVER_AUTH))
    return `${whose} is not for TLS servers`;
  if (role === 'server') {
    if (uses && !TLS_SERVER_KEY_USES.some((bit) => uses.has(bit))) return "the server's key usage does not allow TLS";
    return undefined;
  }
  if (!certificate.ca) return "the kubeconfig's CA is not a CA certificate";
  if (uses && !uses.has(KEY_CERT_SIGN)) return "the kubeconfig's CA may not sign certificates";
  if (!certificate.checkIssued(certificate) || !certificate.verify(certificate.publicKey))
    return "the kubeconfig's CA is not self-signed";
  return undefined;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/** The kubeconfig's CA certificates, as X509Certificates, and a TLS context that trusts no certificate at all. */
export class DirectTrust {
  private constructor(
    private readonly anchors: X509Certificate[],
    private readonly tls: ConnectionOptions,
  ) {}

  /** Undefined when the kubeconfig gives no CA (the bundled roots are needed then), or one that is not plain PEM. */
  static from(tls: ConnectionOptions): DirectTrust | undefined {
    if (tls.ca === undefined || tls.rejectUnauthorized === false || tls.pfx !== undefined) return undefined;
    const pem = [tls.ca].flat().map(String).join('\n');
    try {
      const anchors = (pem.match(PEM_CERTIFICATE) ?? []).map((block) => new X509Certificate(block));
      return anchors.length > 0 ? new DirectTrust(anchors, tls) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * tls.connect's options for the first connection: OpenSSL's verdict, which has no CA to go by, is not enforced, and
   * the caller must call `refusal` before it sends anything.
   */
  connectOptions(): { secureContext: SecureContext; rejectUnauthorized: false } {
    const { cert, key, passphrase } = this.tls;
    // An empty list of CAs: a context with no trusted certificates, made without building the root store.
    return { secureContext: createSecureContext({ ca: [], cert, key, passphrase }), rejectUnauthorized: false };
  }

  /**
   * Why the server's certificate is not accepted here, for `--debug`; undefined when it is. `hostname` is what tls
   * checks the certificate against: the server name given for SNI, else the host.
   */
  refusal(server: X509Certificate | undefined, hostname: string, now = new Date()): string | undefined {
    if (!server) return 'the server sent no certificate';
    try {
      const identity = checkServerIdentity(hostname, server.toLegacyObject());
      if (identity) return identity.message;
      const anchor = this.anchors.find((ca) => server.checkIssued(ca) && server.verify(ca.publicKey));
      if (!anchor) return "the server's certificate is not signed directly by a CA of the kubeconfig";
      return flaw(server, 'server', now) ?? flaw(anchor, 'ca', now);
    } catch (error) {
      // Runs in a socket's event handler, where a throw would end the process: refusing is always safe.
      return `the server's certificate could not be checked (${(error as Error).message})`;
    }
  }
}
