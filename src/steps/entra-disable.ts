// entra-disable: turns off sign-in for a cloud-only Entra user; synced users are disabled through AD instead.
import { z } from 'zod';
import { defineStep } from './define.js';
import { expectState } from './read-back.js';
import { changedSince, notRecorded } from './reverse-record.js';

const enabledShape = z.object({ accountEnabled: z.boolean().nullish() });

export const entraDisable = defineStep({
  name: 'entra-disable',
  description: 'sets `accountEnabled: false` for cloud-only users; for users synced from AD it is `skipped` (disabled through AD)',
  byDefault: true,
  needs: ['entra'],
  permissions: {
    graph: [['User.EnableDisableAccount.All', 'User.Read.All'], ['User.ReadWrite.All'], ['Directory.ReadWrite.All']],
    // accountEnabled comes with the user that resolve reads.
    reads: {},
    notes: 'PATCH /users/{id} {accountEnabled:false}. Disabling an administrator also needs a privileged Entra role for the app.',
  },
  reversible: true,
  async observe({ person, connectors }) {
    const user = person.entra;
    const graph = connectors.graph;
    // Graph refuses accountEnabled on users mastered on-premises; the AD change reaches Entra with the next sync.
    if (user.onPremisesSyncEnabled) return { kind: 'skipped', reason: 'disabled through AD (synced from on-premises)' };
    if (!user.accountEnabled) return { kind: 'unchanged', before: { accountEnabled: false } };
    return {
      kind: 'change',
      before: { accountEnabled: true },
      after: { accountEnabled: false },
      async apply() {
        await graph.call({ method: 'PATCH', path: '/users/{id}', params: { id: user.id }, body: { accountEnabled: false } });
      },
      async verify() {
        const read = await graph.call({ method: 'GET', path: '/users/{id}', params: { id: user.id }, query: { select: ['accountEnabled'] }, schema: enabledShape });
        return expectState({ accountEnabled: false }, { accountEnabled: read.accountEnabled });
      },
    };
  },
  async reverse({ person, connectors, record }) {
    const user = person.entra;
    const graph = connectors.graph;
    const [was, left] = [record.before?.accountEnabled, record.after?.accountEnabled];
    if (typeof was !== 'boolean' || typeof left !== 'boolean') return notRecorded('accountEnabled');
    if (user.onPremisesSyncEnabled) return { kind: 'skipped', reason: 'synced from AD since: sign-in follows the AD account' };
    if (user.accountEnabled !== left) return changedSince('accountEnabled', user.accountEnabled, left, was);
    return {
      kind: 'change',
      before: { accountEnabled: user.accountEnabled },
      after: { accountEnabled: was },
      async apply() {
        await graph.call({ method: 'PATCH', path: '/users/{id}', params: { id: user.id }, body: { accountEnabled: was } });
      },
      async verify() {
        const read = await graph.call({ method: 'GET', path: '/users/{id}', params: { id: user.id }, query: { select: ['accountEnabled'] }, schema: enabledShape });
        return expectState({ accountEnabled: was }, { accountEnabled: read.accountEnabled });
      },
    };
  },
});
