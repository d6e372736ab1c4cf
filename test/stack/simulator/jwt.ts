// Compact JWS parsing, RS256/PS256 verification and RS256 signing with node:crypto only.
import { constants, createHash, createSign, createVerify, type KeyObject, X509Certificate } from 'node:crypto';

export interface ParsedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

/** Splits and decodes a compact JWS; undefined when it is not one. */
export function parseJwt(token: string): ParsedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (!isObject(header) || !isObject(claims)) return undefined;
    return { header, claims, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2], 'base64url') };
  } catch {
    return undefined;
  }
}

/** Verifies RS256 (PKCS#1 v1.5) or PS256 (RSA-PSS, MGF1 SHA-256, salt length = digest length, as RFC 7518 requires). */
export function verifyJws(jwt: ParsedJwt, key: KeyObject): boolean {
  const alg = jwt.header.alg;
  const verifier = createVerify('SHA256').update(jwt.signingInput);
  if (alg === 'RS256') return verifier.verify(key, jwt.signature);
  if (alg === 'PS256') {
    return verifier.verify({ key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, jwt.signature);
  }
  return false;
}

export function signRs256(header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyObject): string {
  const input = `${b64json(header)}.${b64json(claims)}`;
  const signature = createSign('SHA256').update(input).sign(key);
  return `${input}.${signature.toString('base64url')}`;
}

/** A registered certificate with the thumbprints a JWT header may name it by. */
export interface KnownCertificate {
  cert: X509Certificate;
  x5t: string;
  x5tS256: string;
  sha1Hex: string;
  sha256Hex: string;
}

export function knownCertificate(pem: string): KnownCertificate {
  const cert = new X509Certificate(pem);
  const sha1 = createHash('sha1').update(cert.raw).digest();
  const sha256 = createHash('sha256').update(cert.raw).digest();
  return {
    cert,
    x5t: sha1.toString('base64url'),
    x5tS256: sha256.toString('base64url'),
    sha1Hex: sha1.toString('hex').toUpperCase(),
    sha256Hex: sha256.toString('hex').toUpperCase(),
  };
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function b64json(v: unknown): string {
  return Buffer.from(JSON.stringify(v), 'utf8').toString('base64url');
}
