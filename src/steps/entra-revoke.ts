// entra-revoke: invalidates the user's refresh tokens and session cookies, so every app asks them to sign in again.
import { toIso } from '../util/time.js';
import { defineStep } from './define.js';

export const entraRevoke = defineStep({
  name: 'entra-revoke',
  description: "revokes the user's sign-in sessions and refresh tokens",
  byDefault: true,
  needs: ['entra'],
  permissions: {
    graph: [['User.RevokeSessions.All'], ['User.ReadWrite.All'], ['Directory.ReadWrite.All']],
    // A plan reads nothing: sessions are revoked on every run.
    reads: {},
    notes: 'POST /users/{id}/revokeSignInSessions.',
  },
  // Revoked sessions cannot be given back: the user signs in again.
  reversible: false,
  // No state to read back: nothing shows that no token was issued since (see observe), so a revocation is done unverified.
  readBack: false,
  async observe({ person, connectors }) {
    const user = person.entra;
    const graph = connectors.graph;
    // Never `unchanged`: there is no state that proves the target holds. signInSessionsValidFromDateTime only says
    // when sessions were last revoked, not whether a token was issued since, so every run revokes again; revoking
    // twice is harmless.
    return {
      kind: 'change',
      async apply() {
        const revokedAt = toIso(new Date());
        await graph.call({ method: 'POST', path: '/users/{id}/revokeSignInSessions', params: { id: user.id } });
        return { after: { signInSessionsRevokedAt: revokedAt } };
      },
    };
  },
});
