// entra-disable: turns off sign-in for a cloud-only Entra user; synced users are disabled through AD instead.
import type { Step } from './types.js';

export const entraDisable: Step = {
  name: 'entra-disable',
  needs: ['entra'],
  async observe({ person, connectors }) {
    const user = person.entra;
    const graph = connectors.graph;
    if (!user || !graph) return { kind: 'skipped', reason: 'no Entra account' };
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
    };
  },
};
