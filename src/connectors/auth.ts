// App-only sign-in with the app registration's certificate: the PEM is parsed once and shared by Graph, Exchange and SharePoint.
import { ConfidentialClientApplication, type Configuration } from '@azure/msal-node';
import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import pRetry from 'p-retry';
import { z } from 'zod';
import type { EntraInputs } from '../inputs-types.js';
import { toIso } from '../util/time.js';
import { environmentFor, MICROSOFT_AUTHORITY_HOSTS } from './clouds.js';

export interface AppCertificate {
  certPem: string;
  /** Unencrypted PKCS#8 PEM. Kept in memory only: never logged, never written to disk. */
  keyPem: string;
  /** Lower-case hex SHA-256 of the DER certificate (msal-node's `thumbprintSha256`, Entra's x5t#S256). */
  thumbprintSha256: string;
  notAfter: Date;
}

export interface TokenProvider {
  /** An app-only access token for `scope` (e.g. `https://graph.microsoft.com/.default`), cached until near expiry. */
  getToken(scope: string): Promise<string>;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

interface PemBlock {
  label: string;
  text: string;
}

function pemBlocks(pem: string): PemBlock[] {
  return [...pem.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1] ?? '', text: m[0] }));
}

// A secret pasted through a form or a JSON file sometimes arrives with literal "\n" instead of line breaks.
function normalisePem(input: string): string {
  const text = input.replace(/\r\n?/g, '\n').trim();
  return !text.includes('\n') && text.includes('\\n') ? text.replace(/\\n/g, '\n') : text;
}

function readPrivateKey(block: PemBlock, password: string | undefined): KeyObject {
  const encrypted = block.label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(block.text);
  if (encrypted && !password) {
    throw new Error(
      'The private key in the certificate input is encrypted: set the certificate-password input to its passphrase.',
    );
  }
  try {
    return createPrivateKey(encrypted ? { key: block.text, format: 'pem', passphrase: password } : { key: block.text, format: 'pem' });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    if (encrypted) {
      throw new Error(`The private key could not be decrypted with certificate-password (wrong passphrase?): ${detail}`, {
        cause: error,
      });
    }
    throw new Error(`The private key in the certificate input could not be read (${block.label}): ${detail}`, { cause: error });
  }
}

/**
 * Reads the `certificate` input: a CERTIFICATE block and its private key (PKCS#8, PKCS#1 RSA, or an ENCRYPTED PRIVATE
 * KEY opened with `password`). Throws a message that says what to fix when a part is missing, the key does not belong
 * to the certificate, the passphrase is wrong, or the certificate is outside its validity period.
 */
export function parseCertificate(pem: string, password?: string, now: Date = new Date()): AppCertificate {
  const text = normalisePem(pem);
  const blocks = pemBlocks(text);
  const certificates = blocks.filter((b) => b.label === 'CERTIFICATE');
  const keys = blocks.filter((b) => /PRIVATE KEY$/.test(b.label));
  if (certificates.length === 0) {
    const hint = blocks.length === 0 && /^[A-Za-z0-9+/=\s]+$/.test(text)
      ? ' It looks like base64 without PEM headers (a .pfx?): convert it with `openssl pkcs12 -in app.pfx -nodes` (or keep the key encrypted and set certificate-password) and paste the PEM.'
      : '';
    throw new Error(
      `The certificate input has no -----BEGIN CERTIFICATE----- block: paste the app's certificate followed by its private key, both PEM.${hint}`,
    );
  }
  if (keys.length === 0) {
    throw new Error(
      'The certificate input has a certificate but no private key: append the -----BEGIN PRIVATE KEY----- block (PKCS#8, PKCS#1 RSA, or ENCRYPTED PRIVATE KEY with certificate-password).',
    );
  }
  if (keys.length > 1) {
    throw new Error('The certificate input has more than one private key: keep only the key of the app certificate.');
  }
  const key = readPrivateKey(keys[0] as PemBlock, password);
  if (key.asymmetricKeyType !== 'rsa') {
    throw new Error(
      `The private key is ${key.asymmetricKeyType ?? 'of an unknown type'}; Entra ID accepts only RSA keys for app certificates. Create an RSA (2048 bits or more) certificate.`,
    );
  }
  // With a chain in the input, the app's certificate is the one that matches the key.
  const parsed = certificates.map((b) => {
    try {
      return new X509Certificate(b.text);
    } catch (error) {
      throw new Error(
        `A CERTIFICATE block in the certificate input is not a valid X.509 certificate: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  });
  const certificate = parsed.find((c) => c.checkPrivateKey(key));
  if (!certificate) {
    throw new Error(
      'The private key does not belong to the certificate in the certificate input: paste the certificate and the key that were created together.',
    );
  }
  const notAfter = new Date(certificate.validTo);
  const notBefore = new Date(certificate.validFrom);
  if (notAfter.getTime() <= now.getTime()) {
    throw new Error(
      `The app certificate (${certificate.subject.replace(/\n/g, ', ')}) expired on ${toIso(notAfter)}: create a new one, upload it to the app registration and update the certificate secret.`,
    );
  }
  if (notBefore.getTime() > now.getTime()) {
    throw new Error(`The app certificate is not valid before ${toIso(notBefore)}: check the runner's clock or the certificate.`);
  }
  return {
    certPem: certificate.toString(),
    keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    thumbprintSha256: createHash('sha256').update(certificate.raw).digest('hex'),
    notAfter,
  };
}

// What to do about the sign-in errors a misconfigured app registration produces.
const AADSTS_ADVICE: Record<string, string> = {
  '700027': 'Entra does not accept the certificate: upload this certificate (thumbprint {thumbprint}) to the app registration\'s "Certificates & secrets", or use the certificate that is there.',
  '700016': 'No app with client-id {clientId} exists in tenant {tenant}: check client-id and tenant-id (and cloud).',
  '7000215': 'The app rejected the credential: use the certificate input (client secrets are not supported).',
  '90002': 'Tenant {tenant} was not found: check tenant-id and cloud.',
  '900023': 'tenant-id "{tenant}" is not a tenant id or domain: use the directory (tenant) id GUID or the primary domain.',
  '90023': 'tenant-id "{tenant}" is not valid: use the directory (tenant) id GUID or the primary domain.',
  '700024': 'The client assertion is outside its validity time: check the runner\'s clock.',
  '500011': 'The resource of the requested scope is not in tenant {tenant}: check cloud / graph-endpoint.',
  '7000112': 'The app registration (service principal) is disabled in tenant {tenant}: enable it.',
  '7000222': 'The app credential has expired: upload a new certificate to the app registration.',
  '53003': 'A Conditional Access policy blocked the sign-in: exclude this workload identity or allow the runner\'s address.',
  '1002012': 'The requested scope is not valid: app-only tokens need "<resource>/.default".',
};

interface MsalLikeError {
  errorCode?: string;
  errorMessage?: string;
  message?: string;
  status?: number;
}

/** Turns an msal-node error into a message that names the input to fix. */
function describeSignInError(error: unknown, context: { tenant: string; clientId: string; thumbprint: string; authority: string }): Error {
  const e = (error ?? {}) as MsalLikeError;
  const text = e.errorMessage || e.message || String(error);
  const code = /AADSTS(\d+)/.exec(text)?.[1];
  const fill = (s: string): string =>
    s.replace('{thumbprint}', context.thumbprint).replace('{clientId}', context.clientId).replace(/\{tenant\}/g, context.tenant);
  const firstLine = text.split('\n')[0]?.trim() ?? text;
  let advice: string | undefined = code ? AADSTS_ADVICE[code] : undefined;
  if (!advice && /ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|ECONNRESET|network_error|endpoints_resolution_error/i.test(text)) {
    advice = `The sign-in endpoint ${context.authority} could not be reached: check authority-host / cloud and the runner's network.`;
  }
  if (!advice && /self[- ]signed|unable to verify|certificate has expired|UNABLE_TO_GET_ISSUER/i.test(text)) {
    advice = `The TLS certificate of ${context.authority} is not trusted by the runner: add its CA to the runner (NODE_EXTRA_CA_CERTS).`;
  }
  const message = `Sign-in to Entra ID as app ${context.clientId} failed${code ? ` (AADSTS${code})` : e.errorCode ? ` (${e.errorCode})` : ''}: ${
    advice ? fill(advice) : 'check tenant-id, client-id, certificate and cloud.'
  } [${firstLine}]`;
  const result = new Error(message, { cause: error });
  result.name = 'SignInError';
  return result;
}

function msalConfiguration(entra: EntraInputs, certificate: AppCertificate): { config: Configuration; authority: string } {
  const env = environmentFor(entra);
  const tenant = encodeURIComponent(entra.tenantId);
  const authority = `${env.authorityHost}/${tenant}`;
  const host = new URL(env.authorityHost).host;
  const config: Configuration = {
    auth: {
      clientId: entra.clientId,
      authority,
      clientCertificate: { thumbprintSha256: certificate.thumbprintSha256, privateKey: certificate.keyPem },
    },
  };
  if (!MICROSOFT_AUTHORITY_HOSTS.has(new URL(env.authorityHost).hostname)) {
    // A private or test authority: give msal its metadata so that no discovery request leaves the machine.
    config.auth.knownAuthorities = [host];
    config.auth.authorityMetadata = JSON.stringify({
      token_endpoint: `${authority}/oauth2/v2.0/token`,
      authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
      issuer: `${authority}/v2.0`,
      jwks_uri: `${authority}/discovery/v2.0/keys`,
    });
  }
  return { config, authority };
}

/** The token endpoint was busy or briefly down (429, 5xx, AADSTS90033), as opposed to a configuration mistake. */
function isTransientSignInError(error: unknown): boolean {
  const e = (error ?? {}) as MsalLikeError;
  if (typeof e.status === 'number' && (e.status === 429 || e.status >= 500)) return true;
  return /temporarily_unavailable|AADSTS90033\b/.test(`${e.errorCode ?? ''} ${e.errorMessage ?? e.message ?? ''}`);
}

/** A token provider for the app; one msal instance per run, so tokens are cached across services and calls. */
export function createTokenProvider(entra: EntraInputs, certificate: AppCertificate): TokenProvider {
  const { config, authority } = msalConfiguration(entra, certificate);
  let app = new ConfidentialClientApplication(config);
  const context = { tenant: entra.tenantId, clientId: entra.clientId, thumbprint: certificate.thumbprintSha256, authority };
  return {
    async getToken(scope: string): Promise<string> {
      let result;
      try {
        // Three more tries, 1, 2 and 4 s apart, while the token endpoint is busy (429) or failing (5xx).
        result = await pRetry(
          (attempt) => {
            // After a 429/5xx msal refuses the same request locally for Retry-After (60 s by default): a new instance asks again.
            if (attempt > 1) app = new ConfidentialClientApplication(config);
            return app.acquireTokenByClientCredential({ scopes: [scope] });
          },
          { retries: 3, factor: 2, minTimeout: 1_000, randomize: false, shouldRetry: ({ error }) => isTransientSignInError(error) },
        );
      } catch (error) {
        throw describeSignInError(error, context);
      }
      if (!result?.accessToken) {
        throw describeSignInError(new Error('no access token in the answer'), context);
      }
      return result.accessToken;
    },
  };
}

// The claims the program reads from an access token; other claims are not looked at.
const tokenClaims = z.object({ roles: z.array(z.string()).optional() });

/** The application permissions (`roles`) of an access token, read without verification: the client only reads what it was granted. */
export function tokenRoles(token: string): string[] {
  const payload = token.split('.')[1];
  if (!payload) throw new Error('The access token is not a JWT.');
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw new Error('The access token payload is not JSON.');
  }
  const parsed = tokenClaims.safeParse(claims);
  if (!parsed.success) throw new Error(`The access token's roles claim is not a list of permission names: ${z.prettifyError(parsed.error)}`);
  return parsed.data.roles ?? [];
}
