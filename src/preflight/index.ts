// Opens the connectors a run needs, once, and checks each before any change: the preflight.
import type { Connectors } from '../connectors/types.js';
import type { Inputs } from '../inputs-types.js';
import type { PreflightLine } from '../model.js';
import { openAd } from './ad.js';
import type { Opening } from './checklist.js';
import { pfxOf } from '../connectors/powershell/pfx.js';
import { openGraph, readCertificate } from './graph.js';
import { openPowerShell } from './powershell.js';
import { NOTIFY_ROW } from '../permissions.js';
import { keyMaterialParts } from '../util/secret-parts.js';

export interface OpenedConnectors {
  connectors: Connectors;
  preflight: PreflightLine[];
  close(): Promise<void>;
}

/**
 * Creates the connectors for the configured directories and checks them: LDAP bound, token with its permissions,
 * pwsh and modules. A directory that is not configured is absent, and said so in the checklist.
 */
/**
 * `mask` hides a secret in the log (core.setSecret): the private key re-exported from the certificate input (an
 * encrypted or PKCS#1 key becomes new PKCS#8 text) and the PFX made for PnP are secret material the runner has not
 * seen yet, masked before any connector or session can print them.
 */
export async function openConnectors(
  inputs: Inputs,
  warn: (message: string) => void,
  mask: (secret: string) => void,
  /** How many leavers the run selected: the PowerShell sessions it starts ahead, up to `powershell-sessions`. */
  leavers = 1,
): Promise<OpenedConnectors> {
  const opening: Opening = { connectors: {}, preflight: [], closers: [] };

  if (inputs.ldap) {
    await openAd(inputs.ldap, warn, opening);
  } else {
    opening.preflight.push({ ok: true, label: 'AD: not configured (ldap-url is empty): AD steps are skipped' });
  }

  if (inputs.entra) {
    const certificate = readCertificate(inputs.entra, opening);
    if (certificate) {
      for (const part of keyMaterialParts(certificate.keyPem, pfxOf(certificate))) mask(part);
      await openGraph(inputs.entra, certificate, inputs.notify === 'delegate' ? [...inputs.steps, NOTIFY_ROW] : inputs.steps, opening, inputs.mode);
      await openPowerShell(inputs, certificate, opening, leavers);
    }
  } else {
    opening.preflight.push({ ok: true, label: 'Entra ID: not configured (tenant-id is empty): cloud steps are skipped' });
  }

  const { connectors, preflight, closers } = opening;
  return {
    connectors,
    preflight,
    async close() {
      await Promise.allSettled(closers.map((close) => close()));
    },
  };
}
