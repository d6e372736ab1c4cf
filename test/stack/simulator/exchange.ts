// Exchange Online's admin API (the REST endpoint behind ExchangeOnlineManagement 3.x): mailboxes and permissions.
import { CmdletError, identityHint, Parameters } from './cmdlet.js';
import type { Ctx, Outcome, Reply, Routed } from './core.js';
import { authenticate, EXCHANGE_APP_ID, EXCHANGE_RECIPIENT_ADMINISTRATOR, type SimEnv } from './env.js';
import { AUTO_REPLY_PARAMETERS, autoReplyObject, FORWARDING_PARAMETERS, forwardingProperties, setAutoReply, setForwarding } from './exchange-delivery.js';
import { GROUP_CMDLET_PARAMETERS, invokeGroupCmdlet } from './exo-groups.js';
import { selectProperties, unknownPropertySet } from './exo-property-sets.js';
import { invokeItemCmdlet, ITEM_CMDLET_PARAMETERS } from './exchange-items.js';
import { isObject } from './jwt.js';
import { opathFilter } from './opath.js';
import { cmdletSignature } from './signature.js';
import type { MailboxRecord, Tenant, UserRecord } from './tenant.js';

/** The mailbox server named in Exchange's "couldn't be found" messages. */
const SERVER = 'DB9PR04A07DC003.EURPR04A007.PROD.OUTLOOK.COM';
const AUDIENCES = ['https://outlook.office365.com', EXCHANGE_APP_ID];

/**
 * Template ids of the Entra roles Exchange Online supports for app-only access: Compliance, Exchange and Exchange
 * Recipient, Global, Helpdesk and Security Administrator, Global Reader, Security Reader.
 */
const EXCHANGE_APP_ROLES = new Set([
  '17315797-102d-40b4-93e0-432062caca18',
  '29232cdf-9323-42fd-ade2-1d097af3e4de',
  EXCHANGE_RECIPIENT_ADMINISTRATOR,
  '62e90394-69f5-4237-9190-012177145e10',
  '729827e3-9c14-49f7-bb1b-9608f156bbb8',
  '194ae4cb-b126-40b2-bd5b-6091b380977d',
  'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
  '5d6b6bb7-de71-4623-b4af-96380a352509',
]);

/** Parameters each cmdlet acts on; Force is accepted and has no effect. */
const CMDLET_PARAMETERS: Record<string, string[]> = {
  'Get-EXOMailbox': ['Identity', 'UserPrincipalName', 'PrimarySmtpAddress', 'ExternalDirectoryObjectId', 'ResultSize', 'RecipientTypeDetails', 'Properties', 'PropertySets', 'Filter'],
  'Get-Mailbox': ['Identity', 'ResultSize', 'RecipientTypeDetails'],
  'Get-MailboxPermission': ['Identity', 'User', 'ResultSize'],
  'Get-EXOMailboxPermission': ['Identity', 'User', 'ResultSize'],
  'Add-MailboxPermission': ['Identity', 'User', 'AccessRights', 'InheritanceType', 'AutoMapping', 'Deny'],
  'Remove-MailboxPermission': ['Identity', 'User', 'AccessRights', 'InheritanceType', 'Deny'],
  'Set-Mailbox': ['Identity', 'Type', 'HiddenFromAddressListsEnabled', 'Force', ...FORWARDING_PARAMETERS],
  ...AUTO_REPLY_PARAMETERS,
  ...GROUP_CMDLET_PARAMETERS,
  ...ITEM_CMDLET_PARAMETERS,
};

/**
 * The mailbox properties a -Filter may name here: those of the simulator's mailbox objects that "Filterable properties
 * for the Filter parameter" lists (https://learn.microsoft.com/powershell/exchange/filter-properties), less the ones
 * "Filters in the Exchange Online PowerShell module" says Get-EXOMailbox cannot filter on
 * (https://learn.microsoft.com/powershell/exchange/filters-v2#unsupported-filterable-properties).
 */
const FILTERABLE = ['Alias', 'DisplayName', 'DistinguishedName', 'ExternalDirectoryObjectId', 'Guid', 'Name', 'PrimarySmtpAddress', 'RecipientType', 'RecipientTypeDetails', 'UserPrincipalName'];

const ACCESS_RIGHTS = ['ChangeOwner', 'ChangePermission', 'DeleteItem', 'ExternalAccount', 'FullAccess', 'ReadPermission'];
const INHERITANCE = ['None', 'All', 'Children', 'Descendents', 'SelfAndChildren'];

export function routeExchange(env: SimEnv, ctx: Ctx): Routed | undefined {
  const segments = ctx.url.pathname.split('/').filter(Boolean);
  if (ctx.url.pathname === '/_sim/exo/connect') {
    return { resource: 'exchange', op: 'exo.connect', signature: 'exchange Connect-ExchangeOnline', latency: 'exo.connect', faultReply: exoFault, run: () => connect(env, ctx) };
  }
  if (segments.length === 4 && segments[0] === 'adminapi' && segments[1] === 'beta' && segments[3] === 'InvokeCommand') {
    const organization = decodeURIComponent(segments[2]);
    let input: unknown;
    try {
      input = JSON.parse(ctx.body.toString('utf8'));
    } catch {
      input = undefined;
    }
    const cmdletInput = isObject(input) && isObject(input.CmdletInput) ? input.CmdletInput : undefined;
    const name = cmdletInput && typeof cmdletInput.CmdletName === 'string' ? cmdletInput.CmdletName : undefined;
    return {
      resource: 'exchange',
      op: `exo.cmdlet.${name ?? 'invalid'}`,
      signature: cmdletSignature('exchange', name ?? 'invalid', cmdletInput?.Parameters),
      latency: 'exo.cmdlet',
      faultReply: exoFault,
      run: () => invoke(env, ctx, organization, name, cmdletInput?.Parameters),
    };
  }
  return undefined;
}

function exoFault(kind: 'throttle' | 'unavailable', retryAfter: number | undefined): Reply {
  const headers = retryAfter === undefined ? undefined : { 'Retry-After': String(retryAfter) };
  if (kind === 'throttle') {
    return { status: 429, headers, json: { error: { code: 'TooManyRequests', message: 'The request was throttled. Retry after the interval in the Retry-After header.' } } };
  }
  return { status: 503, headers, json: { error: { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable. Please try again later.' } } };
}

function authorize(env: SimEnv, ctx: Ctx): { appId: string } | Reply {
  const auth = authenticate(env, headerOf(ctx, 'authorization'), AUDIENCES);
  if (!auth.ok) {
    return {
      status: 401,
      headers: {
        'WWW-Authenticate': `Bearer client_id="${EXCHANGE_APP_ID}", trusted_issuers="00000001-0000-0000-c000-000000000000@*", token_types="app_asserted_user_v1 service_asserted_app_v1", error="invalid_token"`,
      },
      json: { error: { code: 'Unauthorized', message: auth.message } },
    };
  }
  if (!auth.roles.includes('Exchange.ManageAsApp')) {
    // Without the Office 365 Exchange Online permission the module's connect fails with a bare "UnAuthorized"
    // (System.UnauthorizedAccessException), as users report it:
    // https://support.oneidentity.com/identity-manager/kb/4381137/error-unauthorized-when-setting-up-exchange-online-connector
    return { status: 401, json: { error: { code: 'System.UnauthorizedAccessException', message: 'UnAuthorized' } } };
  }
  if (!auth.wids.some((role) => EXCHANGE_APP_ROLES.has(role))) {
    // With the permission but none of the Entra roles Exchange accepts for app-only access, the connect fails with this
    // text (Microsoft365DSC/Microsoft365DSC#4530, maester365/maester#718); the roles are those of "Assign Microsoft
    // Entra roles to the application": https://learn.microsoft.com/powershell/exchange/app-only-auth-powershell-v2
    return {
      status: 403,
      json: {
        error: {
          code: 'Forbidden',
          message: `The role assigned to application ${auth.appId} isn't supported in this scenario. Please check online documentation for assigning correct Directory Roles to Azure AD Application for EXO App-Only Authentication.`,
        },
      },
    };
  }
  return { appId: auth.appId };
}

function headerOf(ctx: Ctx, name: string): string | undefined {
  const v = ctx.req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function knownOrganization(env: SimEnv, organization: string): boolean {
  const o = organization.toLowerCase();
  return o === env.organization.toLowerCase() || o === env.tenantId.toLowerCase();
}

function connect(env: SimEnv, ctx: Ctx): Outcome {
  const auth = authorize(env, ctx);
  if ('status' in auth) return { reply: auth };
  let body: unknown;
  try {
    body = JSON.parse(ctx.body.toString('utf8') || '{}');
  } catch {
    body = {};
  }
  const sent = isObject(body) ? Object.entries(body).find(([k]) => k.toLowerCase() === 'organization')?.[1] : undefined;
  const organization = typeof sent === 'string' ? sent : env.organization;
  // The cmdlets the connect loaded (its -CommandName), as the stand-in reports them: kept in the log.
  const loaded = isObject(body) && Array.isArray(body.commandName) ? body.commandName.filter((c): c is string => typeof c === 'string') : undefined;
  if (!knownOrganization(env, organization)) {
    return { reply: { status: 400, json: { error: { code: 'BadRequest', message: `The organization '${organization}' is not valid for this tenant.` } } }, appId: auth.appId };
  }
  return {
    reply: { status: 200, json: { organization: env.organization, tenantId: env.tenantId, appId: auth.appId, connectedAt: new Date().toISOString() } },
    appId: auth.appId,
    ...(loaded ? { commands: loaded } : {}),
  };
}

/**
 * The admin API's error body. On the wire Exchange puts "Error executing cmdlet" in `message` and the
 * "Ex…|<exception type>|<text>" line in `details`; here `code` and `message` carry the exception type and text as
 * well, which is what the V3 module turns into its "Ex…|type|text" error record.
 */
function errorReply(e: CmdletError): Reply {
  const errorId = e.status === 404 ? 'Ex6F9304' : 'Ex0D1C49';
  return {
    status: e.status,
    json: {
      error: {
        code: e.exception,
        message: e.message,
        details: [{ code: 'Context', target: '', message: `${errorId}|${e.exception}|${e.message}` }],
        innererror: { message: 'Error executing cmdlet', type: 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException' },
      },
    },
  };
}

function notFound(identity: string): CmdletError {
  return new CmdletError(404, 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException', `The operation couldn't be performed because object '${identity}' couldn't be found on '${SERVER}'.`);
}

function invoke(env: SimEnv, ctx: Ctx, organization: string, name: string | undefined, rawParameters: unknown): Outcome {
  const auth = authorize(env, ctx);
  if ('status' in auth) return { reply: auth };
  const appId = auth.appId;
  if (!knownOrganization(env, organization)) {
    return { reply: { status: 401, json: { error: { code: 'Unauthorized', message: `The organization '${organization}' does not match the token's tenant.` } } }, appId };
  }
  if (!name) return { reply: { status: 400, json: { error: { code: 'BadRequest', message: 'The request body must be {"CmdletInput":{"CmdletName":…,"Parameters":{…}}}.' } } }, appId };
  const allowed = Object.entries(CMDLET_PARAMETERS).find(([k]) => k.toLowerCase() === name.toLowerCase());
  const tenant = env.tenant();
  // Until the target resolves, the log names it as it was sent.
  let user = identityHint(rawParameters, ['Identity', 'UserPrincipalName', 'PrimarySmtpAddress', 'ExternalDirectoryObjectId', 'Mailbox']);
  try {
    if (!allowed) {
      throw new CmdletError(400, 'System.Management.Automation.CommandNotFoundException', `The term '${name}' is not recognized as a name of a cmdlet, function, script file, or executable program.`);
    }
    const [cmdlet, names] = allowed;
    const p = new Parameters(cmdlet, rawParameters, names);
    const warnings: string[] = [];
    let verbose: string[] = [];
    let value: unknown[] = [];
    switch (cmdlet) {
      case 'Get-EXOMailbox':
      case 'Get-Mailbox': {
        const identity = p.string('Identity') ?? p.string('UserPrincipalName') ?? p.string('PrimarySmtpAddress') ?? p.string('ExternalDirectoryObjectId');
        let mailboxes: MailboxRecord[];
        if (identity !== undefined) {
          const m = findMailbox(tenant, identity);
          user = tenant.userById(m.userId)?.userPrincipalName;
          mailboxes = [m];
        } else {
          mailboxes = [...tenant.mailboxes.values()];
        }
        // -Filter: an OPATH filter on the mailboxes' properties (opath.ts), applied before -ResultSize counts them.
        const filter = p.string('Filter');
        if (filter !== undefined) {
          const test = opathFilter(filter, FILTERABLE);
          mailboxes = mailboxes.filter((m) => test(mailboxObject(tenant, m, env.organization)));
        }
        const types = p.list('RecipientTypeDetails');
        if (types) mailboxes = mailboxes.filter((m) => types.some((t) => t.toLowerCase() === m.recipientTypeDetails.toLowerCase()));
        // "-ResultSize … specifies the maximum number of results to return … use the value unlimited" (Get-EXOMailbox reference).
        const resultSize = p.string('ResultSize');
        if (resultSize !== undefined && resultSize.toLowerCase() !== 'unlimited') {
          const limit = Number(resultSize);
          if (!Number.isInteger(limit) || limit < 1) {
            throw new CmdletError(400, 'System.Management.Automation.ParameterBindingException', `Cannot bind parameter 'ResultSize'. Cannot convert value "${resultSize}" to type "Microsoft.Exchange.Data.Unlimited\`1[System.UInt32]".`);
          }
          mailboxes = mailboxes.slice(0, limit);
        }
        value = mailboxes.map((m) => mailboxObject(tenant, m, env.organization));
        if (cmdlet === 'Get-EXOMailbox') {
          const sets = p.list('PropertySets') ?? [];
          const unknown = unknownPropertySet(sets);
          if (unknown !== undefined) {
            throw new CmdletError(400, 'System.Management.Automation.ParameterBindingException', `Cannot bind parameter 'PropertySets'. Cannot convert value "${unknown}" to type "Microsoft.Exchange.Management.RestApiClient.GetExoMailbox+PropertySet".`);
          }
          value = value.map((mailbox) => selectProperties(mailbox as Record<string, unknown>, p.list('Properties') ?? [], sets));
        }
        break;
      }
      case 'Get-MailboxPermission':
      case 'Get-EXOMailboxPermission': {
        const m = findMailbox(tenant, p.required('Identity'));
        user = tenant.userById(m.userId)?.userPrincipalName;
        const grantee = p.string('User');
        const filterUser = grantee !== undefined ? findPrincipal(tenant, grantee) : undefined;
        value = permissionRows(m).filter((row) => !filterUser || row.User.toLowerCase() === filterUser.userPrincipalName.toLowerCase());
        break;
      }
      case 'Add-MailboxPermission': {
        const m = findMailbox(tenant, p.required('Identity'));
        user = tenant.userById(m.userId)?.userPrincipalName;
        const grantee = findPrincipal(tenant, p.required('User'));
        const rights = accessRights(p);
        const inheritance = inheritanceType(p);
        const deny = p.boolean('Deny') ?? false;
        // An access control entry is one trustee's rights of one type (allow or deny) and one inheritance: a grant that
        // matches one adds its missing rights to it, and one whose rights it holds already changes nothing and warns
        // 'The appropriate access control entry is already present on the object "…" for account "…".', the text of
        // Exchange's warning that scripts test for (its companion on removal, "Can't remove the access control entry …
        // because the ACE doesn't exist on the object", is quoted in
        // https://social.technet.microsoft.com/wiki/contents/articles/31321.exchange-serveronline-the-ace-doesn-t-exist-on-the-object.aspx).
        // So the warning says that an entry of this type and inheritance held these rights; it says nothing of entries
        // of another type (a Deny) or inheritance.
        const existing = m.permissions.find((x) => x.user.toLowerCase() === grantee.userPrincipalName.toLowerCase() && x.inheritanceType === inheritance && x.deny === deny);
        if (existing) {
          const missing = rights.filter((r) => !existing.accessRights.includes(r));
          if (missing.length === 0) {
            // Nothing changes, AutoMapping included: the way to turn automapping off for a delegate who has FullAccess
            // is to remove the permission and add it back with -AutoMapping:$false (Microsoft's support procedure, as
            // quoted in https://www.goktay.net/office365-shared-mailbox-remove-automapping).
            warnings.push(`The appropriate access control entry is already present on the object "${m.name}" for account "${grantee.userPrincipalName}".`);
          } else {
            existing.accessRights.push(...missing);
            existing.autoMapping = p.boolean('AutoMapping') ?? existing.autoMapping;
          }
          value = [permissionRow(m, existing.user, existing.accessRights, existing.inheritanceType, existing.deny)];
        } else {
          const entry = { user: grantee.userPrincipalName, accessRights: rights, inheritanceType: inheritance, autoMapping: p.boolean('AutoMapping') ?? true, deny };
          m.permissions.push(entry);
          value = [permissionRow(m, entry.user, entry.accessRights, entry.inheritanceType, entry.deny)];
        }
        break;
      }
      case 'Remove-MailboxPermission': {
        const m = findMailbox(tenant, p.required('Identity'));
        user = tenant.userById(m.userId)?.userPrincipalName;
        const grantee = findPrincipal(tenant, p.required('User'));
        const rights = accessRights(p);
        const deny = p.boolean('Deny') ?? false;
        // The entry of this type and inheritance (-InheritanceType, All when not given, as Add-MailboxPermission grants):
        // https://learn.microsoft.com/powershell/module/exchangepowershell/remove-mailboxpermission
        const inheritance = inheritanceType(p);
        const entry = m.permissions.find((x) => x.user.toLowerCase() === grantee.userPrincipalName.toLowerCase() && x.deny === deny && x.inheritanceType === inheritance);
        if (!entry || !rights.some((r) => entry.accessRights.includes(r))) {
          warnings.push(`Can't remove the access control entry on the object "${m.name}" for account "${grantee.userPrincipalName}" because the ACE doesn't exist on the object.`);
        } else {
          entry.accessRights = entry.accessRights.filter((r) => !rights.includes(r));
          if (entry.accessRights.length === 0) m.permissions.splice(m.permissions.indexOf(entry), 1);
        }
        break;
      }
      case 'Set-Mailbox': {
        const m = findMailbox(tenant, p.required('Identity'));
        const owner = tenant.userById(m.userId);
        user = owner?.userPrincipalName;
        let changed = false;
        const type = p.string('Type');
        if (type !== undefined) {
          const target = /^shared$/i.test(type) ? 'SharedMailbox' : /^regular$/i.test(type) ? 'UserMailbox' : undefined;
          if (!target) {
            throw new CmdletError(400, 'System.Management.Automation.ParameterBindingException', `Cannot bind parameter 'Type'. Cannot convert value "${type}" to type "Microsoft.Exchange.Data.Directory.Management.ConvertibleMailboxSubType". Error: "Unable to match the identifier name ${type} to a valid enumerator name. Specify one of the following enumerator names and try again: Regular, Room, Equipment, Shared"`);
          }
          if (m.recipientTypeDetails !== target) {
            m.recipientTypeDetails = target;
            changed = true;
          }
        }
        const hidden = p.boolean('HiddenFromAddressListsEnabled');
        if (hidden !== undefined && hidden !== m.hiddenFromAddressListsEnabled) {
          if (owner?.synced) {
            throw new CmdletError(400, 'Microsoft.Exchange.Configuration.Tasks.TaskException', `An error occurred while updating a property. The operation on mailbox "${m.name}" failed because it's out of the current user's write scope. The action 'Set-Mailbox', 'HiddenFromAddressListsEnabled', can't be performed on the object '${m.name}' because the object is being synchronized from your on-premises organization. This action should be performed on the object in your on-premises organization.`);
          }
          m.hiddenFromAddressListsEnabled = hidden;
          changed = true;
        }
        if (setForwarding(p, m, (identity) => findMailbox(tenant, identity))) changed = true;
        if (!changed) warnings.push(`The command completed successfully but no settings of '${m.name}' have been modified.`);
        break;
      }
      case 'Get-MailboxAutoReplyConfiguration': {
        const m = findMailbox(tenant, p.required('Identity'));
        user = tenant.userById(m.userId)?.userPrincipalName;
        value = [autoReplyObject(m)];
        break;
      }
      case 'Set-MailboxAutoReplyConfiguration': {
        const m = findMailbox(tenant, p.required('Identity'));
        user = tenant.userById(m.userId)?.userPrincipalName;
        if (!setAutoReply(p, m)) warnings.push(`The command completed successfully but no settings of '${m.name}' have been modified.`);
        break;
      }
      default:
        if (cmdlet in GROUP_CMDLET_PARAMETERS) {
          user = invokeGroupCmdlet(tenant, cmdlet, p, notFound);
        } else {
          const result = invokeItemCmdlet(cmdlet, p, { tenant, findMailbox: (identity) => findMailbox(tenant, identity), notFound, appId, now: new Date() });
          ({ value, verbose } = result);
          warnings.push(...result.warnings);
          user = result.user ?? user;
        }
    }
    return {
      appId,
      user,
      reply: {
        status: 200,
        json: {
          '@odata.context': `${env.url}/adminapi/beta/${organization}/$metadata#Collection(Exchange.GenericHashTable)`,
          'adminapi.warnings@odata.type': '#Collection(String)',
          '@adminapi.warnings': warnings,
          // The stand-in's carrier for what the cmdlet writes to the verbose stream (the module shows it with -Verbose).
          ...(verbose.length > 0 ? { '@adminapi.verbose': verbose } : {}),
          value,
        },
      },
    };
  } catch (e) {
    if (e instanceof CmdletError) return { reply: errorReply(e), appId, user };
    throw e;
  }
}

function accessRights(p: Parameters): string[] {
  const rights = p.list('AccessRights');
  if (!rights || rights.length === 0) {
    throw new CmdletError(400, 'System.Management.Automation.ParameterBindingException', 'Cannot process command because of one or more missing mandatory parameters: AccessRights.');
  }
  return rights.map((r) => {
    const known = ACCESS_RIGHTS.find((a) => a.toLowerCase() === r.toLowerCase());
    if (!known) {
      throw new CmdletError(400, 'System.Management.Automation.ParameterBindingException', `Cannot bind parameter 'AccessRights'. Cannot convert value "${r}" to type "Microsoft.Exchange.Management.RecipientTasks.MailboxRights". Error: "Unable to match the identifier name ${r} to a valid enumerator name. Specify one of the following enumerator names and try again: ${ACCESS_RIGHTS.join(', ')}"`);
    }
    return known;
  });
}

function inheritanceType(p: Parameters): string {
  const raw = p.string('InheritanceType') ?? 'All';
  const known = INHERITANCE.find((i) => i.toLowerCase() === raw.toLowerCase());
  if (!known) {
    throw new CmdletError(400, 'System.Management.Automation.ParameterBindingException', `Cannot bind parameter 'InheritanceType'. Cannot convert value "${raw}" to type "System.DirectoryServices.ActiveDirectorySecurityInheritance".`);
  }
  return known;
}

/** Resolves a mailbox identity as Exchange does: UPN, SMTP address, alias, name, display name, object id or GUID. */
function findMailbox(tenant: Tenant, identity: string): MailboxRecord {
  const wanted = identity.trim().replace(/^smtp:/i, '').toLowerCase();
  const matches = [...tenant.mailboxes.values()].filter((m) => {
    const u = tenant.userById(m.userId);
    return [m.primarySmtpAddress, m.alias, m.name, m.guid, m.userId, u?.userPrincipalName, u?.displayName]
      .some((v) => v !== undefined && v.toLowerCase() === wanted);
  });
  if (matches.length === 0) throw notFound(identity);
  if (matches.length > 1) {
    throw new CmdletError(400, 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException', `The operation couldn't be performed because '${identity}' matches multiple entries.`);
  }
  return matches[0];
}

/** Resolves a security principal (-User): any user of the tenant, by UPN, mail, alias, display name or object id. */
function findPrincipal(tenant: Tenant, identity: string): UserRecord {
  const wanted = identity.trim().toLowerCase();
  const matches = [...tenant.users.values()].filter((u) => {
    const m = tenant.mailboxes.get(u.id);
    return [u.userPrincipalName, u.mail ?? undefined, u.id, u.displayName, m?.alias, m?.name].some((v) => v !== undefined && v.toLowerCase() === wanted);
  });
  if (matches.length === 0) throw notFound(identity);
  if (matches.length > 1) {
    throw new CmdletError(400, 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException', `The operation couldn't be performed because '${identity}' matches multiple entries.`);
  }
  return matches[0];
}

function mailboxObject(tenant: Tenant, m: MailboxRecord, organization: string): Record<string, unknown> {
  const u = tenant.userById(m.userId);
  return {
    Identity: m.name,
    Id: m.name,
    DistinguishedName: `CN=${m.name},OU=${organization},OU=Microsoft Exchange Hosted Organizations,DC=EURPR04A007,DC=PROD,DC=OUTLOOK,DC=COM`,
    ExchangeVersion: '0.20 (15.0.0.0)',
    OrganizationId: `EURPR04A007.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/${organization} - EURPR04A007.PROD.OUTLOOK.COM/ConfigurationUnits/${organization}/Configuration`,
    Name: m.name,
    Alias: m.alias,
    DisplayName: u?.displayName ?? m.name,
    UserPrincipalName: u?.userPrincipalName ?? '',
    PrimarySmtpAddress: m.primarySmtpAddress,
    EmailAddresses: [`SMTP:${m.primarySmtpAddress}`],
    RecipientType: 'UserMailbox',
    RecipientTypeDetails: m.recipientTypeDetails,
    HiddenFromAddressListsEnabled: m.hiddenFromAddressListsEnabled,
    ...forwardingProperties(tenant, m),
    ExternalDirectoryObjectId: m.userId,
    Guid: m.guid,
    IsDirSynced: u?.synced ?? false,
    AccountDisabled: u ? !u.accountEnabled : false,
  };
}

interface PermissionRow {
  Identity: string;
  User: string;
  AccessRights: string[];
  IsInherited: boolean;
  Deny: boolean;
  InheritanceType: string;
}

function permissionRow(m: MailboxRecord, user: string, rights: string[], inheritance: string, deny: boolean): PermissionRow {
  return { Identity: m.name, User: user, AccessRights: [...rights], IsInherited: false, Deny: deny, InheritanceType: inheritance };
}

/** What Get-MailboxPermission lists: the owner's own NT AUTHORITY\SELF entry, then explicit grants. */
function permissionRows(m: MailboxRecord): PermissionRow[] {
  return [
    permissionRow(m, 'NT AUTHORITY\\SELF', ['FullAccess', 'ReadPermission'], 'All', false),
    ...m.permissions.map((x) => permissionRow(m, x.user, x.accessRights, x.inheritanceType, x.deny)),
  ];
}
