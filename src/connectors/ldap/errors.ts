// What went wrong talking to the DC, as an LdapError with a stable code and a message an administrator can act on.
import { ResultCodeError } from 'ldapts';

/** An LDAP failure with a message an administrator can act on and a stable `code`. */
export class LdapError extends Error {
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LdapError';
    this.code = code;
  }
}

/** One request to the DC, as the error messages and the resend decision need it. */
export interface Operation {
  /** What was being done, as a phrase: "writing description on CN=…". */
  what: string;
  /** Safe to send again after the connection dropped (reads, and writes that land the same way twice). */
  retry: boolean;
  write?: { dn: string; attributes: string[] };
  /** What to say when the bind account lacks the right, when "write <attributes>" does not fit. */
  denied?: string;
}

/** Who was talking to which DC, for the messages. */
export interface Peer {
  url: string;
  host: string;
  bindName: string;
}

const CERTIFICATE_ERRORS = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
]);
const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN']);
const DROP_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_DESTROYED', 'ERR_SOCKET_CLOSED']);
/** Connect failures that a DC restart or a network blip causes (as opposed to a wrong URL, certificate or password). */
const TRANSIENT_CONNECT = new Set(['ldap-unreachable', 'ldap-connection-lost', 'ldap-tls']);

const errorCode = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
};
export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));
/** The LDAP resultCode of a refusal from the DC (16 noSuchAttribute, 50 insufficientAccessRights…). */
export const resultCode = (error: unknown): number | undefined => (error instanceof ResultCodeError ? error.code : undefined);

export function isCertificateError(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && (CERTIFICATE_ERRORS.has(code) || code === 'ERR_TLS_CERT_ALTNAME_INVALID');
}

export function isUnreachable(error: unknown): boolean {
  const code = errorCode(error);
  const message = errorMessage(error);
  return (code !== undefined && NETWORK_ERRORS.has(code)) || /Connection timeout|Operation timed out/.test(message);
}

/** The DC (or something between) closed the connection: the operation may be sent again on a new one. */
export function isConnectionLost(error: unknown): boolean {
  const code = errorCode(error);
  if (code !== undefined && DROP_ERRORS.has(code)) return true;
  return /Connection closed|Socket error|Socket connection not established|socket hang up|has been ended/i.test(
    errorMessage(error),
  );
}

/** A failure to open a session that waiting may cure: the DC restarting, a failover, a blip on the network. */
export const isTransientConnectError = (error: unknown): boolean =>
  error instanceof LdapError && TRANSIENT_CONNECT.has(error.code);

export const isLdapError = (error: unknown, code: string): boolean => error instanceof LdapError && error.code === code;

/** Turns whatever ldapts or the socket threw into an LdapError that says what to fix. */
export function describeError(error: unknown, operation: Operation, peer: Peer): LdapError {
  if (error instanceof LdapError) return error;
  const detail = errorMessage(error);
  const cause = { cause: error };
  if (isCertificateError(error)) {
    if (errorCode(error) === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      return new LdapError(
        `The DC's certificate does not name ${peer.host} (${detail}): put a host name the certificate lists in ldap-url`,
        'ldap-certificate',
        cause,
      );
    }
    return new LdapError(
      `The DC's certificate is not trusted (${detail}): set ldap-ca to the PEM of the CA that signed it` +
        ' (or, for a test only, ldap-tls-verify: false)',
      'ldap-certificate',
      cause,
    );
  }
  if (/^ERR_SSL_|^ERR_TLS_/.test(errorCode(error) ?? '')) {
    return new LdapError(
      `TLS with the DC at ${peer.url} failed (${detail}): ldaps:// expects TLS from the first byte (port 636); ` +
        'for port 389 use ldap:// (StartTLS)',
      'ldap-tls',
      cause,
    );
  }
  if (isUnreachable(error)) {
    return new LdapError(`Cannot reach the DC at ${peer.url}: ${detail}`, 'ldap-unreachable', cause);
  }
  if (isConnectionLost(error)) {
    return new LdapError(
      `The connection to the DC at ${peer.url} was lost while ${operation.what}` +
        (operation.write ? '; whether the change was made is unknown: run again (steps read the state first)' : ''),
      'ldap-connection-lost',
      cause,
    );
  }
  return describeRefusal(error, operation, peer);
}

/** The DC answered with an LDAP resultCode other than success. */
function describeRefusal(error: unknown, operation: Operation, peer: Peer): LdapError {
  const detail = errorMessage(error);
  const cause = { cause: error };
  const { bindName } = peer;
  const write = operation.write;
  switch (resultCode(error)) {
    case 49:
      return new LdapError(
        `The DC rejected the bind for ${bindName}: wrong password or the account is locked/disabled ` +
          '(ldap-bind-dn / ldap-password)',
        'ldap-invalid-credentials',
        cause,
      );
    case 50: {
      const attributes = write?.attributes.join(', ');
      const denied =
        operation.denied ??
        (write
          ? `${bindName} may not write ${attributes} on ${write.dn}: delegate "Write ${attributes}" to ${bindName} on the OU`
          : `${bindName} may not read while ${operation.what}: grant it read access`);
      return new LdapError(denied, 'ldap-insufficient-access', cause);
    }
    case 32:
      return write
        ? new LdapError(
            `The object ${write.dn} no longer exists (moved or deleted since it was read)`,
            'ldap-no-such-object',
            cause,
          )
        : new LdapError(`Nothing at the search base while ${operation.what}: check ldap-base-dn`, 'ldap-no-such-object', cause);
    case 68:
      return new LdapError(
        `Cannot finish ${operation.what}: an object with that name already exists there (rename one of them)`,
        'ldap-already-exists',
        cause,
      );
    case 8:
    case 13:
      return new LdapError(`The DC demands a stronger connection while ${operation.what}: ${detail}`, 'ldap-strong-auth', cause);
    default:
      return new LdapError(`LDAP error while ${operation.what}: ${detail}`, 'ldap-error', cause);
  }
}
