// What tests use to reach the shared test stack: its facts (provided by test/global-setup.ts) and state helpers.
import { inject } from 'vitest';
import type { LdapInputs } from '../../src/inputs-types.js';
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

export type { StackFacts } from '../stack/stack.js';
export { loadStackTenant } from '../stack/stack.js';
export { type LdapAdminFacts, type LoadedTenant } from '../stack/samba.js';
export { SimulatorControl };
