// entra-revoke: invalidates the user's refresh tokens and session cookies, so every app asks them to sign in again.
import type { Step } from './types.js';

export const entraRevoke: Step = {
  name: 'entra-revoke',
  needs: ['entra'],
  async observe({ person, connectors }) {
    const user = person.entra;
    const graph = connectors.graph;
    if (!user || !graph) return { kind: 'skipped', reason: 'no Entra account' };
    // Never `unchanged`: there is no state that proves the target holds. signInSessionsValidFromDateTime only says
    // when sessions were last revoked, not whether a token was issued since, so every run revokes again; revoking
    // twice is harmless.
    return {
      kind: 'change',
      async apply() {
        const revokedAt = new Date().toISOString();
        await graph.call({ method: 'POST', path: '/users/{id}/revokeSignInSessions', params: { id: user.id } });
        return { after: { signInSessionsRevokedAt: revokedAt } };
      },
    };
  },
};
