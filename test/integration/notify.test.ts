// `notify: delegate` through the bundled action: the mails as the simulator's mailboxes hold them, the results file,
// the plan, a failed send, hostile names, and the preflight without Mail.Send.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/connectors/auth.js';
import { createGraphApi } from '../../src/connectors/graph.js';
import type { UserResult } from '../../src/model.js';
import { notifyDelegates } from '../../src/notify/send.js';
import { runAction, stackActionEnv, stackActionInputs, type ActionRun } from '../e2e/run-action.js';
import { loadStackTenant, SimulatorControl, snapshotStack, stackFacts } from '../helpers/stack.js';
import { baseFixture, type Fixture } from '../stack/fixture.js';
import { OFFBOARD_ROLES } from '../stack/stack.js';
import { entraInputs } from './powershell-helpers.js';
import type { SimMessageState, SimState, SimulatorApp } from '../stack/simulator/types.js';

const facts = stackFacts();
const control = new SimulatorControl(facts.simulator.url);
const repository = { name: 'identity-offboarding', owner: { login: 'contoso' }, full_name: 'contoso/identity-offboarding' };
const TIMEOUT_MS = 300_000;
const SENDER = 'offboarding.notices@contoso.test';
const HOSTILE = '<script>alert("x")</script> & <b>Bold</b> \'Eve\'';

const app = (roles: string[]): SimulatorApp => ({
  clientId: facts.simulator.clientId,
  displayName: 'm365-offboard',
  certificatesPem: [parseCertificate(facts.simulator.certificatePem).certPem],
  roles,
});

/** The base tenant, a mailbox the mails are sent from, and a leaver whose display name is markup. */
function notifyFixture(): Fixture {
  const fixture = baseFixture();
  fixture.people.push(
    { key: 'notices', givenName: 'Offboarding', surname: 'Notices', displayName: 'Offboarding Notices', userPrincipalName: SENDER, mail: SENDER, cloud: { synced: false } },
    { key: 'hostile', givenName: 'Eve', surname: 'Hostile', displayName: HOSTILE, sam: 'hostile', userPrincipalName: 'hostile@contoso.test', mail: 'hostile@contoso.test', employeeId: 'E7001', manager: 'salesvp', cloud: {} },
  );
  return fixture;
}

const temporary: string[] = [];

async function run(rows: string[], inputs: Record<string, string> = {}): Promise<ActionRun> {
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'notify-workspace-'));
  temporary.push(workspace);
  mkdirSync(path.join(workspace, 'offboarding'));
  writeFileSync(path.join(workspace, 'offboarding', 'leavers.csv'), ['userPrincipalName', ...rows].join('\n'));
  const result = await runAction({
    workspace,
    inputs: { ...stackActionInputs(facts), mode: 'apply', select: 'all', notify: 'delegate', 'notify-from': SENDER, ...inputs },
    eventName: 'workflow_dispatch',
    payload: { inputs: {}, ref: 'refs/heads/main', repository },
    env: stackActionEnv(facts),
    timeoutMs: TIMEOUT_MS,
  });
  temporary.push(result.runnerTemp);
  return result;
}

const detail = (result: ActionRun): string => `exit ${result.exitCode}\n${result.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n').slice(-5000)}`;
/** The summary with its character references read back. */
const plain = (markdown: string): string => markdown.replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code))).replaceAll('\u2060', '');

const upn = (state: SimState, key: string): string => state.users.find((u) => u.key === key)?.userPrincipalName ?? `(no ${key})`;
const messagesOf = (state: SimState, key: string, folder: SimMessageState['folder'] = 'inbox'): SimMessageState[] => {
  const id = state.users.find((u) => u.key === key)?.id;
  return state.mailboxes.find((m) => m.userId === id)?.messages.filter((m) => m.folder === folder) ?? [];
};
const allMessages = (state: SimState): { owner: string; folder: string; to: string[] }[] =>
  state.mailboxes.flatMap((m) => m.messages.map((message) => ({ owner: m.userPrincipalName, folder: message.folder, to: message.toRecipients })));
const sendMailRequests = async () => (await control.log()).entries.filter((e) => e.op === 'graph.post.sendMail');

const THREE = ['sean.obrien@contoso.test', 'zangstrom@contoso.test', 'noexpire@contoso.test'];

beforeAll(async () => {
  await loadStackTenant(facts, notifyFixture());
  await control.apps([app([...OFFBOARD_ROLES, 'Mail.Send'])]);
}, TIMEOUT_MS);

beforeEach(async () => {
  await loadStackTenant(facts, notifyFixture());
  await control.clearLog();
}, TIMEOUT_MS);

afterEach(async () => {
  await control.apps([app([...OFFBOARD_ROLES, 'Mail.Send'])]);
  await control.clearFaults();
});

afterAll(async () => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
  await control.apps([app(OFFBOARD_ROLES)]);
  await loadStackTenant(facts, baseFixture());
}, TIMEOUT_MS);

describe('notify: delegate', () => {
  it('mails the manager of three leavers once, listing the three with mailbox and OneDrive, and mails no one on a re-run', async () => {
    const first = await run(THREE);
    const state = await control.state();
    expect(first.exitCode, detail(first)).toBe(0);
    const cfo = upn(state, 'cfo');
    expect(first.results?.users.map((u) => u.status)).toEqual(['done', 'done', 'done']);
    expect((first.results as { notifications?: unknown }).notifications).toEqual([{ to: cfo, users: THREE, status: 'sent' }]);

    // Exactly one mail anywhere in the tenant: in the manager's inbox, and its copy in the sender's Sent Items.
    expect(allMessages(state).sort((a, b) => a.folder.localeCompare(b.folder))).toEqual([
      { owner: cfo, folder: 'inbox', to: [cfo] },
      { owner: SENDER, folder: 'sentitems', to: [cfo] },
    ]);
    const [mail] = messagesOf(state, 'cfo');
    expect(mail).toMatchObject({ from: SENDER, contentType: 'html', subject: 'Offboarding: 3 leavers handed over to you' });
    for (const leaver of THREE) {
      const site = state.sites.find((s) => s.owner.toLowerCase() === leaver && s.template.startsWith('SPSPERS'));
      expect(site, leaver).toBeDefined();
      expect(mail.content).toContain(`Mailbox: ${leaver} (Full Access`);
      expect(mail.content).toContain(`<a href="${site?.url}">${site?.url}</a>`);
    }
    expect(plain(first.summary)).toContain(`Notification: mailed ${cfo} about ${THREE.join(', ')}.`);

    await control.clearLog();
    const again = await run(THREE);
    expect(again.exitCode, detail(again)).toBe(0);
    expect(again.results?.users.flatMap((u) => u.steps.filter((s) => ['mailbox-access', 'onedrive-access'].includes(s.step)).map((s) => s.status))).toEqual(Array(6).fill('unchanged'));
    expect((again.results as { notifications?: unknown }).notifications).toEqual([]);
    expect(await sendMailRequests()).toEqual([]);
    expect(allMessages(await control.state())).toHaveLength(2);
  }, TIMEOUT_MS);

  it('records a send that keeps failing as failed with its error, warns, and leaves the users done', async () => {
    await control.faults({ unavailable: { ops: ['graph.post.sendMail'], share: 1, retryAfter: 0 } });
    const result = await run(THREE);
    const state = await control.state();
    expect(result.exitCode, detail(result)).toBe(0);
    const cfo = upn(state, 'cfo');
    expect(result.results?.users.map((u) => u.status)).toEqual(['done', 'done', 'done']);
    const notifications = (result.results as { notifications?: { to: string; users: string[]; status: string; error?: { message: string } }[] }).notifications;
    expect(notifications).toEqual([{ to: cfo, users: THREE, status: 'failed', error: expect.objectContaining({ message: expect.stringMatching(/temporarily unavailable/) }) }]);
    expect(result.stdout).toMatch(new RegExp(`^::warning title=Notification::Notification to ${cfo.replace(/\./g, '\\.')} about .* failed: `, 'm'));
    expect(plain(result.summary)).toContain(`Notification to ${cfo} about ${THREE.join(', ')} failed: `);
    expect(allMessages(state)).toEqual([]);
    expect((await sendMailRequests()).length).toBeGreaterThan(1);
  }, TIMEOUT_MS);

  it('in a plan sends nothing and shows who would be mailed, masked when the summary is redacted', async () => {
    const result = await run(THREE, { mode: 'plan', summary: 'redacted' });
    const state = await control.state();
    expect(result.exitCode, detail(result)).toBe(0);
    const cfo = upn(state, 'cfo');
    expect((result.results as { notifications?: unknown }).notifications).toEqual([{ to: cfo, users: THREE, status: 'planned' }]);
    expect(await sendMailRequests()).toEqual([]);
    expect(allMessages(state)).toEqual([]);
    const summary = plain(result.summary);
    expect(summary).toContain('Notification: would mail c.@contoso.test about s.o.@contoso.test, z.@contoso.test, n.@contoso.test.');
    for (const identity of [cfo, ...THREE]) expect(summary).not.toContain(identity);
    expect(result.stdout).toContain('Notification: would mail c.@contoso.test about');
  }, TIMEOUT_MS);

  it('writes a display name with markup into the mail as text', async () => {
    const result = await run(['hostile@contoso.test']);
    const state = await control.state();
    expect(result.exitCode, detail(result)).toBe(0);
    const [mail] = messagesOf(state, 'salesvp');
    expect(mail, 'the mail to the manager').toBeDefined();
    expect(mail.content).toContain('<strong>&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#60;b&#62;Bold&#60;/b&#62; &#39;Eve&#39;</strong>');
    expect(mail.content).not.toContain('<script>');
    expect(mail.content).not.toContain('<b>Bold');
  }, TIMEOUT_MS);

  it('stops an apply that notifies in preflight when the app lacks Mail.Send, changing nothing', async () => {
    await control.apps([app(OFFBOARD_ROLES)]);
    const before = await snapshotStack(facts);
    const result = await run(THREE);
    const after = await snapshotStack(facts);
    expect(after).toEqual(before);
    expect(result.exitCode, detail(result)).toBe(1);
    expect(result.results?.error).toMatch(/^Preflight failed: .*Microsoft Graph permission Mail\.Send is missing.*Nothing was changed\.$/);
    const writes = (await control.log()).entries.filter((e) => !/^(token|exo\.connect|spo\.connect|exo\.cmdlet\.Get-|spo\.cmdlet\.Get-|graph\.(get|list)\.)/.test(e.op) && e.op !== 'graph.batch');
    expect(writes.map((e) => `${e.op} ${e.path}`)).toEqual([]);
  }, TIMEOUT_MS);
});

describe('sending the mails', () => {
  it('paces six mails from one mailbox under Outlook\'s four concurrent requests: all delivered, none throttled', async () => {
    const state = await control.state();
    const delegates = ['ceo', 'cfo', 'salesvp', 'jdoe', 'jsmith', 'cloudy'].map((key) => upn(state, key));
    // One leaver per delegate, as the engine records a done mailbox-access.
    const users: UserResult[] = delegates.map((delegate, i) => ({
      source: { file: 'offboarding/leavers.csv', line: i + 2 },
      request: { userPrincipalName: `leaver${i}@contoso.test` },
      status: 'done',
      steps: [{ step: 'mailbox-access', status: 'done', after: { mailbox: `leaver${i}@contoso.test`, delegate } }],
    }));
    const entra = entraInputs(facts);
    const graph = createGraphApi({ entra, certificate: parseCertificate(entra.certificate, entra.certificatePassword) });
    const warnings: string[] = [];
    try {
      const notified = await notifyDelegates({ inputs: { mode: 'apply', notify: 'delegate', notifyFrom: SENDER }, people: [], users, graph, warn: (m) => warnings.push(m) });
      expect(notified?.records.map((r) => [r.to, r.status])).toEqual(delegates.map((d) => [d, 'sent']));
    } finally {
      await graph.close();
    }
    expect(warnings).toEqual([]);
    const after = await control.state();
    expect(delegates.map((d, i) => messagesOf(after, ['ceo', 'cfo', 'salesvp', 'jdoe', 'jsmith', 'cloudy'][i]).map((m) => m.toRecipients))).toEqual(delegates.map((d) => [[d]]));
    expect((await sendMailRequests()).map((e) => e.status)).toEqual(Array(6).fill(202));
  }, TIMEOUT_MS);

  it('from a mailbox outside the app\'s access policy is refused (403 ErrorAccessDenied), from the notify-from mailbox delivered', async () => {
    await control.apps([{ ...app([...OFFBOARD_ROLES, 'Mail.Send', 'Mail.Read']), mailboxScope: [SENDER] }]);
    const state = await control.state();
    const cfo = upn(state, 'cfo');
    const users: UserResult[] = [
      { source: { file: 'offboarding/leavers.csv', line: 2 }, request: { userPrincipalName: 'leaver@contoso.test' }, status: 'done', steps: [{ step: 'mailbox-access', status: 'done', after: { mailbox: 'leaver@contoso.test', delegate: cfo } }] },
    ];
    const entra = entraInputs(facts);
    const graph = createGraphApi({ entra, certificate: parseCertificate(entra.certificate, entra.certificatePassword) });
    try {
      const send = (from: string) => notifyDelegates({ inputs: { mode: 'apply', notify: 'delegate', notifyFrom: from }, people: [], users, graph, warn: () => undefined });
      const outside = await send(upn(state, 'ceo'));
      expect(outside?.records).toEqual([
        { to: cfo, users: ['leaver@contoso.test'], status: 'failed', error: expect.objectContaining({ code: 'ErrorAccessDenied', message: expect.stringContaining('AppOnly AccessPolicy') }) },
      ]);
      expect((await send(SENDER))?.records.map((r) => r.status)).toEqual(['sent']);
      // The recipient's mailbox as Graph lists it: the one mail, the refused one nowhere.
      await control.apps([app(['User.Read.All', 'Mail.Read'])]);
      const listed = await graph.list<{ subject: string; from: { emailAddress: { address: string } } }>('/users/{id}/messages', { params: { id: cfo }, maxItems: 100 });
      expect(listed.map((m) => [m.subject, m.from.emailAddress.address])).toEqual([['Offboarding: a leaver handed over to you', SENDER]]);
    } finally {
      await graph.close();
    }
  }, TIMEOUT_MS);
});
