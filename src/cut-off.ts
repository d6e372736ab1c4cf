// Which steps cut a leaver's access, and the split of a user's steps into the cut-off pass and the handover pass.
import type { StepName } from './model.js';

/**
 * The steps that end a leaver's access: the AD account disabled, the Entra account disabled or blocked, the sessions
 * revoked, and the devices wiped, which the contract puts before the revocation (it needs the sessions still there).
 */
const CUT_OFF: ReadonlySet<StepName> = new Set<StepName>(['mobile-wipe', 'ad-disable', 'entra-disable', 'entra-block', 'entra-revoke']);

/** The passes of a run, in order: every user's cut-off pass runs before any user's handover pass. */
export const PASSES = ['cut-off', 'handover'] as const;
export type Pass = (typeof PASSES)[number];

/**
 * Where a user's steps (in the contract's order) split into the passes: the cut-off pass ends with the last step that
 * cuts access, so that the steps between (e.g. `ad-stamp`, `rename`) keep their place before it; the handover pass
 * holds the rest. Each user's order is the contract's either way: the passes only decide what runs first across users.
 */
export function cutOffEnd(steps: readonly { name: StepName }[]): number {
  return steps.findLastIndex((step) => CUT_OFF.has(step.name)) + 1;
}
