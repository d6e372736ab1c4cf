// The test stack's PKI: a CA, server certificates that clients verify for real, and the Entra app's certificates.
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface TestCa {
  dir: string;
  caCertPath: string;
  caKeyPath: string;
  caPem: string;
}

export interface ServerCertificate {
  certPath: string;
  keyPath: string;
  certPem: string;
  keyPem: string;
}

export interface AppCertificate {
  certPem: string;
  keyPem: string;
  /** Certificate followed by the private key: the form of the action's `certificate` input. */
  combinedPem: string;
  /** Hex SHA-256 of the DER certificate (msal-node's thumbprintSha256). */
  thumbprintSha256: string;
  /** base64url SHA-256 of the DER certificate, as in a JWT's x5t#S256 header. */
  x5tS256: string;
  /** base64url SHA-1, as in a JWT's x5t header. */
  x5t: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Creates a CA in `dir` (RSA 2048, valid 30 days). */
export function createTestCa(dir: string, name = 'm365-offboard Test Root CA'): TestCa {
  mkdirSync(dir, { recursive: true });
  openssl(['genrsa', '-out', 'ca.key', '2048'], dir);
  openssl(
    ['req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', '30', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-out', 'ca.pem'],
    dir,
  );
  return {
    dir,
    caCertPath: path.join(dir, 'ca.pem'),
    caKeyPath: path.join(dir, 'ca.key'),
    caPem: readFileSync(path.join(dir, 'ca.pem'), 'utf8'),
  };
}

/** Issues a server certificate signed by the CA, with DNS and IP subject alternative names, as an enterprise CA would. */
export function issueServerCertificate(
  ca: TestCa,
  name: string,
  sans: { dns?: string[]; ip?: string[] },
): ServerCertificate {
  const { dir } = ca;
  const san = [...(sans.dns ?? []).map((d) => `DNS:${d}`), ...(sans.ip ?? []).map((i) => `IP:${i}`)].join(',');
  writeFileSync(
    path.join(dir, `${name}.ext`),
    `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`,
  );
  openssl(['genrsa', '-out', `${name}.key`, '2048'], dir);
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${sans.dns?.[0] ?? name}`, '-out', `${name}.csr`], dir);
  openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30',
      '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.pem`],
    dir,
  );
  const certPath = path.join(dir, `${name}.pem`);
  const keyPath = path.join(dir, `${name}.key`);
  return { certPath, keyPath, certPem: readFileSync(certPath, 'utf8'), keyPem: readFileSync(keyPath, 'utf8') };
}

/**
 * Creates a self-signed certificate for an Entra app registration, as `New-SelfSignedCertificate` or openssl would
 * for a real tenant. With `passphrase`, the private key is an encrypted PKCS#8 PEM.
 */
export function createAppCertificate(dir: string, name: string, passphrase?: string): AppCertificate {
  mkdirSync(dir, { recursive: true });
  openssl(['genrsa', '-out', `${name}.plain.key`, '2048'], dir);
  openssl(
    ['req', '-x509', '-new', '-key', `${name}.plain.key`, '-sha256', '-days', '30', '-subj', `/CN=${name}`,
      '-out', `${name}.crt`],
    dir,
  );
  if (passphrase) {
    openssl(
      ['pkcs8', '-topk8', '-in', `${name}.plain.key`, '-v2', 'aes-256-cbc', '-passout', `pass:${passphrase}`,
        '-out', `${name}.key`],
      dir,
    );
  } else {
    openssl(['pkcs8', '-topk8', '-nocrypt', '-in', `${name}.plain.key`, '-out', `${name}.key`], dir);
  }
  const certPem = readFileSync(path.join(dir, `${name}.crt`), 'utf8');
  const keyPem = readFileSync(path.join(dir, `${name}.key`), 'utf8');
  const der = new X509Certificate(certPem).raw;
  return {
    certPem,
    keyPem,
    combinedPem: `${certPem.trim()}\n${keyPem.trim()}\n`,
    thumbprintSha256: createHash('sha256').update(der).digest('hex'),
    x5tS256: createHash('sha256').update(der).digest('base64url'),
    x5t: createHash('sha1').update(der).digest('base64url'),
  };
}
