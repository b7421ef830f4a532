// What Node 20's X509Certificate does not tell about a certificate: its signature algorithm, its validity as
// instants, and its extensions with their critical flags and raw values. Read from the DER (RFC 5280, 4.1) with the
// few rules DER needs; anything unexpected throws, and the caller then trusts the certificate to OpenSSL instead.

export interface Extension {
  /** The extension's OID as the hex of its DER contents, e.g. "551d0f" for keyUsage (2.5.29.15). */
  oid: string;
  critical: boolean;
  /** The contents of extnValue's OCTET STRING: the extension's own DER. */
  value: Buffer;
}

export interface CertificateFacts {
  /** signatureAlgorithm's OID, as the hex of its DER contents. */
  signatureAlgorithm: string;
  notBefore: Date;
  notAfter: Date;
  extensions: Extension[];
}

const SEQUENCE = 0x30;
const OID = 0x06;
const BOOLEAN = 0x01;
const OCTET_STRING = 0x04;
const BIT_STRING = 0x03;
const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;
/** TBSCertificate's [0] version and [3] extensions, both explicitly tagged. */
const VERSION_TAG = 0xa0;
const EXTENSIONS_TAG = 0xa3;

/** One DER element: its tag and where its contents lie in the buffer. */
interface Element {
  tag: number;
  start: number;
  end: number;
}

function element(der: Buffer, offset: number, limit: number): Element {
  if (offset + 2 > limit) throw new Error('truncated DER');
  const tag = der[offset]!;
  let length = der[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    // Certificates are far below 4 GB, and DER has no indefinite length.
    if (bytes === 0 || bytes > 4 || start + bytes > limit) throw new Error('bad DER length');
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[start + i]!;
    start += bytes;
  }
  if (start + length > limit) throw new Error('truncated DER');
  return { tag, start, end: start + length };
}

function children(der: Buffer, parent: Element): Element[] {
  const found: Element[] = [];
  for (let offset = parent.start; offset < parent.end; offset = found[found.length - 1]!.end)
    found.push(element(der, offset, parent.end));
  return found;
}

function expect(node: Element | undefined, tag: number, what: string): Element {
  if (node?.tag !== tag) throw new Error(`expected ${what}`);
  return node;
}

/** UTCTime or GeneralizedTime in the one form RFC 5280 allows: seconds, and Z. */
function instant(der: Buffer, node: Element): Date {
  const text = der.toString('latin1', node.start, node.end);
  const match =
    node.tag === UTC_TIME
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : node.tag === GENERALIZED_TIME
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
        : null;
  if (!match) throw new Error(`unexpected time ${JSON.stringify(text)}`);
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, ...number[]];
  // RFC 5280 4.1.2.5.1: a two-digit year of 50 or more is 19YY.
  const fullYear = node.tag === UTC_TIME ? (year >= 50 ? 1900 + year : 2000 + year) : year;
  return new Date(Date.UTC(fullYear, month! - 1, day, hour, minute, second));
}

export function certificateFacts(der: Buffer): CertificateFacts {
  const certificate = expect(element(der, 0, der.length), SEQUENCE, 'a Certificate');
  if (certificate.end !== der.length) throw new Error('bytes after the Certificate');
  const [tbs, signatureAlgorithm] = children(der, certificate);
  const tbsFields = children(der, expect(tbs, SEQUENCE, 'a TBSCertificate'));
  // version, serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, then optional fields.
  const first = tbsFields[0]?.tag === VERSION_TAG ? 1 : 0;
  const [notBefore, notAfter] = children(der, expect(tbsFields[first + 3], SEQUENCE, 'a Validity'));
  if (!notBefore || !notAfter) throw new Error('expected notBefore and notAfter');
  const algorithm = expect(
    children(der, expect(signatureAlgorithm, SEQUENCE, 'an AlgorithmIdentifier'))[0],
    OID,
    'an OID',
  );
  const extensionsField = tbsFields.slice(first + 6).find((field) => field.tag === EXTENSIONS_TAG);
  const extensions = extensionsField
    ? children(der, expect(children(der, extensionsField)[0], SEQUENCE, 'Extensions')).map((node) => {
        const parts = children(der, expect(node, SEQUENCE, 'an Extension'));
        const oid = expect(parts[0], OID, 'an extension OID');
        const critical = parts[1]?.tag === BOOLEAN && der[parts[1].start] !== 0;
        const value = expect(parts[parts.length - 1], OCTET_STRING, 'an extension value');
        return { oid: der.toString('hex', oid.start, oid.end), critical, value: der.subarray(value.start, value.end) };
      })
    : [];
  return {
    signatureAlgorithm: der.toString('hex', algorithm.start, algorithm.end),
    notBefore: instant(der, notBefore),
    notAfter: instant(der, notAfter),
    extensions,
  };
}

/** The bits set in a keyUsage extension's value (RFC 5280 4.2.1.3: digitalSignature is bit 0). */
export function keyUsageBits(value: Buffer): Set<number> {
  const bits = expect(element(value, 0, value.length), BIT_STRING, 'a BIT STRING');
  const set = new Set<number>();
  for (let byte = bits.start + 1; byte < bits.end; byte++)
    for (let bit = 0; bit < 8; bit++) if (value[byte]! & (0x80 >> bit)) set.add((byte - bits.start - 1) * 8 + bit);
  return set;
}
