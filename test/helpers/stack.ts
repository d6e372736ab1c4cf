// What tests use to reach the shared test stack: its facts (provided by test/global-setup.ts) and state helpers.
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { inject } from 'vitest';
import type { LdapInputs } from '../../src/inputs-types.js';
import { LdapProxy, type LdapProxyOptions } from '../stack/ldap-proxy.js';
import { snapshotDirectory as snapshotLdap, type LdapAdminFacts } from '../stack/samba.js';
import { SimulatorControl } from '../stack/simulator/control-client.js';
import type { SimState } from '../stack/simulator/types.js';
import { ldapAdmin, type StackFacts } from '../stack/stack.js';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackFacts;
  }
}

/** The running stack's facts, in a test worker. */
export function stackFacts(): StackFacts {
  return inject('stack');
}

/** Every object in the stack's directory (or any directory's) with stable attributes, for before/after comparisons. */
export function snapshotDirectory(target: StackFacts | LdapAdminFacts = stackFacts()): Promise<Record<string, Record<string, string[]>>> {
  return snapshotLdap('ldap' in target ? ldapAdmin(target) : target);
}

/** The whole stack's state, AD and Microsoft 365, for before/after comparisons of a run that must change nothing. */
export async function snapshotStack(facts: StackFacts = stackFacts()): Promise<{ directory: Record<string, Record<string, string[]>>; sim: SimState }> {
  return { directory: await snapshotDirectory(facts), sim: await new SimulatorControl(facts.simulator.url).state() };
}

/** The action's AD inputs for the stack's DC, bound as the delegated service account with the stack CA trusted. */
export function stackLdapInputs(facts: StackFacts = stackFacts()): LdapInputs {
  const { ldap } = facts;
  return {
    url: ldap.url,
    bindDn: ldap.bindDn,
    password: ldap.bindPassword,
    baseDn: ldap.baseDn,
    ca: facts.caPem,
    tlsVerify: true,
    disabledOu: ldap.disabledOu,
  };
}

/**
 * An LDAPS proxy in front of the stack's DC (test/stack/ldap-proxy.ts): `url` replaces `ldap.url`, `maxValRange`
 * makes it range values as AD does, `dropWrites(match)` makes it answer writes without making them. Its certificate
 * comes from the stack's CA, which tests already trust; `close()` it after the tests.
 */
export function startLdapProxy(
  facts: StackFacts = stackFacts(),
  options: Pick<LdapProxyOptions, 'maxValRange' | 'rangedAttributes'> = {},
): Promise<LdapProxy> {
  // A folder of its own for the certificate: test files in other processes issue theirs at the same time.
  const pki = path.join(facts.dir, 'pki');
  const dir = mkdtempSync(path.join(pki, 'ldap-proxy-'));
  for (const file of ['ca.pem', 'ca.key']) copyFileSync(path.join(pki, file), path.join(dir, file));
  const ca = { dir, caCertPath: path.join(dir, 'ca.pem'), caKeyPath: path.join(dir, 'ca.key'), caPem: readFileSync(path.join(dir, 'ca.pem'), 'utf8') };
  return LdapProxy.start({ ...options, upstream: { url: facts.ldap.url, caPem: facts.caPem }, host: facts.ldap.address, ca });
}

export type { StackFacts } from '../stack/stack.js';
export type { LdapProxy } from '../stack/ldap-proxy.js';
export { loadStackTenant } from '../stack/stack.js';
export { type LdapAdminFacts, type LoadedTenant } from '../stack/samba.js';
export { SimulatorControl };
