// mailbox-forward and mailbox-autoreply with real pwsh, the stand-in module and the simulator, asserting on the mailboxes afterwards.
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { parseCertificate } from '../../src/connectors/auth.js';
import { createGraphApi } from '../../src/connectors/graph.js';
import type { GraphApi, PowerShellService } from '../../src/connectors/types.js';
import type { Inputs } from '../../src/inputs-types.js';
import { runEngine } from '../../src/engine.js';
import type { Mode } from '../../src/inputs-types.js';
import type { Person, UserResult } from '../../src/model.js';
import { mailboxAutoreply } from '../../src/steps/mailbox-autoreply.js';
import { mailboxForward } from '../../src/steps/mailbox-forward.js';
import type { Decision, Step, StepContext } from '../../src/steps/types.js';
import { baseFixture, type Fixture } from '../stack/fixture.js';
import { SimulatorControl } from '../stack/simulator/control-client.js';
import type { SimMailboxState, SimState } from '../stack/simulator/types.js';
import { loadStackTenant } from '../stack/stack.js';
import { undoFrom } from '../helpers/undo-from.js';
import { entraInputs, psService } from './powershell-helpers.js';

const facts = inject('stack');
const control = new SimulatorControl(facts.simulator.url);
const SALESVP = 'salesvp@contoso.test';
const JDOE = 'jdoe@contoso.test';
const CLOUDY = 'chloe.nuage@contoso.test';
/** A display name that is markup, PowerShell and a placeholder at once. */
const HOSTILE_NAME = '<img src=x onerror=alert(1)> {delegateMail} $(Remove-Mailbox ceo) "q" \'s\' `b`';
const TEMPLATE = '<p>{displayName} left us on {effectiveDate}. Please write to {delegateName} at {delegateMail}.</p>';

let exchange: PowerShellService;
/** The engine runs a step that needs Entra only with its connector there. */
let graph: GraphApi;

function fixture(): Fixture {
  const tenant = baseFixture();
  tenant.people.push({
    key: 'hostile',
    givenName: 'Hostile',
    surname: 'Name',
    displayName: HOSTILE_NAME,
    userPrincipalName: 'hostile.name@contoso.test',
    mail: 'hostile.name@contoso.test',
    cloud: { synced: false },
  });
  return tenant;
}

function inputs(autoreplyMessage = TEMPLATE): Inputs {
  return {
    mode: 'apply',
    csv: 'offboarding/*.csv',
    select: 'all',
    lookbackDays: 30,
    timeZone: 'UTC',
    steps: ['mailbox-forward', 'mailbox-autoreply'],
    maxUsers: 25,
    protected: [],
    failOn: 'error',
    summary: 'full',
    resultsFile: '/tmp/offboarding-results.json',
    entra: entraInputs(facts),
    pwsh: facts.pwsh,
    powershellSessions: 2,
    mailboxAutomapping: false,
    autoreplyMessage,
  };
}

/** The leaver as resolve hands it over: the Entra account from the simulator, the delegate as the row named it. */
async function leaver(upn: string, delegate?: string, options: { effective?: string; template?: string } = {}): Promise<StepContext> {
  const user = (await control.state()).users.find((u) => u.userPrincipalName === upn);
  if (!user) throw new Error(`no user ${upn} in the simulator`);
  const person: Person = {
    request: { source: { file: 'offboarding/leavers.csv', line: 2 }, identity: { userPrincipalName: upn }, ...(options.effective ? { effective: options.effective } : {}) },
    entra: { id: user.id, userPrincipalName: upn, displayName: user.displayName, accountEnabled: user.accountEnabled, onPremisesSyncEnabled: user.onPremisesSyncEnabled === true, directLicenses: [], directoryRoles: [] },
    delegate: delegate ? { userPrincipalName: delegate, source: 'csv' } : { source: 'none' },
  };
  const memo = new Map<string, Promise<unknown>>();
  return {
    person,
    inputs: inputs(options.template),
    connectors: { exchange },
    run: { event: 'workflow_dispatch' },
    now: new Date('2026-11-30T10:00:00Z'),
    facts: {},
    shared: {
      once<T>(key: string, compute: () => Promise<T>): Promise<T> {
        if (!memo.has(key)) memo.set(key, compute());
        return memo.get(key) as Promise<T>;
      },
    },
  };
}

/** What the engine does in apply mode: observe, apply a change, read it back. */
async function apply(decision: Decision): Promise<Decision> {
  if (decision.kind !== 'change') return decision;
  await decision.apply();
  expect(await decision.verify?.()).toEqual({ ok: true });
  return decision;
}

const mailboxOf = (state: SimState, upn: string): SimMailboxState => {
  const mailbox = state.mailboxes.find((m) => m.userPrincipalName === upn);
  if (!mailbox) throw new Error(`no mailbox ${upn}`);
  return mailbox;
};

/** Every mailbox but the leaver's is as it was. */
function othersUntouched(before: SimState, after: SimState, upn: string): void {
  expect(after.mailboxes.filter((m) => m.userPrincipalName !== upn)).toEqual(before.mailboxes.filter((m) => m.userPrincipalName !== upn));
}

const reverse = (step: Step, context: StepContext, decision: Decision): Promise<Decision> => {
  if (decision.kind !== 'change' || !step.reverse) throw new Error('nothing to reverse');
  return step.reverse({ ...context, record: { before: decision.before, after: decision.after } });
};

/** The steps over the people with the engine, as a run of `mode` does. */
function engine(people: Person[], steps: Step[], mode: Mode, context: StepContext): Promise<UserResult[]> {
  return runEngine({
    people,
    steps,
    mode,
    inputs: { ...context.inputs, mode, steps: steps.map((s) => s.name) },
    connectors: { exchange, graph },
    run: context.run,
    now: context.now,
    concurrency: 1,
  });
}

beforeAll(async () => {
  await loadStackTenant(facts, fixture());
  exchange = psService(facts, 'exchange');
  const entra = entraInputs(facts);
  graph = createGraphApi({ entra, certificate: parseCertificate(entra.certificate) });
});

beforeEach(async () => {
  await control.reset();
  await control.clearFaults();
  await control.clearLog();
});

afterAll(async () => {
  await Promise.all([exchange.close(), graph.close()]);
  await loadStackTenant(facts, baseFixture());
});

describe('mailbox-forward', () => {
  it('plans forwarding to the delegate with a copy kept, applies it, reads it back, and finds it unchanged on a second run', async () => {
    const before = await control.state();
    const context = await leaver(JDOE, SALESVP);
    const decision = await apply(await mailboxForward.observe(context));
    expect(decision).toMatchObject({
      kind: 'change',
      before: { forwardingAddress: null, forwardingSmtpAddress: null, deliverToMailboxAndForward: false },
      after: { forwardingAddress: SALESVP, forwardingSmtpAddress: null, deliverToMailboxAndForward: true },
    });
    const after = await control.state();
    expect(mailboxOf(after, JDOE)).toMatchObject({ forwardingAddress: SALESVP, forwardingSmtpAddress: null, deliverToMailboxAndForward: true });
    othersUntouched(before, after, JDOE);
    // Exchange names the recipient by its identity (the mailbox name), not by the UPN the step wrote.
    expect(await mailboxForward.observe(await leaver(JDOE, SALESVP))).toEqual({
      kind: 'unchanged',
      before: { forwardingAddress: 'Priya Raman', forwardingSmtpAddress: null, deliverToMailboxAndForward: true },
    });
    expect((await control.log()).counts['exo.cmdlet.Set-Mailbox']).toBe(1);
  });

  it('forwards when the mailbox already forwards to the delegate but keeps no copy', async () => {
    await exchange.invoke('Set-Mailbox', { Identity: JDOE, ForwardingAddress: SALESVP, DeliverToMailboxAndForward: false });
    const decision = await apply(await mailboxForward.observe(await leaver(JDOE, SALESVP)));
    expect(decision).toMatchObject({ kind: 'change', before: { forwardingAddress: 'Priya Raman', deliverToMailboxAndForward: false } });
    expect(mailboxOf(await control.state(), JDOE)).toMatchObject({ forwardingAddress: SALESVP, deliverToMailboxAndForward: true });
  });

  it('leaves an external ForwardingSmtpAddress in place (Exchange ignores it while ForwardingAddress is set), and the reverse restores the recorded forwarding', async () => {
    await exchange.invoke('Set-Mailbox', { Identity: JDOE, ForwardingSmtpAddress: 'jane.private@example.net', DeliverToMailboxAndForward: false });
    const recorded = mailboxOf(await control.state(), JDOE);
    const context = await leaver(JDOE, SALESVP);
    const decision = await apply(await mailboxForward.observe(context));
    expect(decision).toMatchObject({
      before: { forwardingAddress: null, forwardingSmtpAddress: 'smtp:jane.private@example.net', deliverToMailboxAndForward: false },
      after: { forwardingAddress: SALESVP, forwardingSmtpAddress: 'smtp:jane.private@example.net', deliverToMailboxAndForward: true },
    });
    const undo = await apply(await reverse(mailboxForward, context, decision));
    expect(undo).toMatchObject({
      kind: 'change',
      after: { forwardingAddress: null, forwardingSmtpAddress: 'smtp:jane.private@example.net', deliverToMailboxAndForward: false },
      reason: 'back to forwarding to smtp:jane.private@example.net',
    });
    expect(mailboxOf(await control.state(), JDOE)).toEqual(recorded);
    expect(await reverse(mailboxForward, context, decision)).toMatchObject({ kind: 'unchanged' });
  });

  it('reverse changes nothing once the forwarding moved on since the run: skipped "changed since"', async () => {
    const context = await leaver(JDOE, SALESVP);
    const decision = await apply(await mailboxForward.observe(context));
    await exchange.invoke('Set-Mailbox', { Identity: JDOE, ForwardingAddress: 'cfo@contoso.test', DeliverToMailboxAndForward: true });
    const moved = await control.state();
    expect(await reverse(mailboxForward, context, decision)).toEqual({ kind: 'skipped', reason: 'changed since: forwarding to Henrik Lindqvist, a copy kept' });
    expect(await control.state()).toEqual(moved);
  });

  it('is skipped without a delegate, for a leaver without a mailbox, and for a delegate without one', async () => {
    expect(await mailboxForward.observe(await leaver(JDOE))).toEqual({ kind: 'skipped', reason: 'no delegate found' });
    expect(await mailboxForward.observe(await leaver('noor.drive@contoso.test', SALESVP))).toEqual({ kind: 'skipped', reason: 'no mailbox' });
    expect(await mailboxForward.observe(await leaver(JDOE, 'noor.drive@contoso.test'))).toEqual({ kind: 'skipped', reason: 'the delegate has no mailbox to forward to' });
    expect((await control.log()).counts['exo.cmdlet.Set-Mailbox'] ?? 0).toBe(0);
  });
});

describe('mailbox-autoreply', () => {
  it('plans the rendered message, turns the reply on for internal and all external senders, reads it back, and finds it unchanged on a second run', async () => {
    const before = await control.state();
    const context = await leaver(CLOUDY, SALESVP, { effective: '2026-12-01T09:00:00.000Z' });
    const rendered = '<p>Chloé Nuage left us on 2026-12-01. Please write to Priya Raman at salesvp@contoso.test.</p>';
    const decision = await apply(await mailboxAutoreply.observe(context));
    expect(decision).toMatchObject({
      kind: 'change',
      before: { autoReplyState: 'Disabled', internalMessage: null, externalMessage: null, externalAudience: 'All' },
      after: { autoReplyState: 'Enabled', internalMessage: rendered, externalMessage: rendered, externalAudience: 'All' },
    });
    const after = await control.state();
    // Exchange stores the message as HTML, the tags it adds around it included.
    expect(mailboxOf(after, CLOUDY).autoReply).toEqual({
      autoReplyState: 'Enabled',
      internalMessage: `<html><body>${rendered}</body></html>`,
      externalMessage: `<html><body>${rendered}</body></html>`,
      externalAudience: 'All',
      startTime: null,
      endTime: null,
    });
    othersUntouched(before, after, CLOUDY);
    expect(await mailboxAutoreply.observe(await leaver(CLOUDY, SALESVP, { effective: '2026-12-01T09:00:00.000Z' }))).toMatchObject({ kind: 'unchanged' });
    expect((await control.log()).counts['exo.cmdlet.Set-MailboxAutoReplyConfiguration']).toBe(1);
  });

  it('writes a display name with markup, PowerShell and a placeholder as text: escaped, replaced once, nothing run', async () => {
    const before = await control.state();
    const decision = await apply(await mailboxAutoreply.observe(await leaver('hostile.name@contoso.test', SALESVP)));
    const name = '&lt;img src=x onerror=alert(1)&gt; {delegateMail} $(Remove-Mailbox ceo) &quot;q&quot; &#39;s&#39; `b`';
    const rendered = `<p>${name} left us on 2026-11-30. Please write to Priya Raman at salesvp@contoso.test.</p>`;
    expect(decision).toMatchObject({ kind: 'change', after: { internalMessage: rendered } });
    const after = await control.state();
    expect(mailboxOf(after, 'hostile.name@contoso.test').autoReply.internalMessage).toBe(`<html><body>${rendered}</body></html>`);
    expect(JSON.stringify(mailboxOf(after, 'hostile.name@contoso.test').autoReply)).not.toContain('<img');
    othersUntouched(before, after, 'hostile.name@contoso.test');
    expect(after.users).toEqual(before.users);
  });

  it('is skipped without a delegate when the message names one, and written without one when it does not', async () => {
    expect(await mailboxAutoreply.observe(await leaver(CLOUDY))).toEqual({ kind: 'skipped', reason: 'no delegate found, and autoreply-message names the delegate' });
    const decision = await apply(await mailboxAutoreply.observe(await leaver(CLOUDY, undefined, { template: '{displayName} has left the company.' })));
    expect(decision).toMatchObject({ kind: 'change', after: { internalMessage: 'Chloé Nuage has left the company.' } });
    expect(await mailboxAutoreply.observe(await leaver('noor.drive@contoso.test', SALESVP))).toEqual({ kind: 'skipped', reason: 'no mailbox' });
  });

  it('reverse restores the recorded configuration: a scheduled reply with its own messages, audience and times', async () => {
    await exchange.invoke('Set-MailboxAutoReplyConfiguration', {
      Identity: CLOUDY,
      AutoReplyState: 'Scheduled',
      StartTime: '2026-12-24T08:00:00Z',
      EndTime: '2027-01-02T17:00:00Z',
      InternalMessage: 'Back after the holidays.',
      ExternalMessage: '<html><body><b>Closed</b> until January.</body></html>',
      ExternalAudience: 'Known',
    });
    const recorded = mailboxOf(await control.state(), CLOUDY).autoReply;
    const context = await leaver(CLOUDY, SALESVP);
    const decision = await apply(await mailboxAutoreply.observe(context));
    expect(decision).toMatchObject({ kind: 'change', before: { autoReplyState: 'Scheduled', externalAudience: 'Known' } });
    expect(mailboxOf(await control.state(), CLOUDY).autoReply.autoReplyState).toBe('Enabled');
    const undo = await apply(await reverse(mailboxAutoreply, context, decision));
    expect(undo).toMatchObject({ kind: 'change', after: { autoReplyState: 'Scheduled', externalAudience: 'Known' }, reason: 'back to the recorded automatic reply: Scheduled, to Known external senders' });
    expect(mailboxOf(await control.state(), CLOUDY).autoReply).toEqual(recorded);
    expect(await reverse(mailboxAutoreply, context, decision)).toMatchObject({ kind: 'unchanged' });
  });

  it('reverse changes nothing once the message was edited since the run: skipped "changed since"', async () => {
    const context = await leaver(CLOUDY, SALESVP);
    const decision = await apply(await mailboxAutoreply.observe(context));
    await exchange.invoke('Set-MailboxAutoReplyConfiguration', { Identity: CLOUDY, InternalMessage: 'Chloé has left; ask the front desk.' });
    const edited = await control.state();
    expect(await reverse(mailboxAutoreply, context, decision)).toMatchObject({ kind: 'skipped', reason: expect.stringMatching(/^changed since: /) });
    expect(await control.state()).toEqual(edited);
  });
});

describe('mailbox-forward and mailbox-autoreply through the engine', () => {
  it('plan mode shows the forwarding and the rendered message, and changes nothing', async () => {
    const before = await control.state();
    const context = await leaver(CLOUDY, SALESVP, { effective: '2026-12-01T09:00:00.000Z' });
    const [result] = await runEngine({
      people: [context.person],
      steps: [mailboxForward, mailboxAutoreply],
      mode: 'plan',
      inputs: { ...context.inputs, mode: 'plan' },
      connectors: { exchange, graph },
      run: context.run,
      now: context.now,
      concurrency: 1,
    });
    const rendered = '<p>Chloé Nuage left us on 2026-12-01. Please write to Priya Raman at salesvp@contoso.test.</p>';
    expect(result.steps).toEqual([
      {
        step: 'mailbox-forward',
        status: 'planned',
        before: { forwardingAddress: null, forwardingSmtpAddress: null, deliverToMailboxAndForward: false },
        after: { forwardingAddress: SALESVP, forwardingSmtpAddress: null, deliverToMailboxAndForward: true },
        reason: `forward to ${SALESVP}, keeping a copy`,
      },
      {
        step: 'mailbox-autoreply',
        status: 'planned',
        before: { autoReplyState: 'Disabled', internalMessage: null, externalMessage: null, externalAudience: 'All', startTime: null, endTime: null },
        after: { autoReplyState: 'Enabled', internalMessage: rendered, externalMessage: rendered, externalAudience: 'All' },
        reason: `reply to internal and all external senders: ${rendered}`,
      },
    ]);
    expect(await control.state()).toEqual(before);
    const writes = (await control.log()).entries.filter((e) => /^exo\.cmdlet\.Set-/.test(e.op));
    expect(writes).toEqual([]);
  });

  it('reads the delegate\'s mailbox once for both steps and every leaver who names it', async () => {
    const cloudy = await leaver(CLOUDY, SALESVP);
    const jdoe = await leaver(JDOE, SALESVP);
    const [first, second] = await engine([cloudy.person, jdoe.person], [mailboxForward, mailboxAutoreply], 'plan', cloudy);
    expect([...first.steps, ...second.steps].map((s) => s.status)).toEqual(['planned', 'planned', 'planned', 'planned']);
    // The delegate is the only mailbox the two steps read without -Properties.
    const reads = (await control.log()).entries.filter((e) => e.signature === 'exchange Get-EXOMailbox -Identity');
    expect(reads.map((e) => e.status)).toEqual([200]);
  });

  it('fails both steps not-verified when Exchange accepts the write and loses it', async () => {
    await control.faults({ drop: { ops: ['exo.cmdlet.Set-Mailbox', 'exo.cmdlet.Set-MailboxAutoReplyConfiguration'], users: [CLOUDY] } });
    const before = await control.state();
    const context = await leaver(CLOUDY, SALESVP);
    const [result] = await runEngine({
      people: [context.person],
      steps: [mailboxForward, mailboxAutoreply],
      mode: 'apply',
      inputs: context.inputs,
      connectors: { exchange, graph },
      run: context.run,
      now: context.now,
      concurrency: 1,
      // A dropped write never shows: no waiting for a replica to catch up.
      readBackDelaysMs: [],
    });
    expect(result.steps.map((s) => [s.step, s.status, s.error?.code])).toEqual([
      ['mailbox-forward', 'failed', 'not-verified'],
      ['mailbox-autoreply', 'failed', 'not-verified'],
    ]);
    expect(await control.state()).toEqual(before);
  });

  it('apply forwards and replies, read back (verified); a re-run is unchanged; undo-from plans the recorded settings back, then restores the mailbox as it was', async () => {
    const before = await control.state();
    const context = await leaver(CLOUDY, SALESVP, { effective: '2026-12-01T09:00:00.000Z' });
    const [applied] = await engine([context.person], [mailboxForward, mailboxAutoreply], 'apply', context);
    expect(applied.steps.map((s) => [s.step, s.status, s.verified])).toEqual([
      ['mailbox-forward', 'done', true],
      ['mailbox-autoreply', 'done', true],
    ]);
    const done = await control.state();
    expect(mailboxOf(done, CLOUDY)).toMatchObject({ forwardingAddress: SALESVP, deliverToMailboxAndForward: true, autoReply: { autoReplyState: 'Enabled', externalAudience: 'All' } });
    othersUntouched(before, done, CLOUDY);

    const [again] = await engine([context.person], [mailboxForward, mailboxAutoreply], 'apply', context);
    expect(again.steps.map((s) => [s.step, s.status])).toEqual([
      ['mailbox-forward', 'unchanged'],
      ['mailbox-autoreply', 'unchanged'],
    ]);

    // Undo resolves the user again by the record's object id and acts without a delegate.
    const { undo, requests } = undoFrom([applied]);
    const person: Person = { ...(await leaver(CLOUDY)).person, request: requests[0] };
    await control.clearLog();
    const [plan] = await engine(undo.guard([person]), undo.steps, 'plan', context);
    expect(plan.steps.map((s) => [s.step, s.status, s.after, s.reason])).toEqual([
      ['mailbox-autoreply', 'planned', applied.steps[1].before, 'back to the recorded automatic reply: Disabled'],
      ['mailbox-forward', 'planned', applied.steps[0].before, 'back to forwarding to nobody'],
    ]);
    expect(await control.state()).toEqual(done);
    expect((await control.log()).entries.filter((e) => /^exo\.cmdlet\.Set-/.test(e.op))).toEqual([]);

    const [undone] = await engine(undo.guard([person]), undo.steps, 'apply', context);
    expect(undone.steps.map((s) => [s.step, s.status, s.verified])).toEqual([
      ['mailbox-autoreply', 'done', true],
      ['mailbox-forward', 'done', true],
    ]);
    expect((await control.state()).mailboxes).toEqual(before.mailboxes);
  });
});
