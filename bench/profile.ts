// The benchmark's latency profile: production-like server times (public figures where they exist) and how they are applied.
import type { LatencyKind, LatencyProfile } from '../test/stack/simulator/types.js';

export interface ProfileEntry {
  /** Milliseconds at time scale 1. */
  ms: number;
  operation: string;
  /** Where the figure comes from; "assumed" when nothing public exists. */
  source: string;
}

/** Every figure of the profile (see bench/README.md for the table and /work notes for the evidence). */
export const PROFILE = {
  token: { ms: 150, operation: 'Entra token (client credentials)', source: 'assumed' },
  graphRead: {
    ms: 100,
    operation: 'Graph read (user, manager, drive)',
    source: '0.1 s after the first request (msgraph-sdk-python #909)',
  },
  graphWrite: { ms: 150, operation: 'Graph write (PATCH, revokeSignInSessions)', source: 'assumed' },
  graphBatch: { ms: 300, operation: 'Graph $batch of up to 20', source: 'assumed' },
  exchangeImport: { ms: 1500, operation: 'Import-Module ExchangeOnlineManagement', source: 'assumed (no public figure)' },
  exchangeConnect: {
    ms: 8000,
    operation: 'Connect-ExchangeOnline (app-only)',
    source: '"Connect-ExchangeOnline takes 7.87 seconds" (V2 module, 2021)',
  },
  exchangeCmdlet: {
    ms: 750,
    operation: 'Exchange cmdlet (Get-EXOMailbox, Get-/Add-MailboxPermission)',
    source: '4,000 mailboxes, Get-MailboxPermission in 50 min (office-docs-powershell #10816)',
  },
  pnpImport: { ms: 1500, operation: 'Import-Module PnP.PowerShell', source: 'assumed (no public figure)' },
  sharepointConnect: {
    ms: 3000,
    operation: 'Connect-PnPOnline (app-only), the first of a session',
    source: 'assumed (no public figure)',
  },
  getTenantSite: {
    ms: 650,
    operation: 'Get-PnPTenantSite -Identity',
    source: '0.65 s per site sequentially (vladilen.com); not applied: neither side calls it',
  },
  sharepointCmdlet: {
    ms: 1000,
    operation: 'SharePoint cmdlet (Set-PnPTenantSite -Owners, Get-PnPSiteCollectionAdmin), and a further site connection of a session',
    source: 'assumed (no public figure; at least 3 server round trips in PnP for Set-PnPTenantSite)',
  },
} as const satisfies Record<string, ProfileEntry>;

/**
 * The simulator's latency per operation kind. It has one kind per service for all cmdlets, so every SharePoint cmdlet
 * pays `sharepointCmdlet`; Get-PnPTenantSite's own figure is documented but has nothing to apply to.
 */
export function simulatorLatency(): Required<LatencyProfile> {
  const latency: Record<LatencyKind, number> = {
    token: PROFILE.token.ms,
    'graph.read': PROFILE.graphRead.ms,
    'graph.write': PROFILE.graphWrite.ms,
    'graph.batch': PROFILE.graphBatch.ms,
    'exo.connect': PROFILE.exchangeConnect.ms,
    'exo.cmdlet': PROFILE.exchangeCmdlet.ms,
    'spo.connect': PROFILE.sharepointConnect.ms,
    'spo.cmdlet': PROFILE.sharepointCmdlet.ms,
  };
  return latency;
}

/** The stand-in modules take one import delay for both; the profile keeps them equal so that one value serves. */
export function moduleImportMs(): number {
  if (PROFILE.exchangeImport.ms !== PROFILE.pnpImport.ms) {
    throw new Error('the stand-in modules take one import delay: keep exchangeImport and pnpImport equal');
  }
  return PROFILE.exchangeImport.ms;
}

/** Latency at time scale 1 of one log operation (`exo.cmdlet.Add-MailboxPermission`, `graph.get.drive`, …). */
export function operationMs(op: string): number {
  const latency = simulatorLatency();
  if (op === 'token') return latency.token;
  if (op === 'graph.batch') return latency['graph.batch'];
  if (op.startsWith('graph.get.') || op.startsWith('graph.list.')) return latency['graph.read'];
  if (op.startsWith('graph.')) return latency['graph.write'];
  if (op === 'exo.connect') return latency['exo.connect'];
  if (op.startsWith('exo.cmdlet')) return latency['exo.cmdlet'];
  if (op === 'spo.connect') return latency['spo.connect'];
  // A further connection of a connected PnP session (to one site) pays a cmdlet's time in the simulator, not a connect's.
  if (op === 'spo.site-connect') return latency['spo.cmdlet'];
  if (op.startsWith('spo.cmdlet')) return latency['spo.cmdlet'];
  return 0;
}

export type Service = 'exchange' | 'sharepoint';

/**
 * The commands a run must send per leaver on each PowerShell service, whatever the implementation: one read of the
 * current state and one change (the contract's observe-then-act). Exchange: Get-MailboxPermission and
 * Add-MailboxPermission; SharePoint: Get-PnPSiteCollectionAdmin and Set-PnPTenantSite.
 */
export const MINIMUM_PER_USER: Record<Service, { commands: string[]; ms: number }> = {
  exchange: { commands: ['Get-MailboxPermission', 'Add-MailboxPermission'], ms: 2 * PROFILE.exchangeCmdlet.ms },
  sharepoint: { commands: ['Get-PnPSiteCollectionAdmin', 'Set-PnPTenantSite'], ms: 2 * PROFILE.sharepointCmdlet.ms },
};

/**
 * The least per leaver once every change is read back (the contract's read-back), with the documented cmdlets.
 * Exchange: the grant, whose "already present" warning gives the state before, and its read-back. SharePoint: no
 * documented call reads a OneDrive's admins from the admin connection (Get-PnPTenantSite gives only the primary owner;
 * Get-PnPSiteCollectionAdmin reads the site it is connected to), so a connection to the OneDrive (with its token), the
 * read, the change and its read-back.
 */
export const FLOOR_WITH_READ_BACK: Record<Service, { commands: string[]; ms: number }> = {
  exchange: { commands: ['Add-MailboxPermission', 'Get-MailboxPermission (read-back)'], ms: 2 * PROFILE.exchangeCmdlet.ms },
  sharepoint: {
    commands: ['Connect-PnPOnline -Url <OneDrive> (+ token)', 'Get-PnPSiteCollectionAdmin', 'Set-PnPTenantSite', 'Get-PnPSiteCollectionAdmin (read-back)'],
    ms: 4 * PROFILE.sharepointCmdlet.ms + PROFILE.token.ms,
  },
};

/** Time for one session of a service to be ready: pwsh start (measured) + module import + connect (with its token). */
function sessionReadyMs(service: Service, pwshStartMs: number, timeScale: number): number {
  const profileMs =
    service === 'exchange'
      ? PROFILE.exchangeImport.ms + PROFILE.token.ms + PROFILE.exchangeConnect.ms
      : PROFILE.pnpImport.ms + PROFILE.token.ms + PROFILE.sharepointConnect.ms;
  return pwshStartMs + profileMs * timeScale;
}

/**
 * The lower bound of a run for N leavers with `sessions` sessions per service: the slowest service's
 * session-ready time + ⌈N / sessions⌉ × its per-leaver command time, where the per-leaver command time is
 * `perUserMs` (default: the minimum of MINIMUM_PER_USER) at time scale 1. Everything else (AD, Graph) runs beside it.
 */
export function lowerBoundMs(options: {
  n: number;
  sessions: number;
  timeScale: number;
  pwshStartMs: number;
  perUserMs?: Partial<Record<Service, number>>;
}): { ms: number; service: Service } {
  const rounds = Math.ceil(options.n / options.sessions);
  const bound = (service: Service): number =>
    sessionReadyMs(service, options.pwshStartMs, options.timeScale) +
    rounds * (options.perUserMs?.[service] ?? MINIMUM_PER_USER[service].ms) * options.timeScale;
  const exchange = bound('exchange');
  const sharepoint = bound('sharepoint');
  return sharepoint >= exchange ? { ms: sharepoint, service: 'sharepoint' } : { ms: exchange, service: 'exchange' };
}

/** What the article's approach costs per leaver under the profile (pwsh start measured), at time scale 1 for the profile part. */
export function baselinePerUserMs(pwshStartMs: number, timeScale: number): number {
  const sharepoint = PROFILE.pnpImport.ms + PROFILE.token.ms + PROFILE.sharepointConnect.ms + PROFILE.sharepointCmdlet.ms;
  const exchange = PROFILE.exchangeImport.ms + PROFILE.token.ms + PROFILE.exchangeConnect.ms + PROFILE.exchangeCmdlet.ms;
  const graph = PROFILE.token.ms + PROFILE.graphRead.ms;
  return 2 * pwshStartMs + (sharepoint + exchange + graph) * timeScale;
}
