// Finds who receives a leaver's mailbox and OneDrive: the first source that yields an active person who is staying.
import type { AdDirectory, GraphApi } from '../connectors/types.js';
import type { AdUser, Delegate, DelegateSource, EntraUser, Person, RosterEntry } from '../model.js';
import { createBatcher } from '../util/batcher.js';
import { findEntraUsers } from './entra.js';

const ACCOUNTDISABLE = 0x2;
/** A candidate who cannot serve is replaced by their own manager, at most this many times. */
const MAX_CLIMB = 3;

/** A person who might receive access, with a way to reach their own manager. */
interface Candidate {
  userPrincipalName?: string;
  active: boolean;
  /** Lower-cased identities, to recognise the leaver and the other leavers of the run. */
  keys: string[];
  manager?: () => Promise<Candidate | undefined>;
}

interface DelegateDirectories {
  ad?: AdDirectory;
  graph?: GraphApi;
}

export interface DelegateOptions {
  people: Person[];
  roster: RosterEntry[];
  defaultDelegate?: string;
  directories: DelegateDirectories;
}

const lower = (values: (string | undefined)[]): string[] =>
  values.filter((v): v is string => typeof v === 'string' && v.length > 0).map((v) => v.toLowerCase());

function personKeys(person: Person): string[] {
  const { identity } = person.request;
  return lower([
    identity.userPrincipalName,
    identity.mail,
    identity.samAccountName,
    identity.distinguishedName,
    identity.objectId,
    person.ad?.dn,
    person.ad?.samAccountName,
    person.ad?.userPrincipalName,
    person.ad?.mail,
    person.entra?.id,
    person.entra?.userPrincipalName,
    person.entra?.mail,
  ]);
}

/** Resolves the delegate of every person, in the contract's order of sources. Lookups are batched across people. */
export async function resolveDelegates(options: DelegateOptions): Promise<Delegate[]> {
  const { ad, graph } = options.directories;
  const leaving = new Set(options.people.flatMap(personKeys));
  const readAd = ad ? createBatcher((dns: string[]) => ad.readUsers(dns)) : undefined;
  const findAd = ad ? createBatcher((ids: { userPrincipalName?: string; mail?: string }[]) => ad.findUsers(ids)) : undefined;
  const rosterByPosition = new Map(options.roster.map((entry) => [entry.hrPositionId.toLowerCase(), entry]));

  const fromAd = (user: AdUser): Candidate => ({
    userPrincipalName: user.userPrincipalName ?? user.mail,
    active: (user.userAccountControl & ACCOUNTDISABLE) === 0,
    keys: lower([user.dn, user.samAccountName, user.userPrincipalName, user.mail]),
    manager: user.manager && readAd ? async () => {
      const manager = await readAd(user.manager as string);
      return manager ? fromAd(manager) : undefined;
    } : undefined,
  });
  const fromEntra = (user: EntraUser): Candidate => ({
    userPrincipalName: user.userPrincipalName,
    active: user.accountEnabled,
    keys: lower([user.id, user.userPrincipalName, user.mail, user.onPremisesSamAccountName]),
    manager: user.manager && graph ? async () => {
      const [matches] = await findEntraUsers(graph, [{ objectId: user.manager?.id }]);
      return matches.length === 1 ? fromEntra(matches[0]) : undefined;
    } : undefined,
  });
  /** Finds a person named by UPN or mail: in Entra when it is configured (where access is granted), else in AD. */
  const byName = async (name: string): Promise<Candidate | undefined> => {
    if (graph) {
      const [byUpn, byMail] = await findEntraUsers(graph, [{ userPrincipalName: name }, { mail: name }]);
      const found = byUpn.length === 1 ? byUpn : byMail;
      return found.length === 1 ? fromEntra(found[0]) : undefined;
    }
    if (findAd) {
      const [byUpn, byMail] = await Promise.all([findAd({ userPrincipalName: name }), findAd({ mail: name })]);
      const found = byUpn.length === 1 ? byUpn : byMail;
      return found.length === 1 ? fromAd(found[0]) : undefined;
    }
    return undefined;
  };
  const fromRoster = async (entry: RosterEntry, depth = 0): Promise<Candidate | undefined> => {
    const name = entry.identity.userPrincipalName ?? entry.identity.mail;
    const found = name ? await byName(name) : undefined;
    const next = entry.hrReportsToPositionId ? rosterByPosition.get(entry.hrReportsToPositionId.toLowerCase()) : undefined;
    const candidate: Candidate = found ?? { userPrincipalName: name, active: false, keys: lower([name]) };
    return {
      ...candidate,
      manager: next && depth < MAX_CLIMB ? () => fromRoster(next, depth + 1) : undefined,
    };
  };

  const resolveOne = async (person: Person): Promise<Delegate> => {
    const notes: string[] = [];
    const self = new Set(personKeys(person));
    const settle = async (first: Candidate | undefined, source: DelegateSource): Promise<Delegate | undefined> => {
      const seen = new Set<string>();
      let candidate = first;
      for (let level = 0; candidate && level <= MAX_CLIMB; level++) {
        const id = candidate.keys[0] ?? '';
        if (seen.has(id)) {
          notes.push(`${source}: manager chain loops back to ${candidate.userPrincipalName ?? id}`);
          return undefined;
        }
        seen.add(id);
        const why = candidate.keys.some((k) => self.has(k))
          ? 'is the leaver'
          : !candidate.userPrincipalName
            ? 'has no UPN'
            : candidate.keys.some((k) => leaving.has(k))
              ? 'is leaving in this run'
              : !candidate.active
                ? 'is disabled'
                : undefined;
        if (!why) return { userPrincipalName: candidate.userPrincipalName, source, notes: notes.length ? notes : undefined };
        notes.push(`${source}: ${candidate.userPrincipalName ?? id} ${why}`);
        candidate = level < MAX_CLIMB && candidate.manager ? await candidate.manager() : undefined;
      }
      return undefined;
    };

    const request = person.request;
    if (request.delegate) {
      const found = await byName(request.delegate);
      if (!found) notes.push(`csv: delegate ${request.delegate} not found`);
      const delegate = found && (await settle(found, 'csv'));
      if (delegate) return delegate;
    }
    if (request.hrReportsToPositionId) {
      const entry = rosterByPosition.get(request.hrReportsToPositionId.toLowerCase());
      if (!entry) notes.push(`roster: no position ${request.hrReportsToPositionId}`);
      const delegate = entry && (await settle(await fromRoster(entry), 'roster'));
      if (delegate) return delegate;
    }
    if (person.ad?.manager && readAd) {
      const manager = await readAd(person.ad.manager);
      if (!manager) notes.push(`ad-manager: ${person.ad.manager} not found`);
      const delegate = manager && (await settle(fromAd(manager), 'ad-manager'));
      if (delegate) return delegate;
    }
    if (person.entra?.manager && graph) {
      const [matches] = await findEntraUsers(graph, [{ objectId: person.entra.manager.id }]);
      const delegate = matches.length === 1 ? await settle(fromEntra(matches[0]), 'entra-manager') : undefined;
      if (delegate) return delegate;
    }
    if (options.defaultDelegate) {
      const found = (await byName(options.defaultDelegate)) ?? {
        userPrincipalName: options.defaultDelegate,
        active: true,
        keys: lower([options.defaultDelegate]),
      };
      // The default delegate is a fixed choice: it is used as it is, or not at all (no climbing).
      const delegate = await settle({ ...found, manager: undefined }, 'default');
      if (delegate) return delegate;
    }
    return { source: 'none', notes: notes.length ? notes : undefined };
  };

  return Promise.all(options.people.map(resolveOne));
}
