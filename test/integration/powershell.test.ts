// The PowerShell connector with real pwsh, the stand-in modules and the simulator: sessions, errors, kills, timeouts.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { parseCertificate } from '../../src/connectors/auth.js';
import { PowerShellError, PowerShellTimeoutError } from '../../src/connectors/powershell/errors.js';
import type { PowerShellService, PsResult } from '../../src/connectors/types.js';
import { checkPowerShell } from '../../src/preflight/pwsh-probe.js';
import { baseFixture, makeTenant } from '../stack/fixture.js';
import { installStandInModules } from '../stack/modules.js';
import { SimulatorControl } from '../stack/simulator/control-client.js';
import { loadStackTenant } from '../stack/stack.js';
import { createTestCa } from '../stack/tls.js';
import { INJECTION_CORPUS, psService, waitFor, workerProcesses } from './powershell-helpers.js';

const facts = inject('stack');
const control = new SimulatorControl(facts.simulator.url);
const JDOE = 'jdoe@contoso.test';
const SALESVP = 'salesvp@contoso.test';
const CLOUDY = 'chloe.nuage@contoso.test';

const opened: PowerShellService[] = [];
function service(...args: Parameters<typeof psService>): PowerShellService {
  const created = psService(...args);
  opened.push(created);
  return created;
}

async function mailboxOf(upn: string) {
  const state = await control.state();
  const mailbox = state.mailboxes.find((m) => m.userPrincipalName === upn);
  if (!mailbox) throw new Error(`no mailbox for ${upn} in the simulator`);
  return mailbox;
}

async function oneDriveOf(upn: string) {
  const state = await control.state();
  const site = state.sites.find((s) => s.owner === upn && s.url.includes('-my.'));
  if (!site) throw new Error(`no OneDrive for ${upn} in the simulator`);
  return site;
}

beforeAll(async () => {
  await loadStackTenant(facts, baseFixture());
});

beforeEach(async () => {
  await control.reset();
  await control.clearFaults();
  await control.latency({}, 1);
  await control.clearLog();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
  await control.clearFaults();
});

afterAll(async () => {
  await loadStackTenant(facts, baseFixture());
});

describe('Exchange Online sessions', () => {
  it('lets PowerShell itself reject Add-MailboxPermission without -User, before any request leaves the session', async () => {
    const exchange = service(facts, 'exchange', { sessions: 1 });
    const call = exchange.invoke('Add-MailboxPermission', { Identity: JDOE, AccessRights: ['FullAccess'] });
    await expect(call).rejects.toBeInstanceOf(PowerShellError);
    await expect(call).rejects.toMatchObject({
      errorId: 'MissingMandatoryParameter,Add-MailboxPermission',
      type: 'System.Management.Automation.ParameterBindingException',
      message: expect.stringContaining('missing mandatory parameters: User'),
    });
    const log = await control.log();
    expect(log.counts['exo.connect']).toBe(1);
    expect(log.counts['exo.cmdlet.Add-MailboxPermission'] ?? 0).toBe(0);
    expect((await mailboxOf(JDOE)).permissions).toEqual([]);
  });

  it('grants FullAccess through the connector, and the simulator holds exactly that grant', async () => {
    const exchange = service(facts, 'exchange', { sessions: 1 });
    await exchange.invoke('Add-MailboxPermission', {
      Identity: JDOE,
      User: SALESVP,
      AccessRights: ['FullAccess'],
      InheritanceType: 'All',
      AutoMapping: false,
    });
    expect((await mailboxOf(JDOE)).permissions).toEqual([
      { user: SALESVP, accessRights: ['FullAccess'], inheritanceType: 'All', autoMapping: false, deny: false },
    ]);
    const { output } = await exchange.invoke('Get-MailboxPermission', { Identity: JDOE, User: SALESVP });
    expect(output).toEqual([expect.objectContaining({ User: SALESVP, AccessRights: ['FullAccess'], Deny: false })]);
  });

  it('returns the warnings the cmdlet wrote, separately from its output', async () => {
    const exchange = service(facts, 'exchange', { sessions: 1 });
    const grant = { Identity: JDOE, User: SALESVP, AccessRights: ['FullAccess'], InheritanceType: 'All' };
    const first = await exchange.invoke('Add-MailboxPermission', grant);
    expect(first.warnings).toEqual([]);
    const second = await exchange.invoke('Add-MailboxPermission', grant);
    expect(second.warnings).toEqual([expect.stringContaining('already present')]);
    expect(second.output).toHaveLength(1);
  });

  it('reports a missing mailbox as ManagementObjectNotFoundException with the identity as sent', async () => {
    const exchange = service(facts, 'exchange', { sessions: 1 });
    // As the V3 module reports it: a plain exception, category NotSpecified, the server's exception type as the reason.
    await expect(exchange.invoke('Get-EXOMailbox', { Identity: 'nobody@contoso.test' })).rejects.toMatchObject({
      message: expect.stringMatching(/ManagementObjectNotFoundException\|The operation couldn't be performed because object 'nobody@contoso\.test' couldn't be found/),
      type: 'System.Exception',
      category: 'NotSpecified',
      reason: 'ManagementObjectNotFoundException',
      errorId: expect.stringMatching(/^\[Server=[^\]]+,RequestId=[^\]]+,TimeStamp=[^\]]+\],Microsoft\.Exchange\.Management\.RestApiClient\.GetExoMailbox$/),
    });
    await expect(exchange.invoke('Set-Mailbox', { Identity: 'nobody@contoso.test', Type: 'Shared' })).rejects.toMatchObject({
      reason: 'ManagementObjectNotFoundException',
      errorId: expect.stringMatching(/^\[Server=[^\]]+\],Write-ErrorMessage$/),
    });
  });

  it('returns only the Minimum property set from Get-EXOMailbox unless -Properties or -PropertySets name more', async () => {
    // https://learn.microsoft.com/powershell/exchange/cmdlet-property-sets#get-exomailbox-property-sets (Minimum).
    const minimum = [
      'Alias', 'DisplayName', 'DistinguishedName', 'EmailAddresses', 'ExchangeVersion', 'ExternalDirectoryObjectId', 'Guid',
      'Id', 'Identity', 'Name', 'OrganizationId', 'PrimarySmtpAddress', 'RecipientType', 'RecipientTypeDetails', 'UserPrincipalName',
    ];
    const exchange = service(facts, 'exchange', { sessions: 1 });
    const keys = async (parameters: Record<string, unknown>): Promise<string[]> => {
      const { output } = await exchange.invoke('Get-EXOMailbox', { Identity: CLOUDY, ...parameters });
      expect(output).toHaveLength(1);
      return Object.keys(output[0] as object).sort();
    };
    expect(await keys({})).toEqual([...minimum].sort());
    expect(await keys({ Properties: ['HiddenFromAddressListsEnabled'] })).toEqual([...minimum, 'HiddenFromAddressListsEnabled'].sort());
    expect(await keys({ PropertySets: ['AddressList'] })).toEqual([...minimum, 'HiddenFromAddressListsEnabled'].sort());
    expect(await keys({ PropertySets: ['Minimum'], Properties: ['IsDirSynced'] })).toEqual([...minimum, 'IsDirSynced'].sort());
    expect(await keys({ PropertySets: ['All'] })).toEqual(expect.arrayContaining([...minimum, 'HiddenFromAddressListsEnabled', 'IsDirSynced', 'Identity']));
  });

  it('loads only the cmdlets the run’s steps declare: for mailbox-hide alone, Get-MailboxPermission is not there at all', async () => {
    const exchange = service(facts, 'exchange', { sessions: 1 }, { steps: ['mailbox-hide'] });
    // Get-EXOMailbox is the module's own; Set-Mailbox is the one cmdlet the connect loaded.
    const { output } = await exchange.invoke('Get-EXOMailbox', { Identity: CLOUDY, Properties: ['HiddenFromAddressListsEnabled'] });
    expect(output).toEqual([expect.objectContaining({ HiddenFromAddressListsEnabled: false })]);
    await exchange.invoke('Set-Mailbox', { Identity: CLOUDY, Type: 'Shared' });
    expect(await mailboxOf(CLOUDY)).toMatchObject({ recipientTypeDetails: 'SharedMailbox' });
    await expect(exchange.invoke('Get-MailboxPermission', { Identity: CLOUDY })).rejects.toMatchObject({
      type: 'System.Management.Automation.CommandNotFoundException',
      category: 'ObjectNotFound',
      errorId: 'CommandNotFoundException',
      message: expect.stringContaining("The term 'Get-MailboxPermission' is not recognized as a name of a cmdlet, function, script file, or executable program."),
    });
    const log = await control.log();
    expect(log.entries.filter((e) => e.op === 'exo.connect').map((e) => e.commands)).toEqual([['Set-Mailbox']]);
    expect(log.counts['exo.cmdlet.Get-MailboxPermission'] ?? 0).toBe(0);
  });

  it('sends the connect the cmdlets of every enabled Exchange step, and loads them all', async () => {
    const exchange = service(facts, 'exchange', { sessions: 1 }, { steps: ['mailbox-access', 'onedrive-access', 'mailbox-shared', 'licenses'] });
    const { output } = await exchange.invoke('Get-MailboxPermission', { Identity: JDOE });
    expect(output).toEqual([expect.objectContaining({ User: 'NT AUTHORITY\\SELF' })]);
    const log = await control.log();
    expect(log.entries.filter((e) => e.op === 'exo.connect').map((e) => e.commands)).toEqual([['Get-MailboxPermission', 'Add-MailboxPermission', 'Remove-MailboxPermission', 'Set-Mailbox']]);
  });

  it('refuses a cmdlet that is not on the worker’s list, even one the module has', async () => {
    const exchange = service(facts, 'exchange', { sessions: 1 });
    await expect(exchange.invoke('Get-ConnectionInformation', {})).rejects.toThrow(/not allowed in this session/);
    await expect(exchange.invoke('Remove-Mailbox', { Identity: JDOE })).rejects.toThrow(/not allowed in this session/);
  });

  it('keeps its protocol clean when the module writes a banner to the host', async () => {
    // The stand-in, like the real module, writes its banner with Write-Host unless -ShowBanner:$false.
    const exchange = service(facts, 'exchange', { sessions: 1 }, { parameters: { ShowBanner: true } });
    const { output } = await exchange.invoke('Get-EXOMailbox', { Identity: JDOE });
    expect(output).toEqual([expect.objectContaining({ UserPrincipalName: JDOE })]);
    expect(exchange.stats).toMatchObject({ processes: 1, connects: 1 });
  });

  it('gives pwsh only the variables it needs: no secret of the runner reaches the session', async () => {
    const env = { ...process.env, PSModulePath: facts.psModulePath, INPUT_CERTIFICATE: 'secret-pem', INPUT_LDAP_PASSWORD: 'secret-password', GITHUB_TOKEN: 'ghs_secret' };
    const exchange = service(facts, 'exchange', { sessions: 1, env });
    await exchange.invoke('Get-EXOMailbox', { Identity: JDOE });
    const [session] = workerProcesses(facts.psModulePath);
    const names = readFileSync(`/proc/${session.pid}/environ`, 'utf8').split('\0').filter(Boolean).map((entry) => entry.split('=')[0]);
    expect(names).not.toContain('INPUT_CERTIFICATE');
    expect(names).not.toContain('INPUT_LDAP_PASSWORD');
    expect(names).not.toContain('GITHUB_TOKEN');
    expect(names).toEqual(expect.arrayContaining(['PATH', 'HOME', 'PSModulePath', 'POWERSHELL_TELEMETRY_OPTOUT', 'PNPPOWERSHELL_UPDATECHECK']));
    expect(names.every((name) => /^(PATH|HOME|TMPDIR|LANG|LC_ALL|LC_CTYPE|PSModulePath|SSL_CERT_FILE|SSL_CERT_DIR|https?_proxy|no_proxy|HTTPS?_PROXY|NO_PROXY|DOTNET_\w+|POWERSHELL_TELEMETRY_OPTOUT|POWERSHELL_UPDATECHECK|PNPPOWERSHELL_UPDATECHECK|PNPPOWERSHELL_DISABLETELEMETRY)$/.test(name))).toBe(true);
  });

  it('fails every waiting command with the connect error, and says what the app needs, when the certificate is not the app’s', async () => {
    const stranger = parseCertificate(facts.simulator.wrongCertificatePem);
    const exchange = service(facts, 'exchange', { sessions: 2 }, { certificate: stranger });
    const calls = [JDOE, SALESVP, CLOUDY].map((identity) => exchange.invoke('Get-EXOMailbox', { Identity: identity }, { retry: 'read' }));
    for (const call of calls) {
      await expect(call).rejects.toThrow(/Connect-ExchangeOnline failed: .*AADSTS700027.*Exchange\.ManageAsApp/s);
    }
    // A connect that failed is not tried again for every later command.
    await expect(exchange.invoke('Get-EXOMailbox', { Identity: JDOE })).rejects.toThrow(/AADSTS700027/);
    expect(exchange.stats.connects).toBe(0);
    expect((await control.log()).counts['exo.cmdlet.Get-EXOMailbox'] ?? 0).toBe(0);
  });

  it('trusts only the CA it was given for the simulator: another CA fails the connect on TLS', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'other-ca-'));
    const other = createTestCa(path.join(dir, 'ca'), 'Some Other Root CA');
    const modules = installStandInModules(path.join(dir, 'modules'), { simulatorUrl: facts.simulator.url, caPem: other.caPem });
    const exchange = service({ ...facts, psModulePath: modules }, 'exchange', { sessions: 1 });
    await expect(exchange.invoke('Get-EXOMailbox', { Identity: JDOE })).rejects.toThrow(/SSL connection could not be established|certificate/i);
    expect((await control.log()).counts['token'] ?? 0).toBe(0);
  });

  it('says what to do when pwsh cannot be started', async () => {
    const exchange = service(facts, 'exchange', { sessions: 1, pwsh: '/nonexistent/pwsh' });
    await expect(exchange.invoke('Get-EXOMailbox', { Identity: JDOE })).rejects.toThrow(
      /could not start \/nonexistent\/pwsh \(spawn \/nonexistent\/pwsh ENOENT\): install PowerShell 7\.4 or later, or set the pwsh input/,
    );
  });

  it.each([
    ['a reply of the wrong shape', '{"id":2,"ok":"yes"}', /\(ok: Invalid input: expected boolean, received string\): \{"id":2,"ok":"yes"\}$/],
    ['a line that is not JSON', 'Welcome to Exchange Online', /\(not JSON\): Welcome to Exchange Online$/],
  ])('stops a session whose worker writes %s, names the session and the line, and treats it as a lost one', async (_, written, detail) => {
    // A worker that connects as the real one does, then answers the first command with `written`.
    const dir = mkdtempSync(path.join(tmpdir(), 'bad-worker-'));
    const workerPath = path.join(dir, 'worker.ps1');
    writeFileSync(
      workerPath,
      [
        'while ($null -ne ($line = [Console]::In.ReadLine())) {',
        '  $request = ConvertFrom-Json -InputObject $line',
        "  if ($request.type -eq 'connect') { [Console]::Out.WriteLine((ConvertTo-Json -Compress -InputObject @{ id = $request.id; ok = $true; output = @(); warnings = @(); errors = @() })) }",
        `  else { [Console]::Out.WriteLine('${written}') }`,
        '}',
      ].join('\n'),
    );
    const exchange = service(facts, 'exchange', { sessions: 1, workerPath });
    const call = exchange.invoke('Get-EXOMailbox', { Identity: JDOE }, { retry: 'read' });
    await expect(call).rejects.toThrow(/^The PowerShell session running Get-EXOMailbox \(pid \d+\) was stopped: it wrote a line that is not a worker reply /);
    await expect(call).rejects.toThrow(detail);
    expect(exchange.stats).toMatchObject({ processes: 2, connects: 2, retries: 1 });
    await exchange.close();
    expect(workerProcesses(facts.psModulePath)).toEqual([]);
  });

  it('starts nothing for a run that invokes nothing', async () => {
    const exchange = service(facts, 'exchange');
    await exchange.close();
    expect(exchange.stats).toEqual({ processes: 0, connects: 0, commands: 0, retries: 0 });
    expect(workerProcesses(facts.psModulePath)).toEqual([]);
    expect((await control.log()).counts['token'] ?? 0).toBe(0);
  });

  it('runs 50 leavers through at most two pwsh processes per service, each connected once', async () => {
    const { fixture, leaverKeys } = makeTenant(50);
    await control.load(fixture, {});
    await control.clearLog();
    await control.latency({ 'exo.cmdlet': 20, 'spo.cmdlet': 20 }, 1);
    const exchange = service(facts, 'exchange', { sessions: 2 });
    const sharepoint = service(facts, 'sharepoint', { sessions: 2 });
    const sites = new Map((await control.state()).sites.map((site) => [site.owner, site.url]));
    let mostProcesses = 0;
    const sampler = setInterval(() => {
      mostProcesses = Math.max(mostProcesses, workerProcesses(facts.psModulePath).length);
    }, 100);
    try {
      const upns = leaverKeys.map((key) => `${key}@contoso.test`);
      const [permissions] = await Promise.all([
        Promise.all(upns.map((upn) => exchange.invoke('Get-MailboxPermission', { Identity: upn }, { retry: 'read' }))),
        Promise.all(upns.map((upn) => sharepoint.invoke('Set-PnPTenantSite', { Identity: sites.get(upn), Owners: ['boss@contoso.test'] }))),
      ]);
      expect(permissions.every((r) => r.output.length >= 1)).toBe(true);
    } finally {
      clearInterval(sampler);
    }
    expect(mostProcesses).toBeGreaterThan(2);
    expect(mostProcesses).toBeLessThanOrEqual(4);
    expect(exchange.stats).toEqual({ processes: 2, connects: 2, commands: 50, retries: 0 });
    expect(sharepoint.stats).toEqual({ processes: 2, connects: 2, commands: 50, retries: 0 });
    const log = await control.log();
    expect(log.counts['exo.connect']).toBe(2);
    expect(log.counts['spo.connect']).toBe(2);
    expect(log.counts['exo.cmdlet.Get-MailboxPermission']).toBe(50);
    expect(log.counts['spo.cmdlet.Set-PnPTenantSite']).toBe(50);
    const state = await control.state();
    const delegated = state.sites.filter((site) => site.owner !== 'boss@contoso.test' && site.admins.includes('boss@contoso.test'));
    expect(delegated.map((site) => site.owner).sort()).toEqual(
      leaverKeys.map((key) => `${key}@contoso.test`).sort(),
    );
  });

  it('finishes every command when a session is killed mid-run, and says which ones ran again', async () => {
    await control.latency({ 'exo.cmdlet': 250 }, 1);
    const exchange = service(facts, 'exchange', { sessions: 2 });
    const identities = [JDOE, SALESVP, CLOUDY, 'ceo@contoso.test', 'cfo@contoso.test', 'jsmith@contoso.test', 'noexpire@contoso.test', 'zangstrom@contoso.test'];
    let settled = 0;
    const calls = [...identities, ...identities].map((identity) =>
      exchange.invoke('Get-EXOMailbox', { Identity: identity }, { retry: 'read' }).finally(() => settled++),
    );
    await waitFor('two busy sessions', () => exchange.stats.connects === 2 && settled >= 2);
    const victims = workerProcesses(facts.psModulePath);
    expect(victims).toHaveLength(2);
    process.kill(-victims[0].pid, 'SIGKILL');
    const results: PsResult[] = await Promise.all(calls);
    expect(results.map((r) => (r.output[0] as { UserPrincipalName: string }).UserPrincipalName)).toEqual([...identities, ...identities]);
    expect(results.filter((r) => r.retried).length).toBe(1);
    // A replacement session starts at once; the surviving one may finish the queue before the replacement connects.
    expect(exchange.stats).toMatchObject({ processes: 3, commands: 16, retries: 1 });
    expect(exchange.stats.connects).toBeGreaterThanOrEqual(2);
    expect(workerProcesses(facts.psModulePath).map((p) => p.pid)).not.toContain(victims[0].pid);
  });

  it('treats the end of the started process as the end of its session, even when a child of it lives on', async () => {
    // The command timeout is far away: without noticing the exit, the read would wait for it and this test time out.
    const exchange = service(facts, 'exchange', { sessions: 1, commandTimeoutMs: 600_000 });
    await control.faults({ hang: { ops: ['exo.cmdlet.Get-EXOMailbox'], ms: 1500 } });
    const read = exchange.invoke('Get-EXOMailbox', { Identity: JDOE }, { retry: 'read' });
    await control.waitForHeld('exo.cmdlet.Get-EXOMailbox');
    const [leader] = workerProcesses(facts.psModulePath);
    process.kill(leader.pid, 'SIGKILL'); // the process itself, not its group
    const result = await read;
    expect(result.retried).toBe(true);
    expect((result.output[0] as { UserPrincipalName: string }).UserPrincipalName).toBe(JDOE);
    await exchange.close();
    expect(workerProcesses(facts.psModulePath)).toEqual([]);
  }, 60_000);

  it('does not rerun a write after a lost session when a fresh read shows it took effect', async () => {
    // The simulator holds the write 3 s, then makes it: the session dies (after 1 s) before it hears back.
    await control.faults({ hang: { ops: ['exo.cmdlet.Set-Mailbox'], ms: 3000 } });
    const exchange = service(facts, 'exchange', { sessions: 1 });
    const recheck = async (): Promise<boolean> => {
      await waitFor('the held write to land', async () => ((await control.log()).counts['exo.cmdlet.Set-Mailbox'] ?? 0) === 1);
      const { output } = await exchange.invoke('Get-EXOMailbox', { Identity: CLOUDY }, { retry: 'read' });
      return (output[0] as { RecipientTypeDetails: string }).RecipientTypeDetails !== 'SharedMailbox';
    };
    const write = exchange.invoke('Set-Mailbox', { Identity: CLOUDY, Type: 'Shared' }, { retry: recheck });
    await control.waitForHeld('exo.cmdlet.Set-Mailbox');
    process.kill(-workerProcesses(facts.psModulePath)[0].pid, 'SIGKILL');
    const result = await write;
    expect(result.retried).toBeUndefined();
    expect(result.warnings).toEqual([expect.stringContaining('was not run again')]);
    expect((await mailboxOf(CLOUDY)).recipientTypeDetails).toBe('SharedMailbox');
    expect((await control.log()).counts['exo.cmdlet.Set-Mailbox']).toBe(1);
    expect(exchange.stats.retries).toBe(0);
  });

  it('reruns a write after a lost session when a fresh read shows it missing, and marks it retried', async () => {
    // Held long enough that the fresh read (in a new session, which may take seconds to connect on a busy machine)
    // comes before the first write lands.
    await control.faults({ hang: { ops: ['exo.cmdlet.Set-Mailbox'], ms: 15_000 } });
    const exchange = service(facts, 'exchange', { sessions: 1 });
    const recheck = async (): Promise<boolean> => {
      const { output } = await exchange.invoke('Get-EXOMailbox', { Identity: CLOUDY }, { retry: 'read' });
      return (output[0] as { HiddenFromAddressListsEnabled: boolean }).HiddenFromAddressListsEnabled !== true;
    };
    const write = exchange.invoke('Set-Mailbox', { Identity: CLOUDY, HiddenFromAddressListsEnabled: true }, { retry: recheck });
    await control.waitForHeld('exo.cmdlet.Set-Mailbox');
    process.kill(-workerProcesses(facts.psModulePath)[0].pid, 'SIGKILL');
    const result = await write;
    expect(result.retried).toBe(true);
    expect(exchange.stats).toMatchObject({ processes: 2, connects: 2, retries: 1 });
    expect((await mailboxOf(CLOUDY)).hiddenFromAddressListsEnabled).toBe(true);
  });

  it('never reruns a command without a retry option when its session is lost', async () => {
    await control.faults({ hang: { ops: ['exo.cmdlet.Get-EXOMailbox'], ms: 3000 } });
    const exchange = service(facts, 'exchange', { sessions: 1 });
    const read = exchange.invoke('Get-EXOMailbox', { Identity: JDOE });
    await control.waitForHeld('exo.cmdlet.Get-EXOMailbox');
    process.kill(-workerProcesses(facts.psModulePath)[0].pid, 'SIGKILL');
    await expect(read).rejects.toThrow(/The PowerShell session running Get-EXOMailbox exited on SIGKILL/);
    expect(exchange.stats.retries).toBe(0);
  });

  it('fails a cmdlet that hangs past the timeout with a timeout error, and leaves no pwsh behind after close', async () => {
    await control.faults({ hang: { ops: ['exo.cmdlet.Get-EXOMailbox'] } });
    const exchange = service(facts, 'exchange', { sessions: 1, commandTimeoutMs: 4000 });
    const started = Date.now();
    const hung = exchange.invoke('Get-EXOMailbox', { Identity: JDOE }, { retry: 'read' });
    await expect(hung).rejects.toBeInstanceOf(PowerShellTimeoutError);
    await expect(hung).rejects.toThrow(/Get-EXOMailbox did not finish within 4 s; its PowerShell session \(pid \d+\) was stopped/);
    expect(Date.now() - started).toBeLessThan(30_000);
    await waitFor('the hung session to be gone', () => workerProcesses(facts.psModulePath).length === 0, 5000);
    // The next command gets a fresh session.
    const { output } = await exchange.invoke('Get-MailboxPermission', { Identity: JDOE });
    expect(output.length).toBeGreaterThan(0);
    expect(exchange.stats).toMatchObject({ processes: 2, connects: 2, retries: 0 });
    await exchange.close();
    expect(workerProcesses(facts.psModulePath)).toEqual([]);
  });
});

describe('SharePoint sessions', () => {
  it('reads and adds site collection admins of a OneDrive through a connection to that site', async () => {
    const site = await oneDriveOf(JDOE);
    const sharepoint = service(facts, 'sharepoint', { sessions: 1 });
    const before = await sharepoint.invoke('Get-PnPSiteCollectionAdmin', {}, { site: site.url, retry: 'read' });
    expect(before.output).toEqual([expect.objectContaining({ LoginName: `i:0#.f|membership|${JDOE}`, IsSiteAdmin: true })]);
    await sharepoint.invoke('Set-PnPTenantSite', { Identity: site.url, Owners: [SALESVP] });
    expect((await oneDriveOf(JDOE)).admins).toEqual([JDOE, SALESVP]);
    const after = await sharepoint.invoke('Get-PnPSiteCollectionAdmin', {}, { site: site.url, retry: 'read' });
    expect(after.output.map((u) => (u as { LoginName: string }).LoginName)).toEqual([
      `i:0#.f|membership|${JDOE}`,
      `i:0#.f|membership|${SALESVP}`,
    ]);
    const log = await control.log();
    // One full connect for the admin site; one site connection for the OneDrive, reused for the second read.
    expect(log.counts['spo.connect']).toBe(1);
    expect(log.counts['spo.site-connect']).toBe(1);
  });

  it('runs the commands on a site on the session connected to it: one connection per OneDrive, in any order', async () => {
    const [x, y] = (await control.state()).sites.filter((s) => s.url.includes('-my.')).map((s) => s.url);
    const sharepoint = service(facts, 'sharepoint', { sessions: 2 });
    const read = (site: string) => sharepoint.invoke('Get-PnPSiteCollectionAdmin', {}, { site, retry: 'read' });
    for (const order of [[x, y], [y, x], [x, y, y, x], [y, y, x, x], [y, x, x, y]]) await Promise.all(order.map(read));
    const log = await control.log();
    expect(log.counts['spo.cmdlet.Get-PnPSiteCollectionAdmin']).toBe(16);
    expect(log.counts['spo.connect']).toBe(2);
    expect(log.entries.filter((e) => e.op === 'spo.site-connect').map((e) => e.path)).toHaveLength(2);
  });

  it('runs a command that continues work (continues: true) before the commands queued to start new work', async () => {
    const [x, y] = (await control.state()).sites.filter((s) => s.url.includes('-my.')).map((s) => s.url);
    const sharepoint = service(facts, 'sharepoint', { sessions: 1 });
    await control.faults({ hang: { ops: ['spo.cmdlet.Get-PnPTenant'], ms: 1500 } });
    const held = sharepoint.invoke('Get-PnPTenant', {});
    await control.waitForHeld('spo.cmdlet.Get-PnPTenant');
    const fresh = sharepoint.invoke('Get-PnPSiteCollectionAdmin', {}, { site: x });
    const continuing = sharepoint.invoke('Set-PnPTenantSite', { Identity: y, Owners: [SALESVP] }, { continues: true });
    await Promise.all([held, fresh, continuing]);
    const cmdlets = (await control.log()).entries.filter((e) => e.op.startsWith('spo.cmdlet.')).map((e) => e.op);
    expect(cmdlets).toEqual(['spo.cmdlet.Get-PnPTenant', 'spo.cmdlet.Set-PnPTenantSite', 'spo.cmdlet.Get-PnPSiteCollectionAdmin']);
  });

  it('connects a GCC (usgov) tenant at the worldwide sign-in host, where it lives, and reads its OneDrive', async () => {
    const site = await oneDriveOf(JDOE);
    const sharepoint = service(facts, 'sharepoint', { sessions: 1 }, { cloud: 'usgov' });
    const admins = await sharepoint.invoke('Get-PnPSiteCollectionAdmin', {}, { site: site.url, retry: 'read' });
    expect(admins.output).toEqual([expect.objectContaining({ LoginName: `i:0#.f|membership|${JDOE}` })]);
    const log = await control.log();
    expect(log.counts['spo.connect']).toBe(1);
    expect(log.counts['spo.site-connect']).toBe(1);
  });

  it.each([
    ['the GCC High cloud', { cloud: 'usgovhigh' as const }],
    ['USGovernment, which PnP.Framework signs in at the US Government host', { parameters: { AzureEnvironment: 'USGovernment' } }],
  ])('fails the connect of a worldwide tenant as Entra does when -AzureEnvironment names %s', async (_name, change) => {
    const sharepoint = service(facts, 'sharepoint', { sessions: 1 }, change);
    await expect(sharepoint.invoke('Get-PnPTenantSite', { Identity: facts.simulator.sharepointAdminUrl })).rejects.toThrow(
      /Connect-PnPOnline failed: .*AADSTS90002: Tenant '[^']+' not found\. Check to make sure you have the correct tenant ID and are signing into the correct cloud/s,
    );
    const log = await control.log();
    expect(log.counts['spo.connect'] ?? 0).toBe(0);
    expect(log.counts['spo.cmdlet.Get-PnPTenantSite'] ?? 0).toBe(0);
  });

  it('connects with the Windows parameters, the private key kept in memory (-X509KeyStorageFlags EphemeralKeySet), site connections too', async () => {
    const site = await oneDriveOf(JDOE);
    const sharepoint = service(facts, 'sharepoint', { sessions: 1 }, { platform: 'win32' });
    const admins = await sharepoint.invoke('Get-PnPSiteCollectionAdmin', {}, { site: site.url, retry: 'read' });
    expect(admins.output).toEqual([expect.objectContaining({ LoginName: `i:0#.f|membership|${JDOE}` })]);
    const log = await control.log();
    expect(log.counts['spo.connect']).toBe(1);
    expect(log.counts['spo.site-connect']).toBe(1);
  });

  it('reports a missing site as PnP does: "Cannot get site <url>."', async () => {
    const sharepoint = service(facts, 'sharepoint', { sessions: 1 });
    const url = 'https://contoso-my.sharepoint.com/personal/nobody_contoso_test';
    await expect(sharepoint.invoke('Set-PnPTenantSite', { Identity: url, Owners: [SALESVP] })).rejects.toMatchObject({
      message: `Set-PnPTenantSite: Cannot get site ${url}.`,
      errorId: 'EXCEPTION,PnP.PowerShell.Commands.SetTenantSite',
    });
  });
});

describe('injection', () => {
  it('hands every injection attempt to the cmdlets as a literal string, and changes nothing', async () => {
    const before = await control.state();
    const exchange = service(facts, 'exchange', { sessions: 2 });
    const sharepoint = service(facts, 'sharepoint', { sessions: 1 });
    const site = await oneDriveOf(JDOE);
    for (const value of INJECTION_CORPUS) {
      const quoted = `object '${value}' couldn't be found`;
      await expect(exchange.invoke('Get-EXOMailbox', { Identity: value })).rejects.toThrow(quoted);
      await expect(exchange.invoke('Get-MailboxPermission', { Identity: JDOE, User: value })).rejects.toThrow(quoted);
      await expect(
        exchange.invoke('Add-MailboxPermission', { Identity: JDOE, User: value, AccessRights: ['FullAccess'], InheritanceType: 'All' }),
      ).rejects.toThrow(quoted);
      await expect(exchange.invoke('Set-Mailbox', { Identity: value, HiddenFromAddressListsEnabled: true })).rejects.toThrow(quoted);
      const url = `${site.url}${value}`;
      await expect(sharepoint.invoke('Set-PnPTenantSite', { Identity: url, Owners: [SALESVP] })).rejects.toThrow(`Cannot get site ${url}.`);
      await expect(sharepoint.invoke('Set-PnPTenantSite', { Identity: site.url, Owners: [value] })).rejects.toThrow(
        'The user does not exist or is not unique.',
      );
    }
    expect(await control.state()).toEqual(before);
    const log = await control.log();
    expect(log.counts['exo.cmdlet.Get-EXOMailbox']).toBe(INJECTION_CORPUS.length);
    expect(log.counts['exo.cmdlet.Add-MailboxPermission']).toBe(INJECTION_CORPUS.length);
    expect(log.counts['spo.cmdlet.Set-PnPTenantSite']).toBe(2 * INJECTION_CORPUS.length);
    expect(Object.keys(log.counts).filter((op) => /Remove|Get-Process/.test(op))).toEqual([]);
  });

  it('refuses parameters that would change how the worker runs the cmdlet', async () => {
    const exchange = service(facts, 'exchange', { sessions: 1 });
    await expect(exchange.invoke('Get-EXOMailbox', { Identity: JDOE, ErrorAction: 'Continue' })).rejects.toThrow(/'ErrorAction' is set by the worker/);
    await expect(exchange.invoke('Get-EXOMailbox', { Identity: JDOE, OutVariable: 'x' })).rejects.toThrow(/'OutVariable' is set by the worker/);
    await expect(exchange.invoke('Get-EXOMailbox', { 'Identity; Remove-Mailbox': JDOE })).rejects.toThrow(/is not a parameter name/);
  });
});

describe('preflight', () => {
  it('finds pwsh 7.4+ and both modules with their versions', async () => {
    const { lines, manifests } = await checkPowerShell({
      pwsh: facts.pwsh,
      services: ['exchange', 'sharepoint'],
      env: { ...process.env, PSModulePath: facts.psModulePath },
    });
    expect(manifests).toEqual({
      exchange: path.join(facts.psModulePath, 'ExchangeOnlineManagement', 'ExchangeOnlineManagement.psd1'),
      sharepoint: path.join(facts.psModulePath, 'PnP.PowerShell', 'PnP.PowerShell.psd1'),
    });
    expect(lines).toEqual([
      expect.objectContaining({ ok: true, label: 'PowerShell 7 (pwsh)', detail: expect.stringMatching(/^7\.\d+\.\d+ at /) }),
      expect.objectContaining({ ok: true, label: 'ExchangeOnlineManagement module', detail: expect.stringMatching(/^3\.9\.0 at /) }),
      expect.objectContaining({ ok: true, label: 'PnP.PowerShell module', detail: expect.stringMatching(/^3\.1\.0 at /) }),
    ]);
  });

  it('says how to install PowerShell when pwsh is missing', async () => {
    const { lines } = await checkPowerShell({ pwsh: '/nonexistent/pwsh', services: ['exchange'] });
    expect(lines).toEqual([
      expect.objectContaining({ ok: false, detail: '/nonexistent/pwsh was not found', fix: expect.stringContaining('Install PowerShell 7.4 or later') }),
    ]);
  });

  it('asks a Windows runner for PnP.PowerShell 3.0 or later (-X509KeyStorageFlags), and accepts 2.x elsewhere', async () => {
    const modules = mkdtempSync(path.join(tmpdir(), 'pnp-2-'));
    const folder = path.join(modules, 'PnP.PowerShell', '2.12.0');
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'PnP.PowerShell.psd1'), "@{ ModuleVersion = '2.12.0'; GUID = '0b0430ce-d799-4f3b-a565-f0dca1f31e17' }\n");
    const check = (platform: NodeJS.Platform) =>
      checkPowerShell({ pwsh: facts.pwsh, services: ['sharepoint'], env: { ...process.env, PSModulePath: modules }, platform }).then((check) => check.lines);
    expect((await check('win32'))[1]).toMatchObject({ ok: false, label: 'PnP.PowerShell module', detail: expect.stringMatching(/^2\.12\.0 at .*: 3\.0 or later is needed$/) });
    expect((await check('linux'))[1]).toMatchObject({ ok: true, label: 'PnP.PowerShell module', detail: expect.stringMatching(/^2\.12\.0 at /) });
  });

  it('says how to install a missing module and which permissions the app needs', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'no-modules-'));
    const { lines, manifests } = await checkPowerShell({ pwsh: facts.pwsh, services: ['exchange', 'sharepoint'], env: { ...process.env, PSModulePath: empty } });
    expect(manifests).toEqual({});
    expect(lines[0]).toMatchObject({ ok: true });
    expect(lines[1]).toMatchObject({
      ok: false,
      label: 'ExchangeOnlineManagement module',
      fix: expect.stringMatching(/Install-Module ExchangeOnlineManagement -Scope AllUsers.*Exchange\.ManageAsApp.*Exchange Recipient Administrator/),
    });
    expect(lines[2]).toMatchObject({
      ok: false,
      label: 'PnP.PowerShell module',
      fix: expect.stringMatching(/Install-Module PnP\.PowerShell -Scope AllUsers.*Sites\.FullControl\.All/),
    });
  });
});
