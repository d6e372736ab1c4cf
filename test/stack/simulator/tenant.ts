// The simulated tenant's directory, mailboxes and sites in memory, built from a fixture and changed by the APIs.
import type { Fixture, FixtureAuthMethod, FixtureEntraGroup, FixtureRoleGrant } from '../fixture.js';
import { mailboxItems, type MailboxItems } from './exchange-items.js';
import { stableGuid } from './ids.js';
import type {
  SimDirectoryRoleState,
  SimGroupState,
  SimAutoReplyState,
  SimMailboxPermissionState,
  SimMessageState,
  SimMailboxState,
  SimRoleAssignmentState,
  SimSiteState,
  SimState,
  SimUserState,
} from './types.js';

export interface UserRecord {
  key: string;
  id: string;
  userPrincipalName: string;
  userType: 'Member' | 'Guest';
  mail: string | null;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  accountEnabled: boolean;
  synced: boolean;
  onPremisesSecurityIdentifier: string | null;
  onPremisesSamAccountName: string | null;
  employeeId: string | null;
  jobTitle: string | null;
  usageLocation: string | null;
  managerId: string | null;
  directLicenses: string[];
  signInSessionsValidFromDateTime: string | null;
  revocations: string[];
  onedrive: boolean;
  createdDateTime: string;
  /** Registered authentication methods besides the password. */
  authMethods: AuthMethodRecord[];
  /** The method that is the user's default MFA method, if any. */
  defaultMethodId: string | null;
}

export interface AuthMethodRecord {
  id: string;
  method: FixtureAuthMethod;
  createdDateTime: string;
}

export interface GroupRecord {
  id: string;
  displayName: string;
  mailNickname: string;
  /** Member object ids: users, groups and service principals. */
  members: string[];
  licenses: string[];
  /** Set at creation only; such a group can hold roles and cannot have groups as members. */
  isAssignableToRole: boolean;
  kind: NonNullable<FixtureEntraGroup['kind']>;
  synced: boolean;
  team: boolean;
  /** Owner object ids. */
  owners: string[];
  /** The primary SMTP address of a mail-enabled group. */
  mail: string | null;
}

export interface ServicePrincipalRecord {
  id: string;
  appId: string;
  displayName: string;
}

/** A unifiedRoleDefinition: built-in ones carry their template id as id; custom ones are isBuiltIn false. */
export interface RoleDefinitionRecord {
  id: string;
  displayName: string;
  description: string;
  isBuiltIn: boolean;
  templateId: string;
}

/** An active unifiedRoleAssignment, or (eligible) a unifiedRoleEligibilityScheduleInstance. */
export interface RoleAssignmentRecord {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  /** `/` for the tenant, `/administrativeUnits/{id}` for an administrative unit. */
  directoryScopeId: string;
  eligible: boolean;
}

export interface AdministrativeUnitRecord {
  id: string;
  displayName: string;
}

export interface RoleRecord {
  id: string;
  displayName: string;
  roleTemplateId: string;
  description: string;
  members: string[];
}

export interface MailboxRecord extends MailboxItems {
  userId: string;
  name: string;
  alias: string;
  primarySmtpAddress: string;
  guid: string;
  recipientTypeDetails: 'UserMailbox' | 'SharedMailbox';
  hiddenFromAddressListsEnabled: boolean;
  permissions: SimMailboxPermissionState[];
  messages: SimMessageState[];
  /** The object id of the user whose mailbox the forwarded mail goes to. */
  forwardingTo: string | null;
  forwardingSmtpAddress: string | null;
  deliverToMailboxAndForward: boolean;
  autoReply: SimAutoReplyState;
}

export interface SiteRecord {
  url: string;
  title: string;
  ownerId: string;
  template: string;
  /** Admin UPNs in the order they were added. */
  admins: string[];
  siteId: string;
}

/** Built-in role template ids, so that guards keyed on well-known ids see real values. */
const ROLE_TEMPLATES: Record<string, { id: string; description: string }> = {
  'Global Administrator': { id: '62e90394-69f5-4237-9190-012177145e10', description: 'Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.' },
  'User Administrator': { id: 'fe930be7-5e62-47db-91af-98c3a49a38b1', description: 'Can manage all aspects of users and groups, including resetting passwords for limited admins.' },
  'Exchange Administrator': { id: '29232cdf-9323-42fd-ade2-1d097af3e4de', description: 'Can manage all aspects of the Exchange product.' },
  'SharePoint Administrator': { id: 'f28a1f50-f6e7-4571-818b-6a12f2af6b6c', description: 'Can manage all aspects of the SharePoint service.' },
  'Privileged Role Administrator': { id: 'e8611ab8-c189-46e8-94e1-60213ab1f814', description: 'Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management.' },
  'Helpdesk Administrator': { id: '729827e3-9c14-49f7-bb1b-9608f156bbb8', description: 'Can reset passwords for non-administrators and Helpdesk Administrators.' },
};

const MAIL_ENABLED = new Set<FixtureEntraGroup['kind']>(['unified', 'distribution', 'mail-security']);

/** The method types that can be a default MFA method: the first such method of a user is its default. */
const DEFAULT_CAPABLE = new Set<FixtureAuthMethod['type']>(['microsoftAuthenticator', 'phone', 'softwareOath', 'fido2']);

/** The OneDrive path segment of a UPN, as SharePoint forms it: lower case, `.` and `@` replaced with `_`. */
export function oneDriveSlug(upn: string): string {
  return upn.toLowerCase().replace(/[.@]/g, '_');
}

const lower = (s: string): string => s.toLowerCase();

export class Tenant {
  readonly users = new Map<string, UserRecord>();
  /** By lower-cased userPrincipalName (which no API here changes). */
  private readonly byUpn = new Map<string, UserRecord>();
  readonly groups = new Map<string, GroupRecord>();
  readonly roles = new Map<string, RoleRecord>();
  readonly servicePrincipals = new Map<string, ServicePrincipalRecord>();
  readonly roleDefinitions = new Map<string, RoleDefinitionRecord>();
  readonly roleAssignments: RoleAssignmentRecord[] = [];
  readonly administrativeUnits = new Map<string, AdministrativeUnitRecord>();
  readonly pimLicensed: boolean;
  readonly mailboxes = new Map<string, MailboxRecord>();
  /** By lower-cased URL without trailing slash. */
  readonly sites = new Map<string, SiteRecord>();
  readonly skus: { skuId: string; skuPartNumber: string }[];
  readonly info: Fixture['tenant'];
  readonly domain: Fixture['domain'];

  constructor(fixture: Fixture, sids: Record<string, string>) {
    const created = '2024-03-01T09:00:00Z';
    this.info = { ...fixture.tenant };
    this.domain = { ...fixture.domain };
    this.skus = fixture.skus.map((s) => ({ ...s }));
    this.pimLicensed = fixture.pimLicensed !== false;
    const tid = fixture.tenant.id;
    const loadedAt = new Date();

    const newGroup = (id: string, displayName: string, isAssignableToRole = false, from?: FixtureEntraGroup): GroupRecord => {
      const g: GroupRecord = {
        id,
        displayName,
        mailNickname: nickname(displayName),
        members: [],
        licenses: [],
        isAssignableToRole,
        kind: from?.kind ?? 'security',
        synced: from?.synced ?? false,
        team: from?.team ?? false,
        owners: [],
        mail: from?.kind && MAIL_ENABLED.has(from.kind) ? `${nickname(displayName).toLowerCase()}@${fixture.domain.upnSuffix}` : null,
      };
      this.groups.set(g.id, g);
      return g;
    };
    for (const g of fixture.entraGroups) newGroup(g.id, g.displayName, false, g);
    const groupNamed = (displayName: string): GroupRecord =>
      [...this.groups.values()].find((g) => lower(g.displayName) === lower(displayName)) ?? newGroup(stableGuid(tid, 'group', displayName), displayName);
    const licenseGroup = (skuId: string): GroupRecord => {
      const part = this.skus.find((s) => s.skuId === skuId)?.skuPartNumber ?? skuId;
      const g = groupNamed(`Licensing - ${part}`);
      if (!g.licenses.includes(skuId)) g.licenses.push(skuId);
      return g;
    };
    const roleNamed = (displayName: string): RoleRecord => {
      const existing = [...this.roles.values()].find((r) => r.displayName === displayName);
      if (existing) return existing;
      const template = ROLE_TEMPLATES[displayName];
      const r: RoleRecord = {
        id: stableGuid(tid, 'directoryRole', displayName),
        displayName,
        roleTemplateId: template?.id ?? stableGuid('roleTemplate', displayName),
        description: template?.description ?? displayName,
        members: [],
      };
      this.roles.set(r.id, r);
      return r;
    };

    for (const [name, template] of Object.entries(ROLE_TEMPLATES)) {
      this.roleDefinitions.set(template.id, { id: template.id, displayName: name, description: template.description, isBuiltIn: true, templateId: template.id });
    }
    for (const name of fixture.customRoles ?? []) {
      const id = stableGuid(tid, 'customRole', name);
      this.roleDefinitions.set(id, { id, displayName: name, description: name, isBuiltIn: false, templateId: id });
    }
    const definitionNamed = (name: string): RoleDefinitionRecord => {
      const found = [...this.roleDefinitions.values()].find((d) => d.displayName === name);
      if (found) return found;
      // A built-in role the table above does not list: a stable stand-in template id.
      const id = stableGuid('roleTemplate', name);
      const d: RoleDefinitionRecord = { id, displayName: name, description: name, isBuiltIn: true, templateId: id };
      this.roleDefinitions.set(id, d);
      return d;
    };
    const scopeOf = (unit: string | undefined): string => {
      if (unit === undefined) return '/';
      const id = stableGuid(tid, 'administrativeUnit', unit);
      this.administrativeUnits.set(id, { id, displayName: unit });
      return `/administrativeUnits/${id}`;
    };
    const grant = (principalId: string, g: FixtureRoleGrant): void => {
      const definition = definitionNamed(g.role);
      const directoryScopeId = scopeOf(g.administrativeUnit);
      const eligible = g.eligible === true;
      // Graph's assignment ids are opaque strings; these are stable and distinct per principal, role, scope and kind.
      const id = `${Buffer.from(stableGuid(principalId, definition.id, directoryScopeId).replace(/-/g, ''), 'hex').toString('base64url')}-1${eligible ? '-e' : ''}`;
      this.roleAssignments.push({ id, principalId, roleDefinitionId: definition.id, directoryScopeId, eligible });
      // /directoryRoles shows only active, tenant-wide assignments of built-in roles.
      if (!eligible && directoryScopeId === '/' && definition.isBuiltIn) roleNamed(g.role).members.push(principalId);
    };
    for (const rg of fixture.roleGroups ?? []) {
      const group = newGroup(stableGuid(tid, 'group', rg.displayName), rg.displayName, true);
      for (const name of rg.servicePrincipals ?? []) {
        const sp: ServicePrincipalRecord = { id: stableGuid(tid, 'servicePrincipal', name), appId: stableGuid(tid, 'app', name), displayName: name };
        this.servicePrincipals.set(sp.id, sp);
        group.members.push(sp.id);
      }
      for (const r of rg.roles) grant(group.id, r);
    }

    const idByKey = new Map<string, string>();
    for (const p of fixture.people) if (p.cloud) idByKey.set(p.key, (p.cloud.id ?? stableGuid(tid, 'user', p.key)).toLowerCase());

    for (const p of fixture.people) {
      const cloud = p.cloud;
      if (!cloud) continue;
      const id = idByKey.get(p.key) as string; // set in the loop above for every person with `cloud`
      const synced = cloud.synced ?? p.sam !== undefined;
      const uac = p.userAccountControl ?? 512;
      const user: UserRecord = {
        key: p.key,
        id,
        userPrincipalName: cloud.userPrincipalName ?? p.userPrincipalName,
        userType: cloud.userType ?? 'Member',
        mail: p.mail ?? null,
        displayName: p.displayName,
        givenName: p.givenName,
        surname: p.surname,
        accountEnabled: cloud.accountEnabled ?? (synced ? (uac & 2) === 0 : true),
        synced,
        onPremisesSecurityIdentifier: cloud.sidOverride ?? (synced ? (sids[p.key] ?? null) : null),
        onPremisesSamAccountName: synced ? (p.sam ?? null) : null,
        employeeId: p.employeeId ?? null,
        jobTitle: null,
        usageLocation: 'US',
        managerId: p.manager ? (idByKey.get(p.manager) ?? null) : null,
        directLicenses: [...(cloud.licenses ?? [])],
        signInSessionsValidFromDateTime: null,
        revocations: [],
        onedrive: cloud.onedrive !== false,
        createdDateTime: created,
        authMethods: (cloud.authMethods ?? []).map((method, i) => ({ id: stableGuid(tid, 'authMethod', p.key, String(i)), method, createdDateTime: created })),
        defaultMethodId: null,
      };
      user.defaultMethodId = user.authMethods.find((m) => DEFAULT_CAPABLE.has(m.method.type))?.id ?? null;
      this.users.set(id, user);
      this.byUpn.set(lower(user.userPrincipalName), user);
      for (const name of cloud.groups ?? []) groupNamed(name).members.push(id);
      for (const g of fixture.entraGroups) if (g.owners?.includes(p.key)) this.groups.get(g.id)?.owners.push(id);
      for (const sku of cloud.groupLicenses ?? []) licenseGroup(sku).members.push(id);
      for (const role of cloud.roles ?? []) grant(id, { role });
      for (const g of cloud.roleGrants ?? []) grant(id, g);

      const mailboxType = cloud.mailbox === undefined ? 'UserMailbox' : cloud.mailbox;
      if (mailboxType !== null) {
        const address = p.mail ?? p.userPrincipalName;
        const alias = address.split('@')[0];
        this.mailboxes.set(id, {
          userId: id,
          // Exchange names a synced mailbox after its AD cn, a cloud one after its alias.
          name: synced ? p.displayName : alias,
          alias,
          primarySmtpAddress: address,
          guid: stableGuid(tid, 'mailbox', p.key),
          recipientTypeDetails: mailboxType,
          hiddenFromAddressListsEnabled: cloud.hiddenFromAddressLists ?? false,
          permissions: [],
          messages: [],
          ...mailboxItems(cloud.mailboxItems, tid, p.key, loadedAt),
          forwardingTo: null,
          forwardingSmtpAddress: null,
          deliverToMailboxAndForward: false,
          autoReply: { autoReplyState: 'Disabled', internalMessage: null, externalMessage: null, externalAudience: 'All', startTime: null, endTime: null },
        });
      }
      if (user.onedrive) {
        const url = `${fixture.tenant.oneDriveHost}/personal/${oneDriveSlug(p.userPrincipalName)}`;
        this.sites.set(siteKey(url), {
          url,
          title: p.displayName,
          ownerId: id,
          template: 'SPSPERS#10',
          admins: [p.userPrincipalName],
          siteId: stableGuid(tid, 'site', p.key),
        });
      }
    }
  }

  /** A user by object id or userPrincipalName (case-insensitive), as Graph resolves `/users/{id | userPrincipalName}`. */
  findUser(idOrUpn: string): UserRecord | undefined {
    const key = lower(idOrUpn);
    return this.users.get(key) ?? this.byUpn.get(key);
  }

  userById(id: string): UserRecord | undefined {
    return this.users.get(lower(id));
  }

  groupsOf(userId: string): GroupRecord[] {
    return [...this.groups.values()].filter((g) => g.members.includes(userId));
  }

  rolesOf(userId: string): RoleRecord[] {
    return [...this.roles.values()].filter((r) => r.members.includes(userId));
  }

  /** Direct licences first, then group-inherited ones, as Graph lists licenseAssignmentStates. */
  licenseStates(user: UserRecord): { skuId: string; assignedByGroup: string | null }[] {
    const states: { skuId: string; assignedByGroup: string | null }[] = user.directLicenses.map((skuId) => ({ skuId, assignedByGroup: null }));
    for (const g of this.groupsOf(user.id)) for (const skuId of g.licenses) states.push({ skuId, assignedByGroup: g.id });
    return states;
  }

  assignedSkus(user: UserRecord): string[] {
    return [...new Set(this.licenseStates(user).map((s) => s.skuId))];
  }

  siteByUrl(url: string): SiteRecord | undefined {
    return this.sites.get(siteKey(url));
  }

  oneDriveOf(user: UserRecord): SiteRecord | undefined {
    if (!user.onedrive) return undefined;
    return [...this.sites.values()].find((s) => s.ownerId === user.id && s.template.startsWith('SPSPERS'));
  }

  /**
   * Saves what the write APIs change (users, groups, mailboxes, sites) and returns the function that puts it back, in
   * the same record objects: a silently dropped write runs as usual and then leaves no trace in the state.
   */
  checkpoint(): () => void {
    const saved = (<T extends object>(records: Map<string, T>) => {
      const copies = [...records].map(([key, record]) => ({ key, record, copy: structuredClone(record) }));
      return () => {
        records.clear();
        for (const { key, record, copy } of copies) records.set(key, Object.assign(record, copy));
      };
    });
    const restores = [saved(this.users), saved(this.groups), saved(this.mailboxes), saved(this.sites)];
    return () => restores.forEach((restore) => restore());
  }

  snapshot(): Omit<SimState, 'apps'> {
    const users: SimUserState[] = [...this.users.values()].map((u) => ({
      key: u.key,
      id: u.id,
      userPrincipalName: u.userPrincipalName,
      mail: u.mail,
      displayName: u.displayName,
      accountEnabled: u.accountEnabled,
      onPremisesSyncEnabled: u.synced ? true : null,
      onPremisesSecurityIdentifier: u.onPremisesSecurityIdentifier,
      onPremisesSamAccountName: u.onPremisesSamAccountName,
      employeeId: u.employeeId,
      managerId: u.managerId,
      licenses: this.licenseStates(u),
      signInSessionsValidFromDateTime: u.signInSessionsValidFromDateTime,
      revocations: [...u.revocations],
      onedrive: u.onedrive,
      authMethods: u.authMethods.map((m) => ({ id: m.id, ...m.method })),
    }));
    const groups: SimGroupState[] = [...this.groups.values()].map((g) => ({
      id: g.id,
      displayName: g.displayName,
      members: [...g.members],
      licenses: [...g.licenses],
      isAssignableToRole: g.isAssignableToRole,
      owners: [...g.owners],
    }));
    const roleAssignments: SimRoleAssignmentState[] = this.roleAssignments.map((a) => ({
      principalId: a.principalId,
      role: this.roleDefinitions.get(a.roleDefinitionId)?.displayName ?? a.roleDefinitionId,
      directoryScopeId: a.directoryScopeId,
      eligible: a.eligible,
    }));
    const directoryRoles: SimDirectoryRoleState[] = [...this.roles.values()].map((r) => ({
      id: r.id,
      displayName: r.displayName,
      roleTemplateId: r.roleTemplateId,
      members: [...r.members],
    }));
    const mailboxes: SimMailboxState[] = [...this.mailboxes.values()].map((m) => ({
      userId: m.userId,
      userPrincipalName: this.users.get(m.userId)?.userPrincipalName ?? '',
      name: m.name,
      alias: m.alias,
      primarySmtpAddress: m.primarySmtpAddress,
      recipientTypeDetails: m.recipientTypeDetails,
      hiddenFromAddressListsEnabled: m.hiddenFromAddressListsEnabled,
      permissions: m.permissions.map((p) => ({ ...p, accessRights: [...p.accessRights] })),
      messages: m.messages.map((message) => ({ ...message, toRecipients: [...message.toRecipients] })),
      ...structuredClone({ mobileDevices: m.mobileDevices, inboxRules: m.inboxRules, meetings: m.meetings }),
      forwardingAddress: m.forwardingTo ? (this.users.get(m.forwardingTo)?.userPrincipalName ?? m.forwardingTo) : null,
      forwardingSmtpAddress: m.forwardingSmtpAddress,
      deliverToMailboxAndForward: m.deliverToMailboxAndForward,
      autoReply: { ...m.autoReply },
    }));
    const sites: SimSiteState[] = [...this.sites.values()].map((s) => ({
      url: s.url,
      title: s.title,
      owner: this.users.get(s.ownerId)?.userPrincipalName ?? '',
      template: s.template,
      admins: [...s.admins],
    }));
    return { tenant: { ...this.info }, skus: this.skus.map((s) => ({ ...s })), users, groups, directoryRoles, roleAssignments, mailboxes, sites };
  }
}

function siteKey(url: string): string {
  return lower(url.trim()).replace(/\/+$/, '');
}

function nickname(displayName: string): string {
  return displayName.replace(/[^A-Za-z0-9]/g, '') || 'group';
}
