// Get-EXOMailbox's property sets: without -Properties or -PropertySets it returns the Minimum set only, and with them
// the named properties and sets on top of Minimum.
// Sources: https://learn.microsoft.com/powershell/exchange/cmdlet-property-sets#get-exomailbox-property-sets (the sets)
// and https://learn.microsoft.com/powershell/exchange/exchange-online-powershell-v2#properties-and-property-sets-in-the-exchange-online-powershell-module
// ("If you don't use the PropertySets or Properties parameters, you automatically get the properties in the Minimum
// property set"; "you get the specified properties and the properties in the Minimum property set").

/** The documented sets the simulator's mailboxes have properties of; the others name only properties it does not model. */
const PROPERTY_SETS: Record<string, readonly string[]> = {
  Minimum: [
    'Alias', 'DisplayName', 'DistinguishedName', 'EmailAddresses', 'ExchangeVersion', 'ExternalDirectoryObjectId', 'Guid',
    'Id', 'Identity', 'Name', 'OrganizationId', 'PrimarySmtpAddress', 'RecipientType', 'RecipientTypeDetails', 'UserPrincipalName',
  ],
  AddressList: ['AddressBookPolicy', 'AddressListMembership', 'ExternalDirectoryObjectId', 'GeneratedOfflineAddressBooks', 'HiddenFromAddressListsEnabled', 'OfflineAddressBook'],
  Delivery: [
    'AcceptMessagesOnlyFrom', 'AcceptMessagesOnlyFromDLMembers', 'AcceptMessagesOnlyFromSendersOrMembers', 'DeliverToMailboxAndForward',
    'DowngradeHighPriorityMessagesEnabled', 'ExternalDirectoryObjectId', 'ForwardingAddress', 'ForwardingSmtpAddress', 'GrantSendOnBehalfTo',
    'MaxBlockedSenders', 'MaxReceiveSize', 'MaxSafeSenders', 'MaxSendSize', 'MessageCopyForSendOnBehalfEnabled', 'MessageCopyForSentAsEnabled',
    'MessageRecallProcessingEnabled', 'MessageTrackingReadStatusEnabled', 'RecipientLimits', 'RejectMessagesFrom', 'RejectMessagesFromDLMembers',
    'RejectMessagesFromSendersOrMembers', 'RulesQuota',
  ],
};

/** Valid -PropertySets values (Get-EXOMailbox's PropertySet enum). */
const SET_NAMES = [
  'All', 'Minimum', 'AddressList', 'Archive', 'Audit', 'Custom', 'Delivery', 'Hold', 'Moderation', 'Move', 'Policy',
  'PublicFolder', 'Quota', 'Resource', 'Retention', 'SCL', 'SoftDelete', 'StatisticsSeed',
];

/** The -PropertySets value that is not one of the cmdlet's sets, if any. */
export function unknownPropertySet(sets: readonly string[]): string | undefined {
  return sets.find((set) => !SET_NAMES.some((name) => name.toLowerCase() === set.toLowerCase()));
}

/** The part of a full mailbox object Get-EXOMailbox returns for these -Properties and -PropertySets. */
export function selectProperties(full: Record<string, unknown>, properties: readonly string[], sets: readonly string[]): Record<string, unknown> {
  if (sets.some((set) => set.toLowerCase() === 'all')) return { ...full };
  const wanted = new Set<string>(PROPERTY_SETS.Minimum.map((p) => p.toLowerCase()));
  for (const set of sets) {
    const name = Object.keys(PROPERTY_SETS).find((n) => n.toLowerCase() === set.toLowerCase());
    for (const property of name ? PROPERTY_SETS[name] : []) wanted.add(property.toLowerCase());
  }
  for (const property of properties) wanted.add(property.toLowerCase());
  return Object.fromEntries(Object.entries(full).filter(([key]) => wanted.has(key.toLowerCase())));
}
