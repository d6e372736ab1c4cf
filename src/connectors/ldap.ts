// Active Directory over LDAPS or StartTLS: one bound connection per run, batched paged searches, plain-spoken errors.
import type { LdapInputs } from '../inputs-types.js';
import { createAccess } from './ldap/access.js';
import { parseTarget } from './ldap/connection.js';
import { MAX_VALUE_RANGE } from './ldap/ranged.js';
import { createReads } from './ldap/reads.js';
import { createSession, type SessionStats } from './ldap/session.js';
import { createWrites } from './ldap/writes.js';
import type { AdDirectory } from './types.js';

export interface AdDirectoryOptions extends LdapInputs {
  /** Per-operation and connect timeout. Default 30 s. */
  timeoutMs?: number;
  /** Entries per page of a search. Default 500 (AD's MaxPageSize is 1,000). */
  pageSize?: number;
  /** Assertions per OR filter. Default 200: filters stay far below AD's request size limit. */
  termsPerFilter?: number;
  /** Values of memberOf per request. Default 1,000 (ranged.ts): within every Windows DC's MaxValRange. */
  valuesPerRange?: number;
  /** Told once when certificate verification is off, so the caller can warn on every run. */
  onWarning?: (message: string) => void;
}

/** The counts of AdDirectory plus the entries the DC returned, which shows how much a filter matched on the server. */
export type AdDirectoryStats = AdDirectory['stats'] & SessionStats & { entries: number };

export function createAdDirectory(
  options: AdDirectoryOptions,
): AdDirectory & { connect(): Promise<void>; readonly stats: AdDirectoryStats } {
  const target = parseTarget(options.url);
  const stats: AdDirectoryStats = { connects: 0, binds: 0, searches: 0, modifies: 0, entries: 0, peakInFlight: 0 };

  if (!options.tlsVerify) {
    options.onWarning?.(
      `ldap-tls-verify is false: the certificate of the DC at ${target.url} is not verified, so anyone on the path ` +
        'could read the bind password. Set ldap-ca to the PEM of the CA that signed it and remove ldap-tls-verify.',
    );
  }

  const session = createSession({
    target,
    bindDn: options.bindDn,
    password: options.password,
    ca: options.ca,
    tlsVerify: options.tlsVerify,
    timeoutMs: options.timeoutMs ?? 30_000,
    stats,
  });
  const reads = createReads(session, {
    baseDn: options.baseDn,
    bindDn: options.bindDn,
    pageSize: options.pageSize ?? 500,
    termsPerFilter: options.termsPerFilter ?? 200,
    valuesPerRange: options.valuesPerRange ?? MAX_VALUE_RANGE,
    stats,
  });
  const access = createAccess(session, { self: reads.whoami, stats });
  const writes = createWrites(session, { bindDn: options.bindDn, exists: reads.exists, stats });

  return {
    stats,
    connect: () => session.open(),
    findUsers: reads.findUsers,
    findUsersBySid: reads.findUsersBySid,
    findGroupMembers: reads.findGroupMembers,
    readUsers: reads.readUsers,
    hasAttribute: reads.hasAttribute,
    whoami: reads.whoami,
    writableAttributes: reads.writableAttributes,
    creatableClasses: reads.creatableClasses,
    mayResetPassword: access.mayResetPassword,
    modify: writes.modify,
    setPassword: writes.setPassword,
    move: writes.move,
    removeGroupMember: writes.removeGroupMember,
    close: () => session.close(),
  };
}
