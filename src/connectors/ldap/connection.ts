// One verified, bound connection to the DC: LDAPS or StartTLS, never a password over an unverified or clear channel.
import net from 'node:net';
import tls from 'node:tls';
import { Client } from 'ldapts';
import { describeError, errorMessage, isCertificateError, isConnectionLost, isUnreachable, LdapError, type Peer } from './errors.js';

/** Where the DC is, as read from ldap-url. */
export interface LdapTarget {
  url: string;
  secure: boolean;
  host: string;
}

export interface ConnectionOptions {
  target: LdapTarget;
  bindDn: string;
  password: string;
  /** PEM of the CA that signed the DC's certificate, added to the system roots. */
  ca?: string;
  tlsVerify: boolean;
  /** Per-operation and connect timeout. */
  timeoutMs: number;
  /** Counted as they happen, failed attempts included. */
  stats: { connects: number; binds: number };
}

export function parseTarget(url: string): LdapTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LdapError(`ldap-url "${url}" is not a URL: use ldaps://dc.example.com`, 'ldap-url');
  }
  if (parsed.protocol !== 'ldaps:' && parsed.protocol !== 'ldap:') {
    throw new LdapError(`ldap-url "${url}" must start with ldaps:// (or ldap:// for StartTLS)`, 'ldap-url');
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new LdapError(`ldap-url "${url}" names no host: use ldaps://dc.example.com`, 'ldap-url');
  return { url: `${parsed.protocol}//${parsed.host}`, secure: parsed.protocol === 'ldaps:', host };
}

export const peerOf = (options: ConnectionOptions): Peer => ({
  url: options.target.url,
  host: options.target.host,
  bindName: options.bindDn,
});

function tlsOptions(options: ConnectionOptions): tls.ConnectionOptions {
  const { host } = options.target;
  return {
    host,
    // SNI carries names only; for an address, Node checks the certificate's IP SANs against `host`.
    servername: net.isIP(host) ? undefined : host,
    // Given alone, `ca` would replace the system roots; a DC may well hold a certificate from a public CA.
    ca: options.ca ? [...tls.getCACertificates('default'), options.ca] : undefined,
    rejectUnauthorized: options.tlsVerify,
    minVersion: 'TLSv1.2',
  };
}

/**
 * Wraps a socket factory so that a client opens exactly one connection. ldapts silently reconnects when an
 * operation finds the socket closed — in clear text and unbound for an ldap:// URL — so any second connection
 * fails instead, and the session opens a fresh, verified, bound connection itself.
 */
function oneConnection<F extends (...args: never[]) => net.Socket>(connect: F): F {
  let used = false;
  const wrapped = (...args: Parameters<F>): net.Socket => {
    if (used) {
      const socket = new net.Socket();
      setImmediate(() => socket.destroy(new Error('Connection closed: the DC dropped the connection')));
      return socket;
    }
    used = true;
    return connect(...args);
  };
  return wrapped as F; // same parameters and return type as the wrapped factory
}

/** Closes a client; ldapts sends an UnbindRequest only while the socket is still open, and destroys it either way. */
export function release(client: Client): void {
  client.unbind().catch(() => undefined);
}

/** The TLS socket under each client this module opened (LDAPS, or the StartTLS upgrade): what isEncrypted checks. */
const tlsSockets = new WeakMap<Client, tls.TLSSocket>();

/**
 * Whether the client's connection is TLS, now: a client this module did not open, or whose TLS socket has closed,
 * is not. What a password write asks before it sends the password.
 */
export function isEncrypted(client: Client): boolean {
  const socket = tlsSockets.get(client);
  return socket !== undefined && socket.encrypted && !socket.destroyed;
}

/** Opens a connection, secures it and binds; throws an LdapError that says what to fix. */
export async function openBoundClient(options: ConnectionOptions): Promise<Client> {
  const { target, stats } = options;
  let secured: tls.TLSSocket | undefined;
  const secureConnect = (...args: Parameters<typeof tls.connect>): tls.TLSSocket => {
    const socket = tls.connect(...args);
    socket.once('secureConnect', () => {
      secured = socket;
    });
    return socket;
  };
  const client = new Client({
    url: target.url,
    timeout: options.timeoutMs,
    connectTimeout: options.timeoutMs,
    tlsOptions: target.secure ? tlsOptions(options) : undefined,
    createConnection: oneConnection(net.connect),
    // The overloads of tls.connect all end up in the one implementation this forwards to.
    createSecureConnection: (target.secure ? oneConnection(secureConnect) : secureConnect) as typeof tls.connect,
  });
  stats.connects++;
  try {
    if (!target.secure) await startTls(client, options);
    stats.binds++;
    await client.bind(options.bindDn, options.password);
    if (secured) tlsSockets.set(client, secured);
  } catch (error) {
    release(client);
    if (target.secure && !secured && isConnectionLost(error)) {
      throw new LdapError(
        `The DC at ${target.url} closed the connection during the TLS handshake (${errorMessage(error)}): ` +
          'ldaps:// expects TLS from the first byte (port 636); for port 389 use ldap:// (StartTLS)',
        'ldap-tls',
        { cause: error },
      );
    }
    throw describeError(error, { what: `binding as ${options.bindDn}`, retry: false }, peerOf(options));
  }
  return client;
}

/** Upgrades an ldap:// connection; anything short of a verified TLS session stops before the password is sent. */
async function startTls(client: Client, options: ConnectionOptions): Promise<void> {
  const { target } = options;
  try {
    await client.startTLS(tlsOptions(options));
  } catch (error) {
    if (isCertificateError(error) || isUnreachable(error)) throw error;
    throw new LdapError(
      `The DC at ${target.url} did not start TLS (${errorMessage(error)}), so the password was not sent. ` +
        `Use ldaps://${target.host}:636, or enable LDAP over TLS on the DC (give it a certificate)`,
      'ldap-starttls',
      { cause: error },
    );
  }
}
