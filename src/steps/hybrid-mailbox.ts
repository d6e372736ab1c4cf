// A synced user's mailbox is shared when AD says so: Exchange hybrid converts it on-premises and directory sync carries it.
import type { AdUser } from '../model.js';

/**
 * The AD attributes of a remote shared mailbox, as Exchange sets them when it converts a migrated mailbox on-premises
 * (`Set-RemoteMailbox -Type Shared`): RemoteRecipientType Migrated (4) | SharedMailbox (96)
 * (https://learn.microsoft.com/en-us/previous-versions/office/exchange-server-api/ff443320(v=exchg.150)) and
 * RecipientTypeDetails RemoteSharedMailbox
 * (https://learn.microsoft.com/en-us/previous-versions/office/developer/exchange-server-2010/ff344739(v=exchg.140)).
 * Microsoft: a mailbox of a user synced from AD is converted with the on-premises tools; directory synchronisation
 * turns a conversion made in Exchange Online back (https://technet.microsoft.com/library/jj710164(v=exchg.150).aspx,
 * now https://learn.microsoft.com/en-us/exchange/recipients-in-exchange-online/manage-user-mailboxes/convert-a-mailbox).
 */
export const REMOTE_SHARED = { msExchRemoteRecipientType: 100, msExchRecipientTypeDetails: 34359738368 } as const;

export const HYBRID_ATTRIBUTES = ['msExchRemoteRecipientType', 'msExchRecipientTypeDetails'] as const;

/** Whether AD holds the leaver's mailbox as a remote shared mailbox. */
export const sharedOnPremises = (account: AdUser): boolean =>
  account.msExchRemoteRecipientType === REMOTE_SHARED.msExchRemoteRecipientType &&
  account.msExchRecipientTypeDetails === REMOTE_SHARED.msExchRecipientTypeDetails;
