// Opens the connectors a run needs, once, and checks each before any change: the preflight.
import type { Inputs } from '../inputs-types.js';
import type { PreflightLine } from '../model.js';
import { checkGraphPermissions } from '../permissions.js';
import { checkPowerShell } from '../preflight-powershell.js';
import { servicesFor } from '../steps/index.js';
import { parseCertificate } from './auth.js';
import { createGraphApi } from './graph.js';
import { createAdDirectory } from './ldap.js';
import { createPowerShellService, exchangeConnectParameters, sharepointConnectParameters } from './powershell.js';
import type { Connectors } from './types.js';

export interface OpenedConnectors {
  connectors: Connectors;
  preflight: PreflightLine[];
  close(): Promise<void>;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * How long one Exchange or SharePoint command may run before its session is stopped: OFFBOARD_POWERSHELL_TIMEOUT_SECONDS
 * in the step's environment (a runner-level setting, as actions/cache reads SEGMENT_DOWNLOAD_TIMEOUT_MINS), else the
 * connector's default of 120 s.
 */
function commandTimeoutMs(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const seconds = Number(env.OFFBOARD_POWERSHELL_TIMEOUT_SECONDS);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/**
 * Creates the connectors for the configured directories and checks them: LDAP bound, token with its permissions,
 * pwsh and modules. A directory that is not configured is absent, and said so in the checklist.
 */
export async function openConnectors(inputs: Inputs, warn: (message: string) => void): Promise<OpenedConnectors> {
  const connectors: Connectors = {};
  const preflight: PreflightLine[] = [];
  const closers: (() => Promise<void>)[] = [];

  if (inputs.ldap) {
    const ad = createAdDirectory({ ...inputs.ldap, onWarning: warn });
    connectors.ad = ad;
    closers.push(() => ad.close());
    try {
      await ad.connect();
      const self = await ad.whoami();
      preflight.push({ ok: true, label: `AD: bound to ${inputs.ldap.url}`, detail: self.dn ? `as ${self.dn}` : undefined });
    } catch (error) {
      preflight.push({
        ok: false,
        label: `AD: bind to ${inputs.ldap.url}`,
        detail: message(error),
        fix: 'Check ldap-url, ldap-bind-dn, ldap-password and ldap-ca; the runner must reach the DC on 636 (LDAPS) or 389 (StartTLS).',
      });
    }
  } else {
    preflight.push({ ok: true, label: 'AD: not configured (ldap-url is empty): AD steps are skipped' });
  }

  if (inputs.entra) {
    const entra = inputs.entra;
    let certificate: ReturnType<typeof parseCertificate> | undefined;
    try {
      certificate = parseCertificate(entra.certificate, entra.certificatePassword);
    } catch (error) {
      preflight.push({
        ok: false,
        label: 'Entra: app certificate',
        detail: message(error),
        fix: 'Set `certificate` to a PEM holding the certificate and its private key (and `certificate-password` when the key is encrypted).',
      });
    }
    if (certificate) {
      const graph = createGraphApi({ entra, certificate });
      connectors.graph = graph;
      closers.push(() => graph.close());
      try {
        const roles = await graph.roles();
        preflight.push({ ok: true, label: `Entra: signed in to tenant ${entra.tenantId} as app ${entra.clientId}` });
        preflight.push(...checkGraphPermissions(roles, inputs.steps));
      } catch (error) {
        preflight.push({
          ok: false,
          label: `Entra: sign-in to tenant ${entra.tenantId}`,
          detail: message(error),
          fix: 'Check tenant-id, client-id and that the certificate is registered on the app registration.',
        });
      }
      const services = servicesFor(inputs.steps);
      if (services.length > 0) {
        const lines = await checkPowerShell({ pwsh: inputs.pwsh, services });
        preflight.push(...lines);
        const ready = lines.every((line) => line.ok);
        const common = { pwsh: inputs.pwsh, sessions: inputs.powershellSessions, commandTimeoutMs: commandTimeoutMs() };
        if (ready && services.includes('exchange') && entra.organization) {
          const exchange = createPowerShellService({
            ...common,
            service: 'exchange',
            connect: exchangeConnectParameters(inputs, certificate),
          });
          connectors.exchange = exchange;
          closers.push(() => exchange.close());
        }
        if (ready && services.includes('sharepoint') && entra.sharepointAdminUrl) {
          const sharepoint = createPowerShellService({
            ...common,
            service: 'sharepoint',
            connect: sharepointConnectParameters(inputs, certificate),
          });
          connectors.sharepoint = sharepoint;
          closers.push(() => sharepoint.close());
        }
        if (services.includes('exchange') && !entra.organization) {
          preflight.push({
            ok: false,
            label: 'Exchange Online: organization is empty',
            fix: 'Set `organization` to the primary *.onmicrosoft.com domain, or remove the mailbox steps.',
          });
        }
      }
    }
  } else {
    preflight.push({ ok: true, label: 'Entra ID: not configured (tenant-id is empty): cloud steps are skipped' });
  }

  return {
    connectors,
    preflight,
    async close() {
      await Promise.allSettled(closers.map((close) => close()));
    },
  };
}
