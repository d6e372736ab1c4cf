// The step list: adding a step means one file, one line here and its name in StepName; order, defaults and services derive from it.
import type { PsService } from '../connectors/types.js';
import type { StepName } from '../model.js';
import { adDisable } from './ad-disable.js';
import { adGroups } from './ad-groups.js';
import { adMove } from './ad-move.js';
import { adPassword } from './ad-password.js';
import { adStamp } from './ad-stamp.js';
import { authMethods } from './auth-methods.js';
import { cancelMeetings } from './cancel-meetings.js';
import { entraBlock } from './entra-block.js';
import { entraDisable } from './entra-disable.js';
import { entraGroups } from './entra-groups.js';
import { entraRevoke } from './entra-revoke.js';
import { groupOwners } from './group-owners.js';
import { inboxRules } from './inbox-rules.js';
import { licenses } from './licenses.js';
import { mailboxAccess } from './mailbox-access.js';
import { mailboxAutoreply } from './mailbox-autoreply.js';
import { mailboxForward } from './mailbox-forward.js';
import { mailboxHide } from './mailbox-hide.js';
import { mailboxShared } from './mailbox-shared.js';
import { mobileWipe } from './mobile-wipe.js';
import { onedriveAccess } from './onedrive-access.js';
import { rename } from './rename.js';
import type { Step, StepInfo, StepNeeds } from './types.js';

/** The list as given, when it holds a step for every StepName; otherwise a compile error naming the missing ones. */
function everyStep<const L extends readonly Step[]>(
  list: L & ([Exclude<StepName, L[number]['name']>] extends [never] ? unknown : { missing: Exclude<StepName, L[number]['name']> }),
): L {
  return list;
}

/** Every step, in the order they are applied to one user (the contract's order: ad-move last of all). */
export const STEPS: readonly Step[] = everyStep([
  mobileWipe,
  adDisable,
  adPassword,
  adStamp,
  rename,
  adGroups,
  entraDisable,
  entraBlock,
  entraRevoke,
  authMethods,
  entraGroups,
  groupOwners,
  mailboxAccess,
  onedriveAccess,
  mailboxForward,
  mailboxAutoreply,
  inboxRules,
  cancelMeetings,
  mailboxShared,
  mailboxHide,
  licenses,
  adMove,
]);

export const STEP_ORDER: readonly StepName[] = STEPS.map((step) => step.name);

/** The `steps` input's default. */
export const DEFAULT_STEPS: readonly StepName[] = STEPS.filter((step) => step.byDefault).map((step) => step.name);

/** The enabled steps in the list's order. */
export function stepsFor(names: readonly string[]): Step[];
export function stepsFor<S extends StepInfo>(names: readonly string[], list: readonly S[]): S[];
export function stepsFor(names: readonly string[], list: readonly StepInfo[] = STEPS): StepInfo[] {
  return list.filter((step) => names.includes(step.name));
}

/** The enabled steps that need or use a service, in the list's order. */
export function stepsUsing(service: StepNeeds, names: readonly string[], list: readonly StepInfo[] = STEPS): string[] {
  return stepsFor(names, list)
    .filter((step) => step.needs.includes(service) || step.uses?.includes(service))
    .map((step) => step.name);
}

/** The PowerShell services the enabled steps talk to: what the preflight checks and opens. */
export function servicesFor(names: readonly string[], list: readonly StepInfo[] = STEPS): PsService[] {
  return (['exchange', 'sharepoint'] as const).filter((service) => stepsUsing(service, names, list).length > 0);
}

/** The cmdlets the enabled steps declare for a service, once each, in the list's order: what its sessions load. */
export function cmdletsFor(service: PsService, names: readonly string[], list: readonly StepInfo[] = STEPS): string[] {
  return [...new Set(stepsFor(names, list).flatMap((step) => step.cmdlets?.[service] ?? []))];
}
