// Exchange Online's distribution group membership cmdlets over the simulated tenant's mail-enabled groups.
import { CmdletError, type Parameters } from './cmdlet.js';
import type { GroupRecord, Tenant, UserRecord } from './tenant.js';

/** Parameters each cmdlet acts on, from their reference pages. */
export const GROUP_CMDLET_PARAMETERS: Record<string, string[]> = {
  // https://learn.microsoft.com/en-us/powershell/module/exchange/remove-distributiongroupmember
  'Remove-DistributionGroupMember': ['Identity', 'Member', 'BypassSecurityGroupManagerCheck'],
  // https://learn.microsoft.com/en-us/powershell/module/exchange/add-distributiongroupmember
  'Add-DistributionGroupMember': ['Identity', 'Member', 'BypassSecurityGroupManagerCheck'],
};

const TASK = 'Microsoft.Exchange.Management.Tasks';

/**
 * Runs one of GROUP_CMDLET_PARAMETERS' cmdlets; returns the user it was about. `notFound` builds Exchange's
 * "couldn't be found" error for an identity.
 */
export function invokeGroupCmdlet(tenant: Tenant, cmdlet: string, p: Parameters, notFound: (identity: string) => CmdletError): string | undefined {
  const group = findGroup(tenant, p.required('Identity'), notFound);
  const member = findMember(tenant, p.required('Member'), notFound);
  // "If you aren't defined in the ManagedBy property of the group, you need to use this switch in commands that modify
  // the membership of the group" (both reference pages, -BypassSecurityGroupManagerCheck); an app is never in ManagedBy.
  if (p.boolean('BypassSecurityGroupManagerCheck') !== true) {
    throw new CmdletError(400, `${TASK}.RecipientTaskException`, `You don't have sufficient permissions. This operation can only be performed by a manager of the group.`);
  }
  // A group synced from on-premises AD is changed there (https://learn.microsoft.com/en-us/exchange/recipients-in-exchange-online/manage-distribution-groups).
  if (group.synced) {
    throw new CmdletError(400, `${TASK}.RecipientTaskException`, `The action '${cmdlet}', 'Members', can't be performed on the object '${group.displayName}' because the object is being synchronized from your on-premises organization. This action should be performed on the object in your on-premises organization.`);
  }
  const isMember = group.members.includes(member.id);
  if (cmdlet === 'Remove-DistributionGroupMember') {
    if (!isMember) throw new CmdletError(400, `${TASK}.MemberNotFoundException`, `The recipient "${member.userPrincipalName}" isn't a member of the group "${group.displayName}".`);
    group.members = group.members.filter((m) => m !== member.id);
  } else {
    if (isMember) throw new CmdletError(400, `${TASK}.MemberAlreadyExistsException`, `The recipient "${member.userPrincipalName}" is already a member of the group "${group.displayName}".`);
    group.members.push(member.id);
  }
  return member.userPrincipalName;
}

/**
 * A distribution group (a distribution list or mail-enabled security group) by address, name, alias or object id;
 * Microsoft 365 groups and security groups without mail are no distribution groups to these cmdlets.
 */
function findGroup(tenant: Tenant, identity: string, notFound: (identity: string) => CmdletError): GroupRecord {
  const wanted = identity.trim().replace(/^smtp:/i, '').toLowerCase();
  const group = [...tenant.groups.values()].find(
    (g) => (g.kind === 'distribution' || g.kind === 'mail-security') && [g.mail, g.displayName, g.mailNickname, g.id].some((v) => v?.toLowerCase() === wanted),
  );
  if (!group) throw notFound(identity);
  return group;
}

function findMember(tenant: Tenant, identity: string, notFound: (identity: string) => CmdletError): UserRecord {
  const wanted = identity.trim().toLowerCase();
  const user = tenant.findUser(wanted) ?? [...tenant.users.values()].find((u) => u.mail?.toLowerCase() === wanted);
  if (!user) throw notFound(identity);
  return user;
}
