// The PFX (PKCS#12) handed to Connect-PnPOnline, built from the certificate and key: the same bytes every time, so the log can mask them.
import { createHash, createHmac, createPrivateKey, X509Certificate } from 'node:crypto';

// PnP takes the certificate as -CertificateBase64Encoded, a base64 PFX (https://pnp.github.io/powershell/cmdlets/Connect-PnPOnline.html).
// A PFX exported by .NET has a random salt, so nobody but the process that exported it knows its text: built here
// instead, the run knows it and masks it before it is sent. The layout is RFC 7292's: an unencrypted key bag and a
// certificate bag (tied by localKeyId), and an HMAC-SHA-256 MAC under the empty password, as `openssl pkcs12
// -export -passout pass:` writes it. The bytes are as secret as the key and travel the way the key does.

const OID = {
  data: '1.2.840.113549.1.7.1',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  localKeyId: '1.2.840.113549.1.9.21',
  sha256: '2.16.840.1.101.3.4.2.1',
};
const MAC_ITERATIONS = 2048;

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
};
const sequence = (...parts: Buffer[]): Buffer => tlv(0x30, ...parts);
const set = (...parts: Buffer[]): Buffer => tlv(0x31, ...parts);
const octets = (value: Buffer): Buffer => tlv(0x04, value);
const explicit0 = (value: Buffer): Buffer => tlv(0xa0, value);
const integer = (value: number): Buffer => {
  const bytes = [value & 0xff];
  for (let rest = value >> 8; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  if ((bytes[0] as number) & 0x80) bytes.unshift(0);
  return tlv(0x02, Buffer.from(bytes));
};

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const group = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) group.unshift((v & 0x7f) | 0x80);
    bytes.push(...group);
  }
  return tlv(0x06, Buffer.from(bytes));
}

const dataContent = (content: Buffer): Buffer => sequence(oid(OID.data), explicit0(octets(content)));

/** RFC 7292 appendix B.2, for the MAC key (ID 3) of SHA-256: one hash output long, so one block suffices. */
function macKey(salt: Buffer): Buffer {
  const v = 64;
  const repeat = (source: Buffer): Buffer => Buffer.alloc(v * Math.ceil(source.length / v), source);
  // The empty password as a BMPString with its terminator, as OpenSSL writes it.
  let digest = Buffer.concat([Buffer.alloc(v, 3), repeat(salt), repeat(Buffer.alloc(2))]);
  for (let i = 0; i < MAC_ITERATIONS; i++) digest = createHash('sha256').update(digest).digest();
  return digest;
}

/** The base64 PFX of the certificate and its private key, without a password. */
export function pfxOf(certificate: { certPem: string; keyPem: string }): string {
  const keyDer = createPrivateKey(certificate.keyPem).export({ type: 'pkcs8', format: 'der' });
  const certDer = new X509Certificate(certificate.certPem).raw;
  const keyId = octets(createHash('sha1').update(certDer).digest());
  const attributes = set(sequence(oid(OID.localKeyId), set(keyId)));
  const certBag = sequence(oid(OID.certBag), explicit0(sequence(oid(OID.x509Certificate), explicit0(octets(certDer)))), attributes);
  const keyBag = sequence(oid(OID.keyBag), explicit0(keyDer), attributes);
  const authenticatedSafe = sequence(dataContent(sequence(certBag, keyBag)));
  // The salt protects a password; there is none, so it is fixed and the bytes are the same every time.
  const salt = createHash('sha256').update('m365-offboard pfx mac salt').update(certDer).digest().subarray(0, 16);
  const mac = createHmac('sha256', macKey(salt)).update(authenticatedSafe).digest();
  const macData = sequence(sequence(sequence(oid(OID.sha256), tlv(0x05)), octets(mac)), octets(salt), integer(MAC_ITERATIONS));
  return sequence(integer(3), dataContent(authenticatedSafe), macData).toString('base64');
}
