// The application permissions each step needs, as data, and the preflight check of a token's roles against them.
import type { PreflightLine, StepName } from './model.js';

export interface PermissionRow {
  step: StepName | 'resolve';
  /**
   * Microsoft Graph application permissions: the step works when the token holds every permission of ANY one set.
   * The first set is the least privileged one and is what a missing permission is reported against. Empty: no Graph.
   */
  graph: string[][];
  /** Application permissions on the Office 365 Exchange Online API, same shape. */
  exchange?: string[][];
  /** Application permissions on the SharePoint API, same shape. */
  sharepoint?: string[][];
  /** What the step needs outside Graph (Exchange, SharePoint, AD), for the README and the preflight. */
  notes?: string;
}

// Least-privileged first, per Microsoft's Graph permissions reference for each endpoint the step calls.
export const PERMISSIONS: PermissionRow[] = [
  {
    step: 'resolve',
    graph: [
      ['User.Read.All', 'RoleManagement.Read.Directory'],
      ['User.Read.All', 'Directory.Read.All'],
      ['Directory.Read.All'],
      ['User.ReadWrite.All', 'RoleManagement.Read.Directory'],
      ['Directory.ReadWrite.All'],
    ],
    notes:
      'GET /users (User.Read.All) and GET /directoryRoles?$expand=members (RoleManagement.Read.Directory) to protect role holders. Entra group names in `protected` also need GroupMember.Read.All.',
  },
  { step: 'ad-disable', graph: [], notes: 'AD: write userAccountControl on the user objects.' },
  { step: 'ad-stamp', graph: [], notes: 'AD: write description on the user objects.' },
  { step: 'ad-groups', graph: [], notes: 'AD: write member on the groups.' },
  {
    step: 'entra-disable',
    graph: [
      ['User.EnableDisableAccount.All', 'User.Read.All'],
      ['User.ReadWrite.All'],
      ['Directory.ReadWrite.All'],
    ],
    notes: 'PATCH /users/{id} {accountEnabled:false}. Disabling an administrator also needs a privileged Entra role for the app.',
  },
  {
    step: 'entra-block',
    graph: [['GroupMember.ReadWrite.All'], ['Group.ReadWrite.All'], ['Directory.ReadWrite.All']],
    notes: 'GET /groups (find block-group, list its members) and POST /groups/{id}/members/$ref.',
  },
  {
    step: 'entra-revoke',
    graph: [['User.RevokeSessions.All'], ['User.ReadWrite.All'], ['Directory.ReadWrite.All']],
    notes: 'POST /users/{id}/revokeSignInSessions.',
  },
  {
    step: 'mailbox-access',
    graph: [],
    exchange: [['Exchange.ManageAsApp']],
    notes: 'Exchange Online: Exchange.ManageAsApp (Office 365 Exchange Online API) and the Exchange Recipient Administrator role for the app.',
  },
  {
    step: 'onedrive-access',
    graph: [['Files.Read.All'], ['Files.ReadWrite.All'], ['Sites.Read.All'], ['Sites.ReadWrite.All']],
    sharepoint: [['Sites.FullControl.All']],
    notes: 'GET /users/{id}/drive for the OneDrive URL; SharePoint: Sites.FullControl.All (SharePoint API) for Set-PnPTenantSite.',
  },
  {
    step: 'mailbox-shared',
    graph: [],
    exchange: [['Exchange.ManageAsApp']],
    notes: 'Exchange Online: Exchange.ManageAsApp and the Exchange Recipient Administrator role for the app.',
  },
  {
    step: 'mailbox-hide',
    graph: [],
    exchange: [['Exchange.ManageAsApp']],
    notes: 'Exchange Online (cloud mailboxes): Exchange.ManageAsApp; AD (synced mailboxes): write msExchHideFromAddressLists.',
  },
  {
    step: 'licenses',
    graph: [['LicenseAssignment.ReadWrite.All'], ['User.ReadWrite.All'], ['Directory.ReadWrite.All']],
    exchange: [['Exchange.ManageAsApp']],
    notes: 'POST /users/{id}/assignLicense; Exchange.ManageAsApp to confirm the mailbox is shared when mailbox-shared is not enabled.',
  },
  { step: 'ad-move', graph: [], notes: 'AD: create child objects in ldap-disabled-ou and delete them from the source OU.' },
];

export type PermissionResource = 'graph' | 'exchange' | 'sharepoint';

const RESOURCE_NAMES: Record<PermissionResource, string> = {
  graph: 'Microsoft Graph',
  exchange: 'Office 365 Exchange Online',
  sharepoint: 'SharePoint',
};

/**
 * Checks a token's `roles` for one API against what `resolve` and the enabled steps need. One line per step that is
 * satisfied, and one failing line per missing permission naming every step that needs it and how to grant it.
 */
export function checkPermissions(resource: PermissionResource, roles: string[], steps: StepName[]): PreflightLine[] {
  const api = RESOURCE_NAMES[resource];
  const granted = new Set(roles.map((r) => r.toLowerCase()));
  const holds = (set: string[]): boolean => set.every((p) => granted.has(p.toLowerCase()));
  const lines: PreflightLine[] = [];
  const missing = new Map<string, { steps: string[]; alternatives: Set<string> }>();
  for (const row of PERMISSIONS) {
    const sets = row[resource] ?? [];
    if (sets.length === 0 || (row.step !== 'resolve' && !steps.includes(row.step))) continue;
    const satisfied = sets.find(holds);
    if (satisfied) {
      lines.push({ ok: true, label: `${api} permissions for ${row.step}`, detail: satisfied.join(', ') });
      continue;
    }
    const least = sets[0] ?? [];
    for (const permission of least.filter((p) => !granted.has(p.toLowerCase()))) {
      const entry = missing.get(permission) ?? { steps: [], alternatives: new Set<string>() };
      entry.steps.push(row.step);
      for (const set of sets.slice(1)) entry.alternatives.add(set.join(' + '));
      missing.set(permission, entry);
    }
  }
  for (const [permission, { steps: needers, alternatives }] of missing) {
    lines.push({
      ok: false,
      label: `${api} permission ${permission} is missing`,
      detail: `needed by ${needers.join(', ')}`,
      fix: `Add the ${api} application permission ${permission} to the app registration and grant admin consent${
        alternatives.size > 0 ? ` (or one of: ${[...alternatives].join('; ')})` : ''
      }.`,
    });
  }
  return lines;
}

/** `checkPermissions` for the Graph token: what the preflight shows before any change. */
export function checkGraphPermissions(roles: string[], steps: StepName[]): PreflightLine[] {
  return checkPermissions('graph', roles, steps);
}
