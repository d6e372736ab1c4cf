// Corpus cases for group-owners, auth-methods and the cloud-only rename: names that are OData, markup and PowerShell
// reach Graph as data, the summary as text, and nothing but the leaver's groups, methods and name changes.
import type { Fixture } from '../stack/fixture.js';
import type { SimState } from '../stack/simulator/types.js';
import { EVERY_STEP_ROLES } from '../helpers/app-roles.js';
import type { CorpusCase } from './corpus-cases.js';

/** A group name that closes an OData string, carries a `$filter` of its own, markup and a PowerShell subexpression. */
const INJECTION_GROUP = `Q4 ' or 1 eq 1) &$filter=id ne null <img src=x onerror=alert(1)> $(Remove-Item -Recurse /)`;
/** A group the leaver owns with someone else: the step leaves it alone. */
const SHARED_GROUP = "Owen's & CEO's <b>board</b>";
/** Method names as a user may type them on their phone or key. */
const AUTHENTICATOR_NAME = "<script>alert(1)</script> ' or 1 eq 1";
const KEY_NAME = 'YubiKey $(Remove-Item -Recurse /) {displayName} | </td>';
/** The leaver's own display name: markup, quotes and a placeholder. */
const LEAVER_NAME = `Owen "O'Neil" <i>{effectiveDate}</i>`;
/** A format whose result holds markup, an OData clause and a PowerShell subexpression. */
const HOSTILE_FORMAT = "{displayName} <b>left</b> {effectiveDate} ' or 1 eq 1 $filter=x $(whoami)";

const GROUP_IDS = { injection: '0a4e2b7c-1d3f-4e5a-9b6c-7d8e9f000001', shared: '0a4e2b7c-1d3f-4e5a-9b6c-7d8e9f000002' } as const;

/** The `owners` tenant: `owen`, a cloud-only leaver managed by salesvp, owning one group alone and one with the CEO. */
export function addOwnersPeople(fixture: Fixture): void {
  fixture.entraGroups.push(
    { id: GROUP_IDS.injection, displayName: INJECTION_GROUP, kind: 'unified', team: true, owners: ['owen'] },
    { id: GROUP_IDS.shared, displayName: SHARED_GROUP, owners: ['owen', 'ceo'] },
  );
  fixture.people.push({
    key: 'owen',
    givenName: 'Owen',
    surname: "O'Neil",
    displayName: LEAVER_NAME,
    userPrincipalName: 'owen@contoso.test',
    mail: 'owen@contoso.test',
    manager: 'salesvp',
    cloud: {
      synced: false,
      authMethods: [
        // The Authenticator first: the default MFA method, deleted last.
        { type: 'microsoftAuthenticator', displayName: AUTHENTICATOR_NAME },
        { type: 'fido2', displayName: KEY_NAME },
        { type: 'phone', phoneNumber: '+1 2065550123', phoneType: 'mobile' },
      ],
    },
  });
}

/** A change the owners cases expect in Microsoft 365, by fixture key and display name. */
export type OwnersEffect =
  /** `group-owners`: the delegate (key) is an owner of the group too, and a member when it has a team. */
  | { handedOver: string; to: string; teamMember: boolean }
  /** `auth-methods`: the user has no method left but the password (which the simulator does not keep). */
  | { methodsRemoved: string }
  /** `rename` of a cloud-only user: the Entra display name. */
  | { cloudRenamed: string; displayName: string };

export const isOwnersEffect = (effect: object): effect is OwnersEffect => 'handedOver' in effect || 'methodsRemoved' in effect || 'cloudRenamed' in effect;

/** The effect on the simulator's state as the case expects it after the run. */
export function applyOwnersEffect(effect: OwnersEffect, sim: SimState): void {
  const userId = (key: string): string => {
    const id = sim.users.find((u) => u.key === key)?.id;
    if (!id) throw new Error(`no Entra user ${key} before the run`);
    return id;
  };
  if ('handedOver' in effect) {
    const group = sim.groups.find((g) => g.displayName === effect.handedOver);
    if (!group) throw new Error(`no group ${effect.handedOver} before the run`);
    group.owners.push(userId(effect.to));
    if (effect.teamMember) group.members.push(userId(effect.to));
    return;
  }
  const user = sim.users.find((u) => u.key === ('methodsRemoved' in effect ? effect.methodsRemoved : effect.cloudRenamed));
  if (!user) throw new Error('no such Entra user before the run');
  if ('methodsRemoved' in effect) user.authMethods = [];
  else user.displayName = effect.displayName;
}

const OWEN = 'userPrincipalName,effective\nowen@contoso.test,2026-01-15\n';
const DELEGATE = { userPrincipalName: 'salesvp@contoso.test', source: 'entra-manager' } as const;

export const OWNERS_CASES: CorpusCase[] = [
  {
    name: 'group-owners hands a group named like an OData, $filter, markup and PowerShell injection to the delegate, and leaves the co-owned group',
    fixture: 'owners',
    csv: OWEN,
    inputs: { steps: 'group-owners' },
    roles: [...EVERY_STEP_ROLES],
    exitCode: 0,
    users: [{ line: 2, status: 'done', steps: ['done'], delegate: DELEGATE }],
    effects: [{ handedOver: INJECTION_GROUP, to: 'salesvp', teamMember: true }],
    summaryShows: ['&#60;img src=x onerror=alert&#40;1&#41;&#62;'],
  },
  {
    name: 'group-owners plans the same hand-over and changes nothing',
    fixture: 'owners',
    csv: OWEN,
    inputs: { steps: 'group-owners', mode: 'plan' },
    roles: [...EVERY_STEP_ROLES],
    exitCode: 0,
    users: [{ line: 2, status: 'planned', steps: ['planned'], delegate: DELEGATE }],
  },
  {
    name: 'auth-methods deletes methods named with markup, OData and PowerShell, the default last, and no one else’s',
    fixture: 'owners',
    csv: OWEN,
    inputs: { steps: 'auth-methods' },
    roles: [...EVERY_STEP_ROLES],
    exitCode: 0,
    users: [{ line: 2, status: 'done', steps: ['done'] }],
    effects: [{ methodsRemoved: 'owen' }],
    summaryShows: ['&#60;script&#62;alert&#40;1&#41;&#60;/script&#62;'],
  },
  {
    name: 'rename of a cloud-only leaver writes a format result holding markup, an OData clause and PowerShell to Entra as data',
    fixture: 'owners',
    csv: OWEN,
    inputs: { steps: 'rename', 'display-name-format': HOSTILE_FORMAT },
    roles: [...EVERY_STEP_ROLES],
    exitCode: 0,
    users: [{ line: 2, status: 'done', steps: ['done'] }],
    effects: [{ cloudRenamed: 'owen', displayName: `${LEAVER_NAME} <b>left</b> 2026-01-15 ' or 1 eq 1 $filter=x $(whoami)` }],
  },
];
