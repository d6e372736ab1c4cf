// The link between a person's two accounts: AD objectSid = Entra onPremisesSecurityIdentifier, whichever column found them.
import { formatDn, parseDn, sameDn } from '../connectors/ldap/dn.js';
import type { AdDirectory, GraphApi } from '../connectors/types.js';
import type { AdUser, EntraUser, Stop } from '../model.js';
import { findEntraUsersBySid, identityCheck } from './entra.js';

/** A request's accounts as its own columns found them (at most one in each directory; ambiguity is refused before). */
export interface RowAccounts {
  ad?: AdUser;
  entra?: EntraUser;
}

/** The linked pair a request acts on, or why it cannot be formed or verified. */
export interface LinkedPair {
  ad?: AdUser;
  entra?: EntraUser;
  /** The AD account was reached through the Entra account's SID, in the whole domain: it may be outside ldap-base-dn. */
  adThroughLink: boolean;
  /** An identity error: the row's columns name accounts that are not one linked pair. */
  stop?: Stop;
  /** A directory that should hold the other account could not be read: the guards there are unknown (fail closed). */
  unverifiable?: string;
}

export interface LinkOptions {
  ad?: AdDirectory;
  graph?: GraphApi;
  rows: RowAccounts[];
}

const sameSid = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.toUpperCase() === b.toUpperCase();
/** Synced from AD: Entra Connect sets both, but either one says an AD account stands behind the cloud account. */
const isSynced = (user: EntraUser): boolean => user.onPremisesSyncEnabled || user.onPremisesSecurityIdentifier !== undefined;
const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Whether the entry sits anywhere below (or at) the container. */
export function isWithin(dn: string, containerDn: string): boolean {
  try {
    const rdns = parseDn(dn);
    const depth = parseDn(containerDn).length;
    return rdns.length >= depth && sameDn(formatDn(rdns.slice(rdns.length - depth)), containerDn);
  } catch {
    return false;
  }
}

const conflict = (reason: string): Stop => ({ status: 'failed', code: 'identity-conflict', reason: `${reason}: the row names more than one person` });

/**
 * Follows the link from each account a row found to the other directory: AD → Entra by objectSid (Graph, batched),
 * Entra → AD by onPremisesSecurityIdentifier in the whole domain (one LDAP search for all of them). The row's accounts
 * must be the linked pair; a synced Entra account whose AD account cannot be read is unverifiable.
 */
export async function linkAccounts({ ad, graph, rows }: LinkOptions): Promise<LinkedPair[]> {
  const cloudSids = [
    ...new Set(rows.flatMap((row) => (row.ad && graph && !sameSid(row.entra?.onPremisesSecurityIdentifier, row.ad.objectSid) ? [row.ad.objectSid.toUpperCase()] : []))),
  ];
  const adSids = [
    ...new Set(rows.flatMap((row) => (ad && !row.ad && row.entra?.onPremisesSecurityIdentifier ? [row.entra.onPremisesSecurityIdentifier.toUpperCase()] : []))),
  ];
  const [cloudLinks, adLinks] = await Promise.all([
    // One call per SID, so that a failed read makes only its own person unverifiable; the connector batches them.
    Promise.all(cloudSids.map((sid) => (graph ? findEntraUsersBySid(graph, [sid]) : Promise.resolve([[]])).then(([users]) => users, (error: unknown) => error))),
    ad && adSids.length > 0 ? ad.findUsersBySid(adSids).catch((error: unknown) => error) : Promise.resolve([]),
  ]);
  const cloudBySid = new Map(cloudSids.map((sid, i) => [sid, cloudLinks[i]]));
  const adBySid = Array.isArray(adLinks) ? new Map(adSids.map((sid, i) => [sid, adLinks[i]])) : undefined;
  const adError = Array.isArray(adLinks) ? undefined : message(adLinks);

  return rows.map((row): LinkedPair => {
    const { ad: adUser, entra } = row;
    if (adUser && entra && entra.onPremisesSecurityIdentifier) {
      const mismatch = identityCheck(adUser.objectSid, entra);
      return mismatch ? { ad: adUser, entra, adThroughLink: false, stop: mismatch } : { ad: adUser, entra, adThroughLink: false };
    }
    if (adUser) {
      const link = graph ? cloudBySid.get(adUser.objectSid.toUpperCase()) : [];
      if (!Array.isArray(link)) {
        return { ad: adUser, entra, adThroughLink: false, unverifiable: `the Entra account synced from ${adUser.samAccountName} could not be read: ${message(link)}` };
      }
      if (link.length > 1) {
        const names = link.map((u) => u.userPrincipalName).join('; ');
        return { ad: adUser, adThroughLink: false, stop: { status: 'failed', code: 'ambiguous', reason: `${link.length} Entra users are synced from ${adUser.samAccountName}: ${names}` } };
      }
      const [cloud] = link;
      if (entra) {
        const other = cloud ? `its Entra account is ${cloud.userPrincipalName}` : 'no Entra account is synced from it';
        return { ad: adUser, entra, adThroughLink: false, stop: conflict(`the row names the AD account ${adUser.samAccountName} (${other}) and the Entra account ${entra.userPrincipalName}, which is not synced from it`) };
      }
      return { ad: adUser, entra: cloud, adThroughLink: false };
    }
    if (!entra || !ad || !isSynced(entra)) return { entra, adThroughLink: false };
    const sid = entra.onPremisesSecurityIdentifier;
    if (!sid) {
      return { entra, adThroughLink: false, unverifiable: `${entra.userPrincipalName} is synced from AD but carries no onPremisesSecurityIdentifier to find its AD account by` };
    }
    if (adError !== undefined) {
      return { entra, adThroughLink: false, unverifiable: `the AD account of ${entra.userPrincipalName} (${sid}) could not be read: ${adError}` };
    }
    const linked = adBySid?.get(sid.toUpperCase());
    if (!linked) {
      return { entra, adThroughLink: false, unverifiable: `${entra.userPrincipalName} is synced from ${sid}, which is no AD account this action can read` };
    }
    return { ad: linked, entra, adThroughLink: true };
  });
}
