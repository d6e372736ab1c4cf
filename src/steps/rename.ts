// The rename step: sets the leaver's display name from display-name-format where the name is mastered (AD, or Entra for cloud-only users).
import { z } from 'zod';
import type { AdDirectory, GraphApi } from '../connectors/types.js';
import { MAX_DISPLAY_NAME, originalName, renderName } from '../util/name-format.js';
import { dayIn } from '../util/time.js';
import { defineStep } from './define.js';
import { expectState, readBackAdUser } from './read-back.js';
import type { Decision, RunShared, StepContext } from './types.js';

const nameShape = z.object({ displayName: z.string().nullish() });

/** Where the leaver's display name is written and read back. */
interface NameHolder {
  current: string | null;
  write(name: string | null): Promise<void>;
  read(): Promise<string | null>;
}

function inAd(ad: AdDirectory, dn: string, current: string | undefined, shared: RunShared): NameHolder {
  return {
    current: current ?? null,
    // A replace with no value clears the attribute: how an account that had no display name gets that back.
    write: (name) => ad.modify(dn, [{ operation: 'replace', attribute: 'displayName', values: name === null ? [] : [name] }]),
    read: async () => (await readBackAdUser(shared, ad, dn))?.displayName ?? null,
  };
}

function inEntra(graph: GraphApi, id: string, current: string | undefined): NameHolder {
  return {
    current: current ?? null,
    async write(name) {
      await graph.call({ method: 'PATCH', path: '/users/{id}', params: { id }, body: { displayName: name } });
    },
    async read() {
      const user = await graph.call({ method: 'GET', path: '/users/{id}', params: { id }, query: { select: ['displayName'] }, schema: nameShape });
      return user.displayName ?? null;
    },
  };
}

/**
 * The directory that masters the name: Entra for a cloud-only user; AD for a user synced from it (Graph refuses the
 * write, and the next sync brings the AD name to Entra) or one with no Entra account. A reason when it is out of reach.
 */
function holderFor({ person, connectors, shared }: Pick<StepContext, 'person' | 'connectors' | 'shared'>): NameHolder | string {
  const { ad, graph } = connectors;
  if (person.entra && !person.entra.onPremisesSyncEnabled) {
    return graph ? inEntra(graph, person.entra.id, person.entra.displayName) : 'Entra ID not configured (tenant-id)';
  }
  if (!ad) return person.entra ? 'synced from AD, where the name is set: AD not configured (ldap-url)' : 'AD not configured (ldap-url)';
  if (!person.ad) return person.adMissing ?? 'no AD account';
  return inAd(ad, person.ad.dn, person.ad.displayName, shared);
}

function change(holder: NameHolder, name: string | null): Decision<Record<never, never>> {
  return {
    kind: 'change',
    before: { displayName: holder.current },
    after: { displayName: name },
    reason: `"${holder.current}" → "${name}"`,
    apply: () => holder.write(name),
    verify: async () => expectState({ displayName: name }, { displayName: await holder.read() }),
  };
}

export const rename = defineStep({
  name: 'rename',
  description:
    'sets `displayName` from `display-name-format` (in AD for users synced from it, through Graph for cloud-only users); ' +
    'a name made by the format is not made again',
  byDefault: false,
  needs: [],
  uses: ['ad', 'entra'],
  permissions: {
    graph: [['User.ReadWrite.All'], ['Directory.ReadWrite.All']],
    ad: 'write `displayName`',
    adAttributes: ['displayName'],
    // displayName comes with the user that resolve reads, in AD and in Entra.
    reads: {},
    notes: 'AD: write displayName on the user objects. Graph (cloud-only users): PATCH /users/{id} {displayName}.',
  },
  reversible: true,
  async observe(context) {
    const format = context.inputs.displayNameFormat;
    if (!format) return { kind: 'skipped', reason: 'display-name-format is empty' };
    const holder = holderFor(context);
    if (typeof holder === 'string') return { kind: 'skipped', reason: holder };
    const effective = context.person.request.effective ? new Date(context.person.request.effective) : context.now;
    // From the original name: a name the format made in an earlier run (with any date) is not wrapped a second time.
    const displayName = originalName(format, holder.current ?? '');
    const name = renderName(format, { displayName, effectiveDate: dayIn(effective, context.inputs.timeZone) });
    if (name.length > MAX_DISPLAY_NAME) {
      throw new Error(
        `The new display name would be ${name.length} characters; AD and Entra ID take at most ${MAX_DISPLAY_NAME}: shorten display-name-format`,
      );
    }
    if (name === holder.current) return { kind: 'unchanged', before: { displayName: name } };
    return change(holder, name);
  },
  async reverse(context) {
    const holder = holderFor(context);
    if (typeof holder === 'string') return { kind: 'skipped', reason: holder };
    const recorded = (key: 'before' | 'after'): string | null => {
      const value = context.record[key]?.displayName;
      return typeof value === 'string' ? value : null;
    };
    const [before, after] = [recorded('before'), recorded('after')];
    if (holder.current === before) return { kind: 'unchanged', before: { displayName: before } };
    if (holder.current !== after) return { kind: 'skipped', reason: 'changed since: the display name is no longer the one the run set' };
    return change(holder, before);
  },
});
