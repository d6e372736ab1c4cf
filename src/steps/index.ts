// The step list: adding a step means one file and one line here.
import type { StepName } from '../model.js';
import { STEP_ORDER } from '../model.js';
import { adDisable } from './ad-disable.js';
import { adGroups } from './ad-groups.js';
import { adMove } from './ad-move.js';
import { adStamp } from './ad-stamp.js';
import { entraBlock } from './entra-block.js';
import { entraDisable } from './entra-disable.js';
import { entraRevoke } from './entra-revoke.js';
import { licenses } from './licenses.js';
import { mailboxAccess } from './mailbox-access.js';
import { mailboxHide } from './mailbox-hide.js';
import { mailboxShared } from './mailbox-shared.js';
import { onedriveAccess } from './onedrive-access.js';
import type { Step } from './types.js';

export const STEPS: Record<StepName, Step> = {
  'ad-disable': adDisable,
  'ad-stamp': adStamp,
  'ad-groups': adGroups,
  'entra-disable': entraDisable,
  'entra-block': entraBlock,
  'entra-revoke': entraRevoke,
  'mailbox-access': mailboxAccess,
  'onedrive-access': onedriveAccess,
  'mailbox-shared': mailboxShared,
  'mailbox-hide': mailboxHide,
  licenses,
  'ad-move': adMove,
};

/** The enabled steps in the contract's order (ad-move last of all). */
export function stepsFor(names: StepName[]): Step[] {
  return STEP_ORDER.filter((name) => names.includes(name)).map((name) => STEPS[name]);
}
