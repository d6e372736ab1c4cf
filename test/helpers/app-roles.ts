// The stack's app registrations with the offboarding app holding chosen roles: for runs of steps beyond the README's base set.
import { parseCertificate } from '../../src/connectors/auth.js';
import { STEPS } from '../../src/steps/index.js';
import { OFFBOARD_ROLES, PLANNER_ROLES, type StackFacts } from '../stack/stack.js';
import type { SimulatorApp } from '../stack/simulator/types.js';

/** The base set and the least privileged Graph set each step declares for apply: what a run of every step needs. */
export const EVERY_STEP_ROLES: readonly string[] = [...new Set([...OFFBOARD_ROLES, ...STEPS.flatMap((step) => step.permissions.graph?.[0] ?? [])])];

/** The offboarding app with `roles` (the base set by default) and the planner app as the stack registers it. */
export function stackApps(facts: StackFacts, roles: readonly string[] = OFFBOARD_ROLES): SimulatorApp[] {
  const certificatesPem = [parseCertificate(facts.simulator.certificatePem).certPem];
  return [
    { clientId: facts.simulator.clientId, displayName: 'm365-offboard', certificatesPem, roles: [...roles] },
    { clientId: facts.simulator.plannerClientId, displayName: 'm365-offboard-plan', certificatesPem, roles: PLANNER_ROLES },
  ];
}
