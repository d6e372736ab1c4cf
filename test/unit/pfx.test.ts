// The PFX handed to PnP: a PKCS#12 that OpenSSL reads with the empty password, the same bytes every time.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pfxOf } from '../../src/connectors/powershell/pfx.js';
import { createAppCertificate } from '../stack/tls.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pfx-test-'));
const app = createAppCertificate(dir, 'pfx-app');
const other = createAppCertificate(dir, 'pfx-other');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What OpenSSL finds in a PFX: it verifies the MAC with the password first, and fails on a wrong one. */
function openssl(pfx: string, args: string[]): string {
  const file = path.join(dir, 'read.pfx');
  writeFileSync(file, Buffer.from(pfx, 'base64'));
  return execFileSync('openssl', ['pkcs12', '-in', file, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('pfxOf', () => {
  it('holds the certificate and its key, read back by OpenSSL with the empty password after checking the MAC', () => {
    const pfx = pfxOf(app);
    const certificate = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(openssl(pfx, ['-passin', 'pass:', '-nokeys']))?.[0] ?? '';
    expect(new X509Certificate(certificate).raw.equals(new X509Certificate(app.certPem).raw)).toBe(true);
    const key = /-----BEGIN PRIVATE KEY-----[\s\S]*?-----END PRIVATE KEY-----/.exec(openssl(pfx, ['-passin', 'pass:', '-nocerts', '-nodes']))?.[0] ?? '';
    const der = (pem: string): Buffer => createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
    expect(der(key).equals(der(app.keyPem))).toBe(true);
    expect(() => openssl(pfx, ['-passin', 'pass:wrong', '-nokeys'])).toThrow(/mac verify/i);
  });

  it('is the same text for the same certificate every time, and another for another certificate', () => {
    expect(pfxOf(app)).toBe(pfxOf({ ...app }));
    expect(pfxOf(other)).not.toBe(pfxOf(app));
    expect(pfxOf(app)).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });
});
