// Reads the people who might receive a leaver's access strictly: an enabled member in every configured directory, tied by the SID link.
import type { AdDirectory, GraphApi } from '../connectors/types.js';
import type { AdUser, EntraUser } from '../model.js';
import { createBatcher } from '../util/batcher.js';
import { findEntraUsers, findEntraUsersBySid } from './entra.js';

const ACCOUNTDISABLE = 0x2;

/** A person who might receive access, with a way to reach their own manager. */
export interface Candidate {
  /** Where the access steps grant: the cloud UPN when Entra ID is configured, else the AD UPN (or mail). */
  userPrincipalName?: string;
  /** The name the candidate was asked for by (a delegate cell, default-delegate), for the notes. */
  named?: string;
  /** Why the candidate cannot serve, so that their own manager is tried instead (disabled in a directory…). */
  unable?: string;
  /** Why the candidate is refused outright: nobody in their chain is tried (a guest). */
  refused?: string;
  /** Lower-cased identities in both directories, to recognise the leaver and the other leavers of the run. */
  keys: string[];
  manager?: () => Promise<Candidate | undefined>;
}

export interface DelegateDirectories {
  ad?: AdDirectory;
  graph?: GraphApi;
}

export const lowerKeys = (values: (string | undefined)[]): string[] =>
  values.filter((v): v is string => typeof v === 'string' && v.length > 0).map((v) => v.toLowerCase());

const adKeys = (user: AdUser): string[] => lowerKeys([user.dn, user.samAccountName, user.userPrincipalName, user.mail]);
const entraKeys = (user: EntraUser): string[] =>
  lowerKeys([user.id, user.userPrincipalName, user.mail, user.onPremisesSamAccountName]);

/** Loads each distinct key once: many leavers share a manager, and each manager is read once. */
function distinct<V>(load: (keys: string[]) => Promise<V[]>): (keys: string[]) => Promise<V[]> {
  return async (keys) => {
    const unique = [...new Set(keys)];
    const values = await load(unique);
    const byKey = new Map(unique.map((key, i) => [key, values[i]]));
    return keys.map((key) => byKey.get(key) as V); // every key is in the map: `unique` holds them all
  };
}

/** Graph's userType: only a `Member` may receive a leaver's data (a guest belongs to another organisation). */
function notMember(user: EntraUser): string | undefined {
  if (user.userType === 'Member') return undefined;
  return user.userType === 'Guest' ? 'is a guest' : `is not a member account (userType ${user.userType ?? 'not set'})`;
}

/**
 * The candidate readers of one run. Lookups made together (by every person of the run at once) are batched: AD reads
 * by the batcher, Graph reads by the connector's $batch.
 */
export function candidateReader(directories: DelegateDirectories) {
  const { ad, graph } = directories;
  const readAd = ad ? createBatcher(distinct((dns) => ad.readUsers(dns))) : undefined;
  const findAd = ad ? createBatcher((ids: { userPrincipalName?: string; mail?: string }[]) => ad.findUsers(ids)) : undefined;
  const adBySid = ad ? createBatcher(distinct((sids) => ad.findUsersBySid(sids))) : undefined;
  const entraBySid = graph ? createBatcher(distinct((sids) => findEntraUsersBySid(graph, sids))) : undefined;

  const byId = graph
    ? createBatcher(distinct(async (ids) => (await findEntraUsers(graph, ids.map((objectId) => ({ objectId })))).map((found) => (found.length === 1 ? found[0] : undefined))))
    : undefined;
  const entraById = async (id: string): Promise<EntraUser | undefined> => byId?.(id);

  /** An AD account; when Entra ID is configured, its cloud account is found through the link and must serve too. */
  const fromAd = async (user: AdUser): Promise<Candidate> => {
    const manager = user.manager && readAd ? async () => {
      const found = await readAd(user.manager as string);
      return found ? fromAd(found) : undefined;
    } : undefined;
    const adDisabled = (user.userAccountControl & ACCOUNTDISABLE) !== 0;
    if (!entraBySid) {
      return { userPrincipalName: user.userPrincipalName ?? user.mail, unable: adDisabled ? 'is disabled in AD' : undefined, keys: adKeys(user), manager };
    }
    const linked = await entraBySid(user.objectSid);
    const label = user.userPrincipalName ?? user.mail;
    if (linked.length !== 1) {
      const unable = linked.length === 0 ? 'has no Entra account synced from it' : `matches ${linked.length} Entra accounts`;
      return { userPrincipalName: label, unable, keys: adKeys(user), manager };
    }
    const [cloud] = linked;
    return {
      userPrincipalName: cloud.userPrincipalName,
      refused: notMember(cloud),
      unable: adDisabled ? 'is disabled in AD' : !cloud.accountEnabled ? 'is disabled in Entra ID' : undefined,
      keys: [...adKeys(user), ...entraKeys(cloud)],
      manager,
    };
  };

  /** An Entra user; when AD is configured and the user is synced, the AD account (by objectSid) must be enabled too. */
  const fromEntra = async (user: EntraUser): Promise<Candidate> => {
    const managerId = user.manager?.id;
    const manager = managerId ? async () => {
      const found = await entraById(managerId);
      return found ? fromEntra(found) : undefined;
    } : undefined;
    const candidate: Candidate = {
      userPrincipalName: user.userPrincipalName,
      refused: notMember(user),
      unable: user.accountEnabled ? undefined : 'is disabled in Entra ID',
      keys: entraKeys(user),
      manager,
    };
    const sid = user.onPremisesSecurityIdentifier;
    if (!sid || !adBySid) return candidate;
    const onPremises = await adBySid(sid);
    if (!onPremises) return { ...candidate, unable: candidate.unable ?? 'has no AD account with its objectSid' };
    const adDisabled = (onPremises.userAccountControl & ACCOUNTDISABLE) !== 0;
    return {
      ...candidate,
      unable: adDisabled ? 'is disabled in AD' : candidate.unable,
      keys: [...candidate.keys, ...adKeys(onPremises)],
    };
  };

  const oneAdByName = async (name: string): Promise<AdUser | undefined> => {
    if (!findAd) return undefined;
    const [byUpn, byMail] = await Promise.all([findAd({ userPrincipalName: name }), findAd({ mail: name })]);
    const found = byUpn.length === 1 ? byUpn : byMail;
    return found.length === 1 ? found[0] : undefined;
  };

  /**
   * A person named by UPN or mail: in Entra ID when it is configured (where access is granted), by cloud UPN or mail,
   * else by an AD UPN or mail and then through the link; without Entra ID, in AD.
   */
  const byName = async (name: string): Promise<Candidate | undefined> => {
    if (graph) {
      const [byUpn, byMail] = await findEntraUsers(graph, [{ userPrincipalName: name }, { mail: name }]);
      const found = byUpn.length === 1 ? byUpn : byMail;
      if (found.length === 1) return { ...(await fromEntra(found[0])), named: name };
      if (found.length > 1) return undefined;
    }
    const user = await oneAdByName(name);
    return user ? { ...(await fromAd(user)), named: name } : undefined;
  };

  return { fromAd, fromEntra, byName, readAd, entraById };
}
