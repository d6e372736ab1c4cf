// Finds who receives a leaver's mailbox and OneDrive: the first source that yields an active person who is staying.
import type { Delegate, DelegateSource, Person, RosterEntry } from '../model.js';
import { candidateReader, lowerKeys, type Candidate, type DelegateDirectories } from './delegate-candidates.js';

/** A candidate who cannot serve is replaced by their own manager, at most this many times. */
const MAX_CLIMB = 3;

export interface DelegateOptions {
  people: Person[];
  roster: RosterEntry[];
  defaultDelegate?: string;
  directories: DelegateDirectories;
}

/** Who a chain of candidates settled on, and why its first candidate was passed over. */
interface Settled {
  chosen?: { userPrincipalName: string; source: DelegateSource };
  issue?: string;
}

function personKeys(person: Person): string[] {
  const { identity } = person.request;
  return lowerKeys([
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

const sameName = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

/**
 * Resolves the delegate of every person, in the contract's order of sources. Lookups are batched across people.
 * The directory manager is the first of roster, AD manager and Entra manager that yields someone who can serve:
 * the delegate the run would use had the row asked for nobody. A requested delegate whose chain gives anyone else
 * is an override, recorded with the manager it replaces.
 */
export async function resolveDelegates(options: DelegateOptions): Promise<Delegate[]> {
  const { ad, graph } = options.directories;
  const leaving = new Set(options.people.flatMap(personKeys));
  const reader = candidateReader(options.directories);
  const rosterByPosition = new Map(options.roster.map((entry) => [entry.hrPositionId.toLowerCase(), entry]));

  const fromRoster = async (entry: RosterEntry, depth = 0): Promise<Candidate> => {
    const name = entry.identity.userPrincipalName ?? entry.identity.mail;
    const found = name ? await reader.byName(name) : undefined;
    const next = entry.hrReportsToPositionId ? rosterByPosition.get(entry.hrReportsToPositionId.toLowerCase()) : undefined;
    const candidate: Candidate = found ?? { userPrincipalName: name, unable: 'is not found', keys: lowerKeys([name]) };
    return { ...candidate, manager: next && depth < MAX_CLIMB ? () => fromRoster(next, depth + 1) : undefined };
  };

  const resolveOne = async (person: Person): Promise<Delegate> => {
    const self = new Set(personKeys(person));
    /** Walks up from `first` until someone can serve; each candidate passed over leaves a note. */
    const settle = async (first: Candidate, source: DelegateSource, notes: string[]): Promise<Settled> => {
      const seen = new Set<string>();
      let issue: string | undefined;
      let candidate: Candidate | undefined = first;
      for (let level = 0; candidate && level <= MAX_CLIMB; level++) {
        const id = candidate.keys[0] ?? '';
        const label = (level === 0 ? candidate.named : undefined) ?? candidate.userPrincipalName ?? id;
        if (seen.has(id)) {
          notes.push(`${source}: manager chain loops back to ${candidate.userPrincipalName ?? id}`);
          return { issue };
        }
        seen.add(id);
        const why = candidate.keys.some((k) => self.has(k))
          ? 'is the leaver'
          : (candidate.refused ??
            (!candidate.userPrincipalName
              ? 'has no UPN'
              : candidate.keys.some((k) => leaving.has(k))
                ? 'is leaving in this run'
                : candidate.unable));
        if (!why && candidate.userPrincipalName) return { chosen: { userPrincipalName: candidate.userPrincipalName, source }, issue };
        notes.push(`${source}: ${label} ${why}`);
        issue ??= why;
        if (candidate.refused) return { issue };
        candidate = level < MAX_CLIMB && candidate.manager ? await candidate.manager() : undefined;
      }
      return { issue };
    };

    const directoryManager = async (notes: string[]): Promise<Settled['chosen']> => {
      const request = person.request;
      if (request.hrReportsToPositionId) {
        const entry = rosterByPosition.get(request.hrReportsToPositionId.toLowerCase());
        if (!entry) notes.push(`roster: no position ${request.hrReportsToPositionId}`);
        const { chosen } = entry ? await settle(await fromRoster(entry), 'roster', notes) : {};
        if (chosen) return chosen;
      }
      if (person.ad?.manager && reader.readAd) {
        const manager = await reader.readAd(person.ad.manager);
        if (!manager) notes.push(`ad-manager: ${person.ad.manager} not found`);
        const { chosen } = manager ? await settle(await reader.fromAd(manager), 'ad-manager', notes) : {};
        if (chosen) return chosen;
      }
      if (person.entra?.manager) {
        const manager = await reader.entraById(person.entra.manager.id);
        const { chosen } = manager ? await settle(await reader.fromEntra(manager), 'entra-manager', notes) : {};
        if (chosen) return chosen;
      }
      return undefined;
    };

    const requestedDelegate = async (name: string, notes: string[]): Promise<Settled> => {
      if (!ad && !graph) return { issue: 'not looked up: no directory is configured' };
      const found = await reader.byName(name);
      if (found) return settle(found, 'csv', notes);
      notes.push(`csv: delegate ${name} not found`);
      return { issue: 'not found' };
    };

    const defaultDelegate = async (name: string, notes: string[]): Promise<Settled['chosen']> => {
      // Without a directory there is nothing to check the default delegate against: it is used as it is.
      const found = ad || graph ? await reader.byName(name) : { userPrincipalName: name, keys: lowerKeys([name]) };
      if (!found) {
        notes.push(`default: ${name} not found`);
        return undefined;
      }
      // The default delegate is a fixed choice: it is used as it is, or not at all (no climbing).
      return (await settle({ ...found, manager: undefined }, 'default', notes)).chosen;
    };

    const requested = person.request.delegate;
    const requestNotes: string[] = [];
    const managerNotes: string[] = [];
    const [manager, asked] = await Promise.all([
      directoryManager(managerNotes),
      requested ? requestedDelegate(requested, requestNotes) : Promise.resolve<Settled>({}),
    ]);
    const withNotes = (delegate: Delegate, notes: string[]): Delegate => (notes.length > 0 ? { ...delegate, notes } : delegate);
    const managerRecord = ad || graph ? { manager: manager ?? { source: 'none' as const } } : {};

    if (requested && asked.chosen) {
      const override = !manager || !sameName(manager.userPrincipalName, asked.chosen.userPrincipalName);
      return withNotes(
        { ...asked.chosen, requested, requestedIssue: asked.issue, ...managerRecord, override: override || undefined },
        requestNotes,
      );
    }
    const notes = [...requestNotes, ...managerNotes];
    const chosen = manager ?? (options.defaultDelegate ? await defaultDelegate(options.defaultDelegate, notes) : undefined);
    const used: Delegate = chosen ?? { source: 'none' };
    return withNotes(requested ? { ...used, requested, requestedIssue: asked.issue, ...managerRecord } : used, notes);
  };

  return Promise.all(options.people.map(resolveOne));
}
