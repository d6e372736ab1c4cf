// Exchange Online PowerShell (ExchangeOnlineManagement 3.x) as the Exchange PowerShell reference documents it.
import { z } from 'zod';
import { EXCHANGE_ITEM_CASES } from './exchange-items.js';
import type { CmdletCase } from './types.js';

const REFERENCE = 'https://learn.microsoft.com/en-us/powershell/module/exchangepowershell';

// "Property sets in Exchange Online PowerShell module cmdlets": Get-EXOMailbox without -Properties or -PropertySets
// returns the Minimum set, which includes ExternalDirectoryObjectId, UserPrincipalName, Alias, DisplayName,
// EmailAddresses, PrimarySmtpAddress, RecipientType, RecipientTypeDetails, Identity, Name and Guid.
const minimumMailbox = z.object({
  ExternalDirectoryObjectId: z.string(),
  UserPrincipalName: z.string(),
  Alias: z.string(),
  DisplayName: z.string(),
  EmailAddresses: z.array(z.string()),
  PrimarySmtpAddress: z.string(),
  RecipientType: z.string(),
  RecipientTypeDetails: z.string(),
  Identity: z.string(),
  Name: z.string(),
  Guid: z.string(),
});

// Get-MailboxPermission's examples show the entries' User, AccessRights, IsInherited and Deny; AccessRights is a
// list ("Multiple values separated by commas").
const permissionEntry = z.object({ Identity: z.string(), User: z.string(), AccessRights: z.array(z.string()), IsInherited: z.boolean(), Deny: z.boolean() });

// Get-MailboxAutoReplyConfiguration's object: the settings Set-MailboxAutoReplyConfiguration documents (AutoReplyState
// Enabled, Disabled or Scheduled; ExternalAudience None, Known or All; the two messages; StartTime and EndTime).
const autoReply = z.object({
  AutoReplyState: z.enum(['Enabled', 'Disabled', 'Scheduled']),
  ExternalAudience: z.enum(['None', 'Known', 'All']),
  InternalMessage: z.string().nullable(),
  ExternalMessage: z.string().nullable(),
  StartTime: z.string().nullable(),
  EndTime: z.string().nullable(),
});

// "The operation couldn't be performed because object '…' couldn't be found on '…'." is the text of Exchange's
// ManagementObjectNotFoundException, which the V3 module reports as "Ex…|<type>|<text>".
const NOT_FOUND = { type: /ManagementObjectNotFoundException|Exception/, message: /ManagementObjectNotFoundException\|.*couldn't be found/ };

export const EXCHANGE_CASES: CmdletCase[] = [
  {
    service: 'exchange',
    name: 'Get-EXOMailbox -Identity: the Minimum property set',
    // "-Identity … any value that uniquely identifies the mailbox … User principal name (UPN)"; "-Properties … If you
    // don't use this parameter … the output contains the properties in the Minimum property set".
    doc: `${REFERENCE}/get-exomailbox`,
    covers: ['exchange Get-EXOMailbox -Identity', 'exchange Connect-ExchangeOnline'],
    request: (t) => ({ cmdlet: 'Get-EXOMailbox', parameters: { Identity: t.user('jdoe').userPrincipalName } }),
    response: { output: minimumMailbox.extend({ RecipientTypeDetails: z.literal('UserMailbox') }), count: 1 },
  },
  {
    service: 'exchange',
    name: 'Get-EXOMailbox -Identity -Properties: the named properties too',
    // "-Properties … specifies the properties that are returned in the output of this cmdlet."
    doc: `${REFERENCE}/get-exomailbox`,
    covers: ['exchange Get-EXOMailbox -Identity -Properties'],
    request: (t) => ({ cmdlet: 'Get-EXOMailbox', parameters: { Identity: t.user('jdoe').userPrincipalName, Properties: ['HiddenFromAddressListsEnabled'] } }),
    response: { output: minimumMailbox.extend({ HiddenFromAddressListsEnabled: z.boolean() }), count: 1 },
  },
  {
    service: 'exchange',
    name: 'Get-EXOMailbox -ResultSize 1: one mailbox of the organization, the Minimum property set',
    // "-ResultSize … specifies the maximum number of results to return"; without -Identity the cmdlet returns the
    // organization's mailboxes. The preflight's harmless read.
    doc: `${REFERENCE}/get-exomailbox`,
    covers: ['exchange Get-EXOMailbox -ResultSize'],
    request: () => ({ cmdlet: 'Get-EXOMailbox', parameters: { ResultSize: 1 } }),
    response: { output: minimumMailbox, count: 1 },
  },
  {
    service: 'exchange',
    name: 'Get-EXOMailbox -Filter: the mailboxes of several UPNs in one call, a quotation mark in a value doubled',
    // "-Filter … uses OPATH filter syntax"; text values in single quotation marks, one inside doubled ("Additional
    // OPATH syntax information", https://learn.microsoft.com/powershell/exchange/recipient-filters); UserPrincipalName
    // is filterable (https://learn.microsoft.com/powershell/exchange/filter-properties) and -eq and -or are supported
    // by the Get-EXO* cmdlets (https://learn.microsoft.com/powershell/exchange/filters-v2). A UPN without a mailbox
    // matches nothing.
    doc: `${REFERENCE}/get-exomailbox`,
    covers: ['exchange Get-EXOMailbox -Filter'],
    request: (t) => ({
      cmdlet: 'Get-EXOMailbox',
      parameters: {
        Filter: [t.user('jdoe').userPrincipalName, t.user('cloudy').userPrincipalName, "o'nobody@contoso.test"].map((upn) => `UserPrincipalName -eq '${upn.replaceAll("'", "''")}'`).join(' -or '),
      },
    }),
    response: { output: minimumMailbox, count: 2 },
  },
  {
    service: 'exchange',
    name: 'Get-EXOMailbox -Filter that cannot be parsed: HTTP 400 "Invalid filter clause"',
    // The REST-backed Get-EXOMailbox refuses a filter it cannot parse with "Invalid filter clause"
    // (https://github.com/MicrosoftDocs/office-docs-powershell/issues/10572).
    doc: `${REFERENCE}/get-exomailbox`,
    covers: ['exchange Get-EXOMailbox -Filter'],
    request: (t) => ({ cmdlet: 'Get-EXOMailbox', parameters: { Filter: `UserPrincipalName -eq '${t.user('jdoe').userPrincipalName}` } }),
    response: { error: { type: /Exception/, message: /Invalid filter clause/ } },
  },
  {
    service: 'exchange',
    name: 'Get-EXOMailbox for a user without a mailbox: ManagementObjectNotFoundException',
    doc: `${REFERENCE}/get-exomailbox`,
    covers: ['exchange Get-EXOMailbox -Identity'],
    request: (t) => ({ cmdlet: 'Get-EXOMailbox', parameters: { Identity: t.user('nodrive').userPrincipalName } }),
    response: { error: NOT_FOUND },
  },
  {
    service: 'exchange',
    name: "Get-MailboxPermission -Identity -User: the user's entries on the mailbox",
    // "Get-MailboxPermission -Identity john@contoso.com -User "Ayla"": "returns the permissions that the user Ayla has
    // on John's mailbox"; "-User … filters the results by who has permissions to the mailbox".
    doc: `${REFERENCE}/get-mailboxpermission`,
    covers: ['exchange Get-MailboxPermission -Identity -User'],
    setup: (t) => [
      { cmdlet: 'Add-MailboxPermission', parameters: { Identity: t.user('jdoe').userPrincipalName, User: t.user('salesvp').userPrincipalName, AccessRights: ['FullAccess'], InheritanceType: 'All' } },
    ],
    request: (t) => ({ cmdlet: 'Get-MailboxPermission', parameters: { Identity: t.user('jdoe').userPrincipalName, User: t.user('salesvp').userPrincipalName } }),
    response: { output: permissionEntry.extend({ AccessRights: z.array(z.string()).refine((r) => r.includes('FullAccess'), 'FullAccess') }), count: 1 },
  },
  {
    service: 'exchange',
    name: 'Get-MailboxPermission -Identity -User for a user with no entry: nothing',
    doc: `${REFERENCE}/get-mailboxpermission`,
    covers: ['exchange Get-MailboxPermission -Identity -User'],
    request: (t) => ({ cmdlet: 'Get-MailboxPermission', parameters: { Identity: t.user('jdoe').userPrincipalName, User: t.user('cfo').userPrincipalName } }),
    response: { output: permissionEntry, count: 0 },
  },
  {
    service: 'exchange',
    name: 'Get-MailboxPermission on a mailbox that does not exist: ManagementObjectNotFoundException',
    doc: `${REFERENCE}/get-mailboxpermission`,
    covers: ['exchange Get-MailboxPermission -Identity -User'],
    request: (t) => ({ cmdlet: 'Get-MailboxPermission', parameters: { Identity: 'nobody@contoso.test', User: t.user('cfo').userPrincipalName } }),
    response: { error: NOT_FOUND },
  },
  {
    service: 'exchange',
    name: 'Add-MailboxPermission FullAccess with InheritanceType All and AutoMapping false',
    // Example: "Add-MailboxPermission -Identity "Terry Adams" -User Kevin@contoso.com -AccessRights FullAccess
    // -InheritanceType All"; "-AutoMapping $false" turns off auto-mapping; the cmdlet writes the new entry.
    doc: `${REFERENCE}/add-mailboxpermission`,
    covers: ['exchange Add-MailboxPermission -AccessRights -AutoMapping -Identity -InheritanceType -User'],
    request: (t) => ({
      cmdlet: 'Add-MailboxPermission',
      parameters: { Identity: t.user('jdoe').userPrincipalName, User: t.user('salesvp').userPrincipalName, AccessRights: ['FullAccess'], InheritanceType: 'All', AutoMapping: false },
    }),
    response: { output: permissionEntry.extend({ AccessRights: z.array(z.literal('FullAccess')) }), count: 1, warnings: [] },
  },
  {
    service: 'exchange',
    name: 'Add-MailboxPermission of an entry already there: a warning, no error',
    // Granting an entry the mailbox already has is not an error: Exchange writes the warning "The appropriate access
    // control entry is already present on the object … for account …" and changes nothing.
    doc: `${REFERENCE}/add-mailboxpermission`,
    covers: ['exchange Add-MailboxPermission -AccessRights -AutoMapping -Identity -InheritanceType -User'],
    setup: (t) => [
      { cmdlet: 'Add-MailboxPermission', parameters: { Identity: t.user('jdoe').userPrincipalName, User: t.user('salesvp').userPrincipalName, AccessRights: ['FullAccess'], InheritanceType: 'All' } },
    ],
    request: (t) => ({
      cmdlet: 'Add-MailboxPermission',
      parameters: { Identity: t.user('jdoe').userPrincipalName, User: t.user('salesvp').userPrincipalName, AccessRights: ['FullAccess'], InheritanceType: 'All', AutoMapping: false },
    }),
    response: { output: permissionEntry, warnings: [/The appropriate access control entry is already present on the object/] },
  },
  {
    service: 'exchange',
    name: 'Add-MailboxPermission for a grantee who does not exist: ManagementObjectNotFoundException',
    // "-User … specifies who gets the permissions on the mailbox": a mailbox user, mail user or security group.
    doc: `${REFERENCE}/add-mailboxpermission`,
    covers: ['exchange Add-MailboxPermission -AccessRights -AutoMapping -Identity -InheritanceType -User'],
    request: (t) => ({
      cmdlet: 'Add-MailboxPermission',
      parameters: { Identity: t.user('jdoe').userPrincipalName, User: 'nobody@contoso.test', AccessRights: ['FullAccess'], InheritanceType: 'All', AutoMapping: false },
    }),
    response: { error: NOT_FOUND },
  },
  {
    service: 'exchange',
    name: 'Set-Mailbox -Type Shared converts a user mailbox',
    // "-Type … Shared: The mailbox is converted to a shared mailbox" (Regular, Room, Equipment, Shared).
    doc: `${REFERENCE}/set-mailbox`,
    covers: ['exchange Set-Mailbox -Identity -Type'],
    request: (t) => ({ cmdlet: 'Set-Mailbox', parameters: { Identity: t.user('cloudy').userPrincipalName, Type: 'Shared' } }),
    response: { output: z.unknown(), count: 0, warnings: [] },
  },
  {
    service: 'exchange',
    name: 'Set-Mailbox -Type Regular converts a shared mailbox back',
    // "-Type … Regular: The mailbox is converted to a regular mailbox."
    doc: `${REFERENCE}/set-mailbox`,
    covers: ['exchange Set-Mailbox -Identity -Type'],
    setup: (t) => [{ cmdlet: 'Set-Mailbox', parameters: { Identity: t.user('cloudy').userPrincipalName, Type: 'Shared' } }],
    request: (t) => ({ cmdlet: 'Set-Mailbox', parameters: { Identity: t.user('cloudy').userPrincipalName, Type: 'Regular' } }),
    response: { output: z.unknown(), count: 0, warnings: [] },
  },
  {
    service: 'exchange',
    name: 'Remove-MailboxPermission of a FullAccess entry: no output',
    // Example: "Remove-MailboxPermission -Identity "Terry Adams" -User KevinKelly -AccessRights FullAccess
    // -InheritanceType All"; the cmdlet asks for confirmation (given by -Confirm:$false) and writes no output.
    doc: `${REFERENCE}/remove-mailboxpermission`,
    covers: ['exchange Remove-MailboxPermission -AccessRights -Identity -InheritanceType -User'],
    setup: (t) => [
      { cmdlet: 'Add-MailboxPermission', parameters: { Identity: t.user('jdoe').userPrincipalName, User: t.user('salesvp').userPrincipalName, AccessRights: ['FullAccess'], InheritanceType: 'All' } },
    ],
    request: (t) => ({
      cmdlet: 'Remove-MailboxPermission',
      parameters: { Identity: t.user('jdoe').userPrincipalName, User: t.user('salesvp').userPrincipalName, AccessRights: ['FullAccess'], InheritanceType: 'All' },
    }),
    response: { output: z.unknown(), count: 0, warnings: [] },
  },
  {
    service: 'exchange',
    name: 'Set-Mailbox that changes nothing: a warning',
    // Exchange's set cmdlets warn "The command completed successfully but no settings of '…' have been modified."
    // when the object already has the values given.
    doc: `${REFERENCE}/set-mailbox`,
    covers: ['exchange Set-Mailbox -Identity -Type'],
    setup: (t) => [{ cmdlet: 'Set-Mailbox', parameters: { Identity: t.user('cloudy').userPrincipalName, Type: 'Shared' } }],
    request: (t) => ({ cmdlet: 'Set-Mailbox', parameters: { Identity: t.user('cloudy').userPrincipalName, Type: 'Shared' } }),
    response: { output: z.unknown(), count: 0, warnings: [/no settings of .* have been modified/] },
  },
  {
    service: 'exchange',
    name: 'Set-Mailbox -HiddenFromAddressListsEnabled $true on a cloud mailbox',
    // "-HiddenFromAddressListsEnabled … $true: The recipient doesn't appear in the address book and other address lists."
    doc: `${REFERENCE}/set-mailbox`,
    covers: ['exchange Set-Mailbox -HiddenFromAddressListsEnabled -Identity'],
    request: (t) => ({ cmdlet: 'Set-Mailbox', parameters: { Identity: t.user('cloudy').userPrincipalName, HiddenFromAddressListsEnabled: true } }),
    response: { output: z.unknown(), count: 0, warnings: [] },
  },
  {
    service: 'exchange',
    name: 'Get-EXOMailbox -Properties of the Delivery set: the forwarding of a mailbox that forwards nowhere',
    // "Property sets in Exchange Online PowerShell module cmdlets": ForwardingAddress, ForwardingSmtpAddress and
    // DeliverToMailboxAndForward are in the Delivery set, not in Minimum. Set-Mailbox: "The default value is blank
    // ($null), which means no forwarding recipient is configured"; DeliverToMailboxAndForward "The default value is $false".
    doc: 'https://learn.microsoft.com/powershell/exchange/cmdlet-property-sets#get-exomailbox-property-sets',
    covers: ['exchange Get-EXOMailbox -Identity -Properties'],
    request: (t) => ({
      cmdlet: 'Get-EXOMailbox',
      parameters: { Identity: t.user('jdoe').userPrincipalName, Properties: ['ForwardingAddress', 'ForwardingSmtpAddress', 'DeliverToMailboxAndForward'] },
    }),
    response: { output: minimumMailbox.extend({ ForwardingAddress: z.null(), ForwardingSmtpAddress: z.null(), DeliverToMailboxAndForward: z.literal(false) }), count: 1 },
  },
  {
    service: 'exchange',
    name: 'Get-EXOMailbox -Properties ForwardingAddress after Set-Mailbox -ForwardingAddress: the internal recipient, a copy kept',
    // "-ForwardingAddress … specifies a forwarding address in your organization … any value that uniquely identifies the
    // internal recipient"; "DeliverToMailboxAndForward is $true: Messages are delivered to this mailbox and forwarded".
    doc: `${REFERENCE}/set-mailbox`,
    covers: ['exchange Get-EXOMailbox -Identity -Properties', 'exchange Set-Mailbox -DeliverToMailboxAndForward -ForwardingAddress -Identity'],
    setup: (t) => [{ cmdlet: 'Set-Mailbox', parameters: { Identity: t.user('jdoe').userPrincipalName, ForwardingAddress: t.user('salesvp').userPrincipalName, DeliverToMailboxAndForward: true } }],
    request: (t) => ({
      cmdlet: 'Get-EXOMailbox',
      parameters: { Identity: t.user('jdoe').userPrincipalName, Properties: ['ForwardingAddress', 'DeliverToMailboxAndForward'] },
    }),
    response: { output: minimumMailbox.extend({ ForwardingAddress: z.string().min(1), DeliverToMailboxAndForward: z.literal(true) }), count: 1 },
  },
  {
    service: 'exchange',
    name: 'Set-Mailbox -ForwardingAddress -DeliverToMailboxAndForward $true forwards to an internal recipient',
    // Set-Mailbox writes nothing on success.
    doc: `${REFERENCE}/set-mailbox`,
    covers: ['exchange Set-Mailbox -DeliverToMailboxAndForward -ForwardingAddress -Identity'],
    request: (t) => ({ cmdlet: 'Set-Mailbox', parameters: { Identity: t.user('jdoe').userPrincipalName, ForwardingAddress: t.user('salesvp').userPrincipalName, DeliverToMailboxAndForward: true } }),
    response: { output: z.unknown(), count: 0, warnings: [] },
  },
  {
    service: 'exchange',
    name: 'Set-Mailbox -ForwardingAddress $null clears the forwarding recipient',
    // "The default value is blank ($null), which means no forwarding recipient is configured."
    doc: `${REFERENCE}/set-mailbox`,
    covers: ['exchange Set-Mailbox -DeliverToMailboxAndForward -ForwardingAddress -Identity'],
    setup: (t) => [{ cmdlet: 'Set-Mailbox', parameters: { Identity: t.user('jdoe').userPrincipalName, ForwardingAddress: t.user('salesvp').userPrincipalName, DeliverToMailboxAndForward: true } }],
    request: (t) => ({ cmdlet: 'Set-Mailbox', parameters: { Identity: t.user('jdoe').userPrincipalName, ForwardingAddress: null, DeliverToMailboxAndForward: false } }),
    response: { output: z.unknown(), count: 0, warnings: [] },
  },
  {
    service: 'exchange',
    name: 'Set-Mailbox -ForwardingAddress for a recipient that does not exist: ManagementObjectNotFoundException',
    // "A valid value for this parameter is a recipient in your organization."
    doc: `${REFERENCE}/set-mailbox`,
    covers: ['exchange Set-Mailbox -DeliverToMailboxAndForward -ForwardingAddress -Identity'],
    request: (t) => ({ cmdlet: 'Set-Mailbox', parameters: { Identity: t.user('jdoe').userPrincipalName, ForwardingAddress: 'nobody@contoso.test', DeliverToMailboxAndForward: true } }),
    response: { error: NOT_FOUND },
  },
  {
    service: 'exchange',
    name: 'Get-MailboxAutoReplyConfiguration -Identity: Automatic Replies off, for all external senders by default',
    // "AutoReplyState … Disabled: Automatic Replies aren't sent for the mailbox. This is the default value";
    // "ExternalAudience … All: Automatic Replies are sent to all external senders. This is the default value."
    doc: `${REFERENCE}/get-mailboxautoreplyconfiguration`,
    covers: ['exchange Get-MailboxAutoReplyConfiguration -Identity'],
    request: (t) => ({ cmdlet: 'Get-MailboxAutoReplyConfiguration', parameters: { Identity: t.user('jdoe').userPrincipalName } }),
    response: { output: autoReply.extend({ AutoReplyState: z.literal('Disabled'), ExternalAudience: z.literal('All') }), count: 1 },
  },
  {
    service: 'exchange',
    name: 'Get-MailboxAutoReplyConfiguration for a mailbox that does not exist: ManagementObjectNotFoundException',
    doc: `${REFERENCE}/get-mailboxautoreplyconfiguration`,
    covers: ['exchange Get-MailboxAutoReplyConfiguration -Identity'],
    request: (t) => ({ cmdlet: 'Get-MailboxAutoReplyConfiguration', parameters: { Identity: t.user('nodrive').userPrincipalName } }),
    response: { error: NOT_FOUND },
  },
  {
    service: 'exchange',
    name: 'Set-MailboxAutoReplyConfiguration -AutoReplyState Enabled with both messages and ExternalAudience All (Example 2)',
    // Example 2: "Set-MailboxAutoReplyConfiguration -Identity tony@contoso.com -AutoReplyState Enabled -InternalMessage
    // "Internal auto-reply message." -ExternalMessage "External auto-reply message." -ExternalAudience All".
    doc: `${REFERENCE}/set-mailboxautoreplyconfiguration`,
    covers: ['exchange Set-MailboxAutoReplyConfiguration -AutoReplyState -ExternalAudience -ExternalMessage -Identity -InternalMessage'],
    request: (t) => ({
      cmdlet: 'Set-MailboxAutoReplyConfiguration',
      parameters: { Identity: t.user('jdoe').userPrincipalName, AutoReplyState: 'Enabled', InternalMessage: 'Internal auto-reply message.', ExternalMessage: 'External auto-reply message.', ExternalAudience: 'All' },
    }),
    response: { output: z.unknown(), count: 0, warnings: [] },
  },
  {
    service: 'exchange',
    name: 'Get-MailboxAutoReplyConfiguration after a plain-text message: Exchange added the HTML tags',
    // -InternalMessage: "HTML tags are automatically added to the text. For example, if you enter the text: "I'm on
    // vacation", the value automatically becomes: <html><body>I'm on vacation</body></html>."
    doc: `${REFERENCE}/set-mailboxautoreplyconfiguration`,
    covers: ['exchange Get-MailboxAutoReplyConfiguration -Identity', 'exchange Set-MailboxAutoReplyConfiguration -AutoReplyState -ExternalAudience -ExternalMessage -Identity -InternalMessage'],
    setup: (t) => [
      {
        cmdlet: 'Set-MailboxAutoReplyConfiguration',
        parameters: { Identity: t.user('jdoe').userPrincipalName, AutoReplyState: 'Enabled', InternalMessage: "I'm on vacation", ExternalMessage: "I'm on vacation", ExternalAudience: 'All' },
      },
    ],
    request: (t) => ({ cmdlet: 'Get-MailboxAutoReplyConfiguration', parameters: { Identity: t.user('jdoe').userPrincipalName } }),
    response: {
      output: autoReply.extend({
        AutoReplyState: z.literal('Enabled'),
        InternalMessage: z.literal("<html><body>I'm on vacation</body></html>"),
        ExternalMessage: z.literal("<html><body>I'm on vacation</body></html>"),
      }),
      count: 1,
    },
  },
  {
    service: 'exchange',
    name: 'Set-MailboxAutoReplyConfiguration -AutoReplyState Scheduled with StartTime and EndTime (Example 1, with both messages)',
    // Example 1: "-AutoReplyState Scheduled -StartTime "7/10/2018 08:00:00" -EndTime "7/15/2018 17:00:00"
    // -InternalMessage "Internal auto-reply message""; what a reverse writes back for a scheduled reply.
    doc: `${REFERENCE}/set-mailboxautoreplyconfiguration`,
    covers: ['exchange Set-MailboxAutoReplyConfiguration -AutoReplyState -EndTime -ExternalAudience -ExternalMessage -Identity -InternalMessage -StartTime'],
    request: (t) => ({
      cmdlet: 'Set-MailboxAutoReplyConfiguration',
      parameters: {
        Identity: t.user('jdoe').userPrincipalName,
        AutoReplyState: 'Scheduled',
        StartTime: '2018-07-10T08:00:00Z',
        EndTime: '2018-07-15T17:00:00Z',
        InternalMessage: 'Internal auto-reply message',
        ExternalMessage: null,
        ExternalAudience: 'None',
      },
    }),
    response: { output: z.unknown(), count: 0, warnings: [] },
  },
  {
    service: 'exchange',
    name: 'Set-MailboxAutoReplyConfiguration -ExternalAudience with a value that is not None, Known or All: refused',
    // "ExternalAudience … Valid values are: None, Known, All."
    doc: `${REFERENCE}/set-mailboxautoreplyconfiguration`,
    covers: ['exchange Set-MailboxAutoReplyConfiguration -AutoReplyState -ExternalAudience -ExternalMessage -Identity -InternalMessage'],
    request: (t) => ({
      cmdlet: 'Set-MailboxAutoReplyConfiguration',
      parameters: { Identity: t.user('jdoe').userPrincipalName, AutoReplyState: 'Enabled', InternalMessage: 'x', ExternalMessage: 'x', ExternalAudience: 'Everyone' },
    }),
    response: { error: { message: /ExternalAudience/ } },
  },
  {
    service: 'exchange',
    name: 'Connect-ExchangeOnline with an organization the app does not sign in to: the connect fails (AADSTS90002)',
    // "-Organization … specifies the organization when you connect using CBA or managed identity … use the primary
    // .onmicrosoft.com domain"; the sign-in for an unknown tenant fails with AADSTS90002 (Entra error codes).
    doc: `${REFERENCE}/connect-exchangeonline`,
    covers: ['exchange Connect-ExchangeOnline'],
    connect: { Organization: 'fabrikam-nowhere.onmicrosoft.com' },
    request: (t) => ({ cmdlet: 'Get-EXOMailbox', parameters: { Identity: t.user('jdoe').userPrincipalName } }),
    response: { error: { message: /AADSTS90002/ } },
  },
  ...EXCHANGE_ITEM_CASES,
];
