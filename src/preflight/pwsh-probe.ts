// Preflight for the PowerShell steps: pwsh 7.4 or later, and the Exchange Online and PnP modules with their versions and manifests.
import { execa, ExecaError } from 'execa';
import pRetry from 'p-retry';
import { z } from 'zod';
import { PS_MODULES } from '../connectors/powershell/connect.js';
import { powershellEnv } from '../connectors/powershell/env.js';
import type { PsService } from '../connectors/types.js';
import type { PreflightLine } from '../model.js';
import { messageOf } from './checklist.js';

const MIN_PWSH = [7, 4] as const;
const MIN_MODULE: Record<PsService, [number, number]> = {
  // App-only certificate sign-in over REST (no WinRM) on Linux needs the V3 module.
  exchange: [3, 0],
  // PnP.PowerShell 2 is the first release on PowerShell 7 with -CertificateBase64Encoded app-only sign-in.
  sharepoint: [2, 0],
};
// On Windows the connect keeps the key in memory with -X509KeyStorageFlags, which PnP.PowerShell has since 3.0.
const MIN_MODULE_WINDOWS: Record<PsService, [number, number]> = { exchange: [3, 0], sharepoint: [3, 0] };

const INSTALL: Record<PsService, string> = {
  exchange:
    'Install it on the runner: `pwsh -Command "Install-Module ExchangeOnlineManagement -Scope AllUsers"`. The app needs the Exchange.ManageAsApp application permission and the Exchange Recipient Administrator role.',
  sharepoint:
    'Install it on the runner: `pwsh -Command "Install-Module PnP.PowerShell -Scope AllUsers"`. The app needs the SharePoint Sites.FullControl.All application permission.',
};

// A fixed script: it reads nothing from the run, so nothing from the run can end up in it.
const PROBE = [
  '$ProgressPreference = "SilentlyContinue"',
  '$modules = @(Get-Module -ListAvailable -Name ExchangeOnlineManagement, PnP.PowerShell | ForEach-Object { [pscustomobject]@{ Name = $_.Name; Version = $_.Version.ToString(); Path = $_.ModuleBase; Manifest = $_.Path } })',
  '[pscustomobject]@{ PSVersion = $PSVersionTable.PSVersion.ToString(); Modules = $modules } | ConvertTo-Json -Depth 4 -Compress',
].join('; ');

const moduleSchema = z.object({ Name: z.string(), Version: z.string(), Path: z.string(), Manifest: z.string() });
const probeSchema = z.object({
  PSVersion: z.string(),
  // ConvertTo-Json writes a single module as an object and none as null.
  Modules: z
    .union([z.array(moduleSchema), moduleSchema, z.null()])
    .transform((modules) => (modules === null ? [] : Array.isArray(modules) ? modules : [modules])),
});

function atLeast(version: string, minimum: readonly [number, number]): boolean {
  const [major = 0, minor = 0] = version.split(/[.-]/).map((part) => Number.parseInt(part, 10) || 0);
  return major > minimum[0] || (major === minimum[0] && minor >= minimum[1]);
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const notFound = (error: unknown): boolean => /ENOENT/.test(messageOf(error));

export interface PowerShellCheck {
  lines: PreflightLine[];
  /** The manifest (.psd1) of each module found fit, the newest version: what the sessions import, by that path. */
  manifests: Partial<Record<PsService, string>>;
}

/** One short pwsh run: its version and the modules the services need, each failure with its fix. */
export async function checkPowerShell(options: {
  pwsh: string;
  services: PsService[];
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}): Promise<PowerShellCheck> {
  const minimum = (options.platform ?? process.platform) === 'win32' ? MIN_MODULE_WINDOWS : MIN_MODULE;
  let stdout: string;
  try {
    const result = await pRetry(
      () =>
        execa(options.pwsh, ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', PROBE], {
          extendEnv: false,
          env: powershellEnv(options.env),
          timeout: 60_000,
          stdin: 'ignore',
        }),
      // A pwsh that exists but failed to start once (a busy runner) gets a second chance, at once, before the run is stopped.
      { retries: 1, minTimeout: 0, shouldRetry: ({ error }) => !notFound(error) },
    );
    stdout = result.stdout;
  } catch (error) {
    const reason = error instanceof ExecaError ? error.stderr || error.shortMessage : messageOf(error);
    const line: PreflightLine = {
      ok: false,
      label: 'PowerShell 7 (pwsh)',
      detail: notFound(error) ? `${options.pwsh} was not found` : `${options.pwsh} failed: ${String(reason || '').slice(0, 300)}`,
      fix: 'Install PowerShell 7.4 or later on the runner (https://learn.microsoft.com/powershell/scripting/install/installing-powershell) or set the `pwsh` input to its path.',
    };
    return { lines: [line], manifests: {} };
  }
  let probe: z.infer<typeof probeSchema>;
  try {
    probe = probeSchema.parse(JSON.parse(stdout.trim().split('\n').pop() ?? ''));
  } catch {
    const line: PreflightLine = {
      ok: false,
      label: 'PowerShell 7 (pwsh)',
      detail: `${options.pwsh} did not answer as PowerShell 7 does: ${stdout.slice(0, 200)}`,
      fix: 'Set the `pwsh` input to the path of PowerShell 7.4 or later.',
    };
    return { lines: [line], manifests: {} };
  }
  const lines: PreflightLine[] = [];
  const manifests: PowerShellCheck['manifests'] = {};
  const pwshOk = atLeast(probe.PSVersion, MIN_PWSH);
  lines.push({
    ok: pwshOk,
    label: 'PowerShell 7 (pwsh)',
    detail: `${probe.PSVersion} at ${options.pwsh}`,
    ...(pwshOk ? {} : { fix: `PowerShell ${MIN_PWSH.join('.')} or later is needed: update pwsh on the runner.` }),
  });
  for (const service of options.services) {
    const name = PS_MODULES[service];
    const newest = probe.Modules
      .filter((m) => m.Name === name)
      .sort((a, b) => compareVersions(b.Version, a.Version))[0];
    if (!newest) {
      lines.push({ ok: false, label: `${name} module`, detail: 'not found on PSModulePath', fix: INSTALL[service] });
    } else if (!atLeast(newest.Version, minimum[service])) {
      lines.push({
        ok: false,
        label: `${name} module`,
        detail: `${newest.Version} at ${newest.Path}: ${minimum[service].join('.')} or later is needed`,
        fix: `Update it on the runner: \`pwsh -Command "Update-Module ${name}"\` (or Install-Module ${name} -Scope AllUsers -Force).`,
      });
    } else {
      lines.push({ ok: true, label: `${name} module`, detail: `${newest.Version} at ${newest.Path}` });
      manifests[service] = newest.Manifest;
    }
  }
  return { lines, manifests };
}
