// Preflight for Entra ID: the app certificate, the Graph sign-in and the permissions its token holds.
import { parseCertificate, type AppCertificate } from '../connectors/auth.js';
import { createGraphApi } from '../connectors/graph.js';
import type { EntraInputs, Mode } from '../inputs-types.js';
import { checkGraphPermissions } from '../permissions.js';
import { messageOf, type Opening } from './checklist.js';
import { graphIdentity } from './identity.js';

/** The app's certificate and key, or a failing line saying how to set them. */
export function readCertificate(entra: EntraInputs, opening: Opening): AppCertificate | undefined {
  try {
    return parseCertificate(entra.certificate, entra.certificatePassword);
  } catch (error) {
    opening.preflight.push({
      ok: false,
      label: 'Entra: app certificate',
      detail: messageOf(error),
      fix: 'Set `certificate` to a PEM holding the certificate and its private key (and `certificate-password` when the key is encrypted).',
    });
    return undefined;
  }
}

/** Opens Graph, signs in, and checks the token's roles against what the enabled steps (and `notify`) need in this mode, and whose they are. */
export async function openGraph(entra: EntraInputs, certificate: AppCertificate, steps: readonly string[], opening: Opening, mode: Mode): Promise<void> {
  const graph = createGraphApi({ entra, certificate });
  opening.connectors.graph = graph;
  opening.closers.push(() => graph.close());
  try {
    const roles = await graph.roles();
    opening.preflight.push({ ok: true, label: `Entra: signed in to tenant ${entra.tenantId} as app ${entra.clientId}` });
    opening.preflight.push(...checkGraphPermissions(roles, steps, mode), ...graphIdentity(roles, steps, mode, entra.clientId));
  } catch (error) {
    opening.preflight.push({
      ok: false,
      label: `Entra: sign-in to tenant ${entra.tenantId}`,
      detail: messageOf(error),
      fix: 'Check tenant-id, client-id and that the certificate is registered on the app registration.',
    });
  }
}
