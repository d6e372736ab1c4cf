// Exchange Online's distribution group membership cmdlets as the Exchange PowerShell reference documents them.
import { z } from 'zod';
import type { CmdletCase } from './types.js';

const REFERENCE = 'https://learn.microsoft.com/en-us/powershell/module/exchangepowershell';
const REMOVE = 'exchange Remove-DistributionGroupMember -BypassSecurityGroupManagerCheck -Identity -Member';
const ADD = 'exchange Add-DistributionGroupMember -BypassSecurityGroupManagerCheck -Identity -Member';

export const EXCHANGE_GROUP_CASES: CmdletCase[] = [
  {
    service: 'exchange',
    name: 'Remove-DistributionGroupMember of a member, bypassing the manager check: no output',
    // "Use the Remove-DistributionGroupMember cmdlet to remove members from distribution groups and mail-enabled
    // security groups"; "-BypassSecurityGroupManagerCheck … If you aren't defined in the ManagedBy property of the
    // group, you need to use this switch"; the cmdlet writes nothing on success.
    doc: `${REFERENCE}/remove-distributiongroupmember`,
    covers: [REMOVE],
    request: (t) => ({ cmdlet: 'Remove-DistributionGroupMember', parameters: { Identity: 'All Staff', Member: t.user('lea').userPrincipalName, BypassSecurityGroupManagerCheck: true } }),
    response: { output: z.unknown(), count: 0 },
  },
  {
    service: 'exchange',
    name: 'Remove-DistributionGroupMember of a recipient who is not a member: MemberNotFoundException',
    doc: `${REFERENCE}/remove-distributiongroupmember`,
    covers: [REMOVE],
    request: (t) => ({ cmdlet: 'Remove-DistributionGroupMember', parameters: { Identity: 'All Staff', Member: t.user('cfo').userPrincipalName, BypassSecurityGroupManagerCheck: true } }),
    response: { error: { message: /MemberNotFoundException\|.*isn't a member of the group/ } },
  },
  {
    service: 'exchange',
    name: 'Add-DistributionGroupMember of a recipient, bypassing the manager check: no output',
    // "Use the Add-DistributionGroupMember cmdlet to add a single recipient to distribution groups and mail-enabled
    // security groups."
    doc: `${REFERENCE}/add-distributiongroupmember`,
    covers: [ADD],
    request: (t) => ({ cmdlet: 'Add-DistributionGroupMember', parameters: { Identity: 'Finance Approvers', Member: t.user('cfo').userPrincipalName, BypassSecurityGroupManagerCheck: true } }),
    response: { output: z.unknown(), count: 0 },
  },
  {
    service: 'exchange',
    name: 'Add-DistributionGroupMember of a member already: MemberAlreadyExistsException',
    doc: `${REFERENCE}/add-distributiongroupmember`,
    covers: [ADD],
    request: (t) => ({ cmdlet: 'Add-DistributionGroupMember', parameters: { Identity: 'All Staff', Member: t.user('lea').userPrincipalName, BypassSecurityGroupManagerCheck: true } }),
    response: { error: { message: /MemberAlreadyExistsException\|.*is already a member of the group/ } },
  },
];
