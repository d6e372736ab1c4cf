// mobile-wipe, inbox-rules and cancel-meetings through the engine with real pwsh, the stand-in module and the simulator, asserting on its state.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/connectors/auth.js';
import { createGraphApi } from '../../src/connectors/graph.js';
import type { GraphApi, PowerShellService } from '../../src/connectors/types.js';
import { runEngine } from '../../src/engine.js';
import type { Inputs, Mode } from '../../src/inputs-types.js';
import type { Person, StepName, StepResult, UserResult } from '../../src/model.js';
import { findEntraUsers } from '../../src/resolve/entra.js';
import { cancelMeetings } from '../../src/steps/cancel-meetings.js';
import { inboxRules } from '../../src/steps/inbox-rules.js';
import { mobileWipe } from '../../src/steps/mobile-wipe.js';
import type { Step } from '../../src/steps/types.js';
import type { FixtureMailboxItems } from '../stack/fixture-mailbox-items.js';
import { baseFixture, SKU_E3, type Fixture } from '../stack/fixture.js';
import type { SimMailboxState } from '../stack/simulator/types.js';
import { SimulatorControl, stackFacts } from '../helpers/stack.js';
import { undoFrom } from '../helpers/undo-from.js';
import { entraInputs, psService } from './powershell-helpers.js';

const facts = stackFacts();
const control = new SimulatorControl(facts.simulator.url);

const LEAVER = 'lena.leaver@contoso.test';
const BYSTANDER = 'bert.stays@contoso.test';
const WIPED = 'wanda.wiped@contoso.test';
const SHARED = 'shared.desk@contoso.test';
const UNLICENSED = 'una.licensed@contoso.test';

const LEAVER_ITEMS: FixtureMailboxItems = {
  mobileDevices: [
    { friendlyName: 'iPhone 15', deviceModel: 'iPhone15,2', deviceType: 'iPhone', deviceOS: 'iOS 18.1' },
    { friendlyName: 'Pixel 8', deviceModel: 'Pixel 8', deviceType: 'Android', deviceOS: 'Android 15' },
    { friendlyName: '', deviceModel: 'Outlook for iOS and Android', deviceType: 'Outlook' },
    { friendlyName: 'Old iPad', deviceModel: 'iPad13,1', deviceType: 'iPad', accountOnlyWipe: 'acknowledged' },
  ],
  inboxRules: [
    { name: 'Everything to my gmail', forwardTo: ['lena.private@gmail.test'] },
    { name: 'Boss as attachment', from: ['ceo@contoso.test'], forwardAsAttachmentTo: ['lena.private@gmail.test'], enabled: false },
    { name: 'Redirect invoices', subjectContainsWords: ['invoice'], redirectTo: ['billing@fabrikam.test'] },
    { name: 'Text me', from: ['ceo@contoso.test'], sendTextMessageNotificationTo: ['+15550100'] },
    { name: 'Bin newsletters', subjectContainsWords: ['newsletter'], deleteMessage: true },
    { name: 'Soft-delete spam', subjectContainsWords: ['offer'], softDeleteMessage: true },
    { name: 'File receipts', subjectContainsWords: ['receipt'], moveToFolder: 'Inbox\\Receipts', markAsRead: true },
  ],
  meetings: [
    { subject: 'Weekly sync', startInDays: -30, seriesEndInDays: 300, attendees: ['salesvp@contoso.test'] },
    { subject: 'Q3 review', startInDays: 20, attendees: ['cfo@contoso.test', 'room.orion@contoso.test'] },
    { subject: 'Customer call', startInDays: 3, attendees: ['buyer@fabrikam.test'] },
    { subject: 'Focus time', startInDays: 2, attendees: [] },
    { subject: 'Last year offsite', startInDays: -200, attendees: ['ceo@contoso.test'] },
    { subject: 'Far future', startInDays: 1900, attendees: ['ceo@contoso.test'] },
  ],
};

const BYSTANDER_ITEMS: FixtureMailboxItems = {
  mobileDevices: [{ friendlyName: 'Bert phone', deviceModel: 'iPhone14,5', deviceType: 'iPhone' }],
  inboxRules: [{ name: 'Everything to my gmail', forwardTo: ['bert@gmail.test'] }],
  meetings: [{ subject: 'Customer call', startInDays: 3, attendees: [LEAVER] }],
};

function tenantFixture(): Fixture {
  const fixture = baseFixture();
  const add = (key: string, upn: string, items: FixtureMailboxItems, extra: Partial<NonNullable<Fixture['people'][number]['cloud']>> = {}) => {
    const [givenName, surname] = upn.split('@')[0].split('.');
    fixture.people.push({ key, givenName, surname, displayName: `${givenName} ${surname}`, userPrincipalName: upn, mail: upn, cloud: { synced: false, licenses: [SKU_E3], mailboxItems: items, ...extra } });
  };
  add('lena', LEAVER, LEAVER_ITEMS);
  add('bert', BYSTANDER, BYSTANDER_ITEMS);
  add('wanda', WIPED, {
    mobileDevices: [
      { friendlyName: 'Wanda phone', deviceModel: 'Pixel 7', deviceType: 'Android', accountOnlyWipe: 'requested' },
      { friendlyName: 'Wanda tablet', deviceModel: 'Galaxy Tab', deviceType: 'Android', deviceWipe: 'requested' },
    ],
    inboxRules: [{ name: 'File receipts', moveToFolder: 'Inbox\\Receipts' }],
  });
  add('shared', SHARED, { meetings: [{ subject: 'Desk rota', startInDays: 5, attendees: ['ceo@contoso.test'] }] }, { mailbox: 'SharedMailbox', licenses: [] });
  add('una', UNLICENSED, { meetings: [{ subject: 'Planning', startInDays: 5, attendees: ['ceo@contoso.test'] }] }, { licenses: [] });
  return fixture;
}

let graph: GraphApi;
let exchange: PowerShellService;

function inputs(mode: Mode, steps: Step[]): Inputs {
  return {
    mode,
    csv: 'offboarding/*.csv',
    select: 'all',
    lookbackDays: 30,
    timeZone: 'UTC',
    steps: steps.map((s) => s.name),
    maxUsers: 25,
    protected: [],
    failOn: 'error',
    summary: 'full',
    resultsFile: '/tmp/offboarding-results.json',
    entra: entraInputs(facts),
    pwsh: facts.pwsh,
    powershellSessions: 2,
    mailboxAutomapping: false,
  };
}

/** The leavers through the steps with the engine. */
async function run(upns: string[], steps: Step[], mode: Mode = 'apply'): Promise<UserResult[]> {
  const found = await findEntraUsers(graph, upns.map((userPrincipalName) => ({ userPrincipalName })));
  const people: Person[] = upns.map((userPrincipalName, i) => ({
    request: { source: { file: 'offboarding/leavers.csv', line: i + 2 }, identity: { userPrincipalName } },
    entra: found[i]?.[0],
    delegate: { source: 'none' },
  }));
  return runEngine({
    people,
    steps,
    mode,
    inputs: inputs(mode, steps),
    connectors: { graph, exchange },
    run: { event: 'workflow_dispatch' },
    now: new Date(),
    concurrency: 2,
    // A dropped write never shows: no waiting for a replica to catch up.
    readBackDelaysMs: [],
  });
}

const stepOf = (result: UserResult, name: StepName): StepResult => {
  const found = result.steps.find((s) => s.step === name);
  if (!found) throw new Error(`no ${name} in the result`);
  return found;
};

async function mailboxes(): Promise<Map<string, SimMailboxState>> {
  return new Map((await control.state()).mailboxes.map((m) => [m.userPrincipalName, m]));
}

beforeAll(async () => {
  await control.load(tenantFixture(), {});
  const entra = entraInputs(facts);
  graph = createGraphApi({ entra, certificate: parseCertificate(entra.certificate) });
  exchange = psService(facts, 'exchange');
});

beforeEach(async () => {
  await control.clearFaults();
  await control.reset();
  await control.clearLog();
});

afterAll(async () => {
  await Promise.all([exchange.close(), graph.close()]);
});

describe('mobile-wipe', () => {
  it('plans "3 devices: …", wipes each device without a wipe account-only, reads the wipes back, and a re-run is unchanged; other mailboxes keep their devices as they were', async () => {
    const before = await mailboxes();
    const [plan] = await run([LEAVER], [mobileWipe], 'plan');
    expect(stepOf(plan, 'mobile-wipe')).toMatchObject({ status: 'planned', reason: '3 devices: iPhone 15, Pixel 8, Outlook for iOS and Android' });
    expect(await mailboxes()).toEqual(before);

    const [applied] = await run([LEAVER], [mobileWipe]);
    const done = stepOf(applied, 'mobile-wipe');
    expect(done).toMatchObject({ status: 'done', verified: true });
    expect((done.after as { devices: { name: string; wipe: string }[] }).devices.map((d) => [d.name, d.wipe])).toEqual([
      ['iPhone 15', 'account-only pending'],
      ['Pixel 8', 'account-only pending'],
      ['Outlook for iOS and Android', 'account-only pending'],
    ]);
    const after = await mailboxes();
    const devices = after.get(LEAVER)?.mobileDevices ?? [];
    expect(devices.map((d) => [d.friendlyName, d.accountOnlyDeviceWipeRequestTime !== null, d.deviceWipeRequestTime])).toEqual([
      ['iPhone 15', true, null],
      ['Pixel 8', true, null],
      ['', true, null],
      ['Old iPad', true, null],
    ]);
    // The iPad's acknowledged wipe is not asked for again.
    expect(devices[3]).toEqual(before.get(LEAVER)?.mobileDevices[3]);
    expect(after.get(BYSTANDER)).toEqual(before.get(BYSTANDER));
    const clears = (await control.log()).entries.filter((e) => e.op === 'exo.cmdlet.Clear-MobileDevice');
    expect(clears.map((e) => e.signature)).toEqual(Array(3).fill('exchange Clear-MobileDevice -AccountOnly -Identity'));

    const [again] = await run([LEAVER], [mobileWipe]);
    expect(stepOf(again, 'mobile-wipe')).toMatchObject({ status: 'unchanged', reason: 'every device has a wipe requested already' });
  });

  it('is unchanged for a mailbox whose devices all have a wipe requested, account-only or full', async () => {
    const [result] = await run([WIPED], [mobileWipe]);
    expect(stepOf(result, 'mobile-wipe')).toMatchObject({
      status: 'unchanged',
      before: { devices: [{ name: 'Wanda phone', wipe: 'account-only pending' }, { name: 'Wanda tablet', wipe: 'device pending' }] },
    });
    expect((await control.log()).entries.filter((e) => e.op === 'exo.cmdlet.Clear-MobileDevice')).toEqual([]);
  });

  it('fails with not-verified when the service drops the wipe silently', async () => {
    await control.faults({ drop: { ops: ['exo.cmdlet.Clear-MobileDevice'], users: [LEAVER] } });
    const [result] = await run([LEAVER], [mobileWipe]);
    expect(stepOf(result, 'mobile-wipe')).toMatchObject({ status: 'failed', error: { code: 'not-verified' } });
    expect((await mailboxes()).get(LEAVER)?.mobileDevices.filter((d) => d.accountOnlyDeviceWipeRequestTime === null)).toHaveLength(3);
  });
});

describe('inbox-rules', () => {
  it('removes the rules that forward, redirect, text or delete, with their definitions on record, keeps the others, and a re-run is unchanged', async () => {
    const before = await mailboxes();
    const [plan] = await run([LEAVER], [inboxRules], 'plan');
    expect(stepOf(plan, 'inbox-rules')).toMatchObject({ status: 'planned', reason: '6 rules: Everything to my gmail, Boss as attachment, Redirect invoices, …' });
    expect(await mailboxes()).toEqual(before);

    const [applied] = await run([LEAVER], [inboxRules]);
    const done = stepOf(applied, 'inbox-rules');
    expect(done).toMatchObject({ status: 'done', verified: true, after: { rules: [] } });
    const recorded = (done.before as { rules: Record<string, unknown>[] }).rules;
    expect(recorded.map((r) => [r.Name, r.removedFor])).toEqual([
      ['Everything to my gmail', ['ForwardTo']],
      ['Boss as attachment', ['ForwardAsAttachmentTo']],
      ['Redirect invoices', ['RedirectTo']],
      ['Text me', ['SendTextMessageNotificationTo']],
      ['Bin newsletters', ['DeleteMessage']],
      ['Soft-delete spam', ['SoftDeleteMessage']],
    ]);
    // The whole definition: conditions and state as well as the action.
    expect(recorded[1]).toMatchObject({ Enabled: false, From: ['"ceo@contoso.test" [SMTP:ceo@contoso.test]'], ForwardAsAttachmentTo: ['"lena.private@gmail.test" [SMTP:lena.private@gmail.test]'] });
    const after = await mailboxes();
    expect(after.get(LEAVER)?.inboxRules.map((r) => r.name)).toEqual(['File receipts']);
    expect(after.get(BYSTANDER)).toEqual(before.get(BYSTANDER));

    const [again] = await run([LEAVER], [inboxRules]);
    expect(stepOf(again, 'inbox-rules')).toMatchObject({ status: 'unchanged', before: { rules: [] } });
  });

  it('fails with not-verified when the service drops a removal silently', async () => {
    await control.faults({ drop: { ops: ['exo.cmdlet.Remove-InboxRule'], users: [LEAVER], next: 1 } });
    const [result] = await run([LEAVER], [inboxRules]);
    expect(stepOf(result, 'inbox-rules')).toMatchObject({ status: 'failed', error: { code: 'not-verified' } });
    expect((await mailboxes()).get(LEAVER)?.inboxRules.map((r) => r.name)).toEqual(['Everything to my gmail', 'File receipts']);
  });
});

describe('cancel-meetings', () => {
  it('plans the count from -PreviewOnly, cancels the organised meetings of the next 1825 days, reads back a preview that finds none, and a re-run is unchanged', async () => {
    const before = await mailboxes();
    const [plan] = await run([LEAVER], [cancelMeetings], 'plan');
    expect(stepOf(plan, 'cancel-meetings')).toMatchObject({ status: 'planned', reason: '3 meetings from -PreviewOnly', before: { meetings: 3 } });
    expect(await mailboxes()).toEqual(before);
    await control.clearLog();

    const [applied] = await run([LEAVER], [cancelMeetings]);
    expect(stepOf(applied, 'cancel-meetings')).toMatchObject({ status: 'done', verified: true, before: { meetings: 3 }, after: { meetings: 0 } });
    const after = await mailboxes();
    expect(after.get(LEAVER)?.meetings.map((m) => [m.subject, m.cancelled])).toEqual([
      ['Weekly sync', true],
      ['Q3 review', true],
      ['Customer call', true],
      ['Focus time', false],
      ['Last year offsite', false],
      ['Far future', false],
    ]);
    expect(after.get(BYSTANDER)).toEqual(before.get(BYSTANDER));
    const calls = (await control.log()).entries.filter((e) => e.op === 'exo.cmdlet.Remove-CalendarEvents').map((e) => e.signature);
    expect(calls).toEqual([
      'exchange Remove-CalendarEvents -CancelOrganizedMeetings -Identity -PreviewOnly -QueryWindowInDays',
      'exchange Remove-CalendarEvents -CancelOrganizedMeetings -Identity -QueryWindowInDays',
      'exchange Remove-CalendarEvents -CancelOrganizedMeetings -Identity -PreviewOnly -QueryWindowInDays',
    ]);

    const [again] = await run([LEAVER], [cancelMeetings]);
    expect(stepOf(again, 'cancel-meetings')).toMatchObject({ status: 'unchanged', before: { meetings: 0 } });
  });

  it('is skipped for a shared mailbox, and fails for a mailbox that can no longer send (no licence), cancelling nothing', async () => {
    const before = await mailboxes();
    const [shared, unlicensed] = await run([SHARED, UNLICENSED], [cancelMeetings]);
    expect(stepOf(shared, 'cancel-meetings')).toMatchObject({ status: 'skipped', reason: 'the mailbox is shared already: it can no longer send the cancellations' });
    expect(stepOf(unlicensed, 'cancel-meetings')).toMatchObject({ status: 'failed', error: { message: expect.stringMatching(/must still be enabled to send mail/) } });
    expect(await mailboxes()).toEqual(before);
  });

  it('fails with not-verified when the service drops the cancellation silently', async () => {
    await control.faults({ drop: { ops: ['exo.cmdlet.Remove-CalendarEvents'], users: [LEAVER] } });
    const [result] = await run([LEAVER], [cancelMeetings]);
    expect(stepOf(result, 'cancel-meetings')).toMatchObject({ status: 'failed', error: { code: 'not-verified' } });
    expect((await mailboxes()).get(LEAVER)?.meetings.filter((m) => m.cancelled)).toEqual([]);
  });
});

describe('undo-from', () => {
  it('skips mobile-wipe, inbox-rules and cancel-meetings as "cannot be undone", and changes nothing', async () => {
    const steps = [mobileWipe, inboxRules, cancelMeetings];
    const [applied] = await run([LEAVER], steps);
    expect(applied.steps.map((s) => s.status)).toEqual(['done', 'done', 'done']);
    const after = await mailboxes();
    await control.clearLog();
    const { undo, requests } = undoFrom([applied]);
    const [found] = await findEntraUsers(graph, [requests[0].identity]);
    const person: Person = { request: requests[0], entra: found[0], delegate: { source: 'none' } };
    for (const mode of ['plan', 'apply'] as const) {
      const [undone] = await runEngine({
        people: undo.guard([person]),
        steps: undo.steps,
        mode,
        inputs: { ...inputs(mode, undo.steps), steps: undo.stepNames },
        connectors: { graph, exchange },
        run: { event: 'workflow_dispatch' },
        now: new Date(),
        concurrency: 1,
      });
      expect(undone.steps.map((s) => [s.step, s.status, s.reason])).toEqual([
        ['cancel-meetings', 'skipped', 'cannot be undone'],
        ['inbox-rules', 'skipped', 'cannot be undone'],
        ['mobile-wipe', 'skipped', 'cannot be undone'],
      ]);
    }
    expect(await mailboxes()).toEqual(after);
    expect((await control.log()).entries.filter((e) => e.op.startsWith('exo.cmdlet.'))).toEqual([]);
  });
});
