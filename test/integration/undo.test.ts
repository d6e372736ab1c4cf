// Undo through the bundled action against the stack: the demo's hybrid layoff applied with every step, then reversed
// from its results file, asserted on the whole state of Samba and the simulator.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Attribute, Change, Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PowerShellService } from '../../src/connectors/types.js';
import { parseCertificate } from '../../src/connectors/auth.js';
import { runAction, stackActionEnv, stackActionInputs, type ActionRun } from '../e2e/run-action.js';
import { STEPS } from '../../src/steps/index.js';
import { loadStackTenant, SimulatorControl, snapshotStack, stackFacts } from '../helpers/stack.js';
import { baseFixture, type Fixture, type FixturePerson } from '../stack/fixture.js';
import { OFFBOARD_ROLES, PLANNER_ROLES } from '../stack/stack.js';
import { psService } from './powershell-helpers.js';

const facts = stackFacts();
const control = new SimulatorControl(facts.simulator.url);
const certificatePem = parseCertificate(facts.simulator.certificatePem).certPem;
/** The offboarding app with what the optional steps need besides the README's base set (rename, auth-methods, group-owners). */
const ROLES = [...OFFBOARD_ROLES, 'User.ReadWrite.All', 'UserAuthenticationMethod.ReadWrite.All', 'Group.ReadWrite.All'];
/** The stack's two apps, the offboarding app with these roles. */
const apps = (roles: string[]) => [
  { clientId: facts.simulator.clientId, displayName: 'm365-offboard', certificatesPem: [certificatePem], roles },
  { clientId: facts.simulator.plannerClientId, displayName: 'm365-offboard-plan', certificatesPem: [certificatePem], roles: PLANNER_ROLES },
];
const EXAMPLES = path.resolve(import.meta.dirname, '../../examples/offboarding');
const repository = { name: 'identity-offboarding', owner: { login: 'contoso' }, full_name: 'contoso/identity-offboarding' };
/** Every step of the step list: the reversible ones, and those the contract calls irreversible. */
const ALL_STEPS = STEPS.map((step) => step.name).join(', ');
const FORMAT = 'zz {displayName} (left {effectiveDate})';
const AUTOREPLY = 'I have left. Please write to {delegateName} at {delegateMail}.';
const GROUPS = { salesEmea: '7c0d4e1a-0017-4b2c-9a3d-000000000001', projectX: '7c0d4e1a-0017-4b2c-9a3d-000000000002', allStaff: '7c0d4e1a-0017-4b2c-9a3d-000000000003' };
const TIMEOUT_MS = 900_000;
const HEADER_ONLY = 'userPrincipalName,distinguishedName,employeeId,effective,delegate,reason,hr_ReportsToPositionID\n';
const temporary: string[] = [];
let exchange: PowerShellService;

type Snapshot = Awaited<ReturnType<typeof snapshotStack>>;

/**
 * The demo tenant with something for every step to change for the leavers: Jane's phone, authentication methods, Inbox
 * rules (one that forwards, one that only files mail), meetings and cloud groups (a Microsoft 365 group and a
 * distribution list); Chloé in the same groups and the only owner of a security group and of a Team.
 */
function undoFixture(): Fixture {
  const fixture = baseFixture();
  fixture.entraGroups.push(
    { id: GROUPS.salesEmea, displayName: 'Sales EMEA', kind: 'unified', team: true, owners: ['cloudy'] },
    { id: GROUPS.projectX, displayName: 'Project X', owners: ['cloudy'] },
    { id: GROUPS.allStaff, displayName: 'All Staff', kind: 'distribution' },
  );
  const cloudOf = (key: string): NonNullable<FixturePerson['cloud']> => {
    const person = fixture.people.find((p) => p.key === key);
    if (!person?.cloud) throw new Error(`no cloud account for ${key}`);
    return person.cloud;
  };
  Object.assign(cloudOf('jdoe'), {
    groups: ['Sales EMEA', 'All Staff'],
    authMethods: [
      { type: 'microsoftAuthenticator', displayName: 'iPhone 15' },
      { type: 'phone', phoneNumber: '+1 2065550142', phoneType: 'mobile' },
    ],
    mailboxItems: {
      mobileDevices: [{ friendlyName: "Jane's iPhone", deviceModel: 'iPhone15,2', deviceType: 'iPhone', deviceOS: 'iOS 18.1' }],
      inboxRules: [
        { name: 'Newsletters', subjectContainsWords: ['newsletter'], moveToFolder: 'Newsletters' },
        { name: 'To my private address', forwardTo: ['jane.private@example.net'] },
      ],
      meetings: [
        { subject: 'Weekly sales', startInDays: 3, seriesEndInDays: 90, attendees: ['salesvp@contoso.test', 'jsmith@contoso.test'] },
        { subject: 'Quarterly review', startInDays: 20, attendees: ['ceo@contoso.test'] },
      ],
    },
  } satisfies Partial<NonNullable<FixturePerson['cloud']>>);
  Object.assign(cloudOf('cloudy'), { groups: ['Sales EMEA', 'Project X', 'All Staff'], authMethods: [{ type: 'fido2', displayName: 'YubiKey 5' }] });
  return fixture;
}

/** What `inbox-rules` removes, in the contract's words: the inbox rules that "forward, redirect or delete". */
const forwardsRedirectsOrDeletes = (rule: Snapshot['sim']['mailboxes'][number]['inboxRules'][number]): boolean =>
  rule.forwardTo.length + rule.forwardAsAttachmentTo.length + rule.redirectTo.length > 0 || rule.deleteMessage || rule.softDeleteMessage;

/**
 * The state without what the contract's undo column calls irreversible, and nothing else:
 * - `entra-revoke` (not in the undo column: revoked sessions cannot come back): each user's revocations and
 *   signInSessionsValidFromDateTime;
 * - `mobile-wipe`, "irreversible": the account-only wipe requested of each device (the device itself stays compared);
 * - `ad-password`, "irreversible" and "never recorded": AD keeps the password in attributes no one reads back, and
 *   pwdLastSet is left out of every directory snapshot already (volatile);
 * - `auth-methods`, "irreversible": the authentication methods besides the password;
 * - `inbox-rules`, "irreversible (definitions kept in the record)": the rules that forward, redirect or delete (the other
 *   rules stay compared);
 * - `cancel-meetings`, "irreversible": whether a meeting the leaver organised is cancelled (the meetings stay compared).
 */
function reversible(snapshot: Snapshot): Snapshot {
  return {
    directory: snapshot.directory,
    sim: {
      ...snapshot.sim,
      users: snapshot.sim.users.map((user) => ({ ...user, revocations: [], signInSessionsValidFromDateTime: null, authMethods: [] })),
      // Not left out but compared as what they are, sets: Graph lists members and owners in no order it documents.
      groups: snapshot.sim.groups.map((group) => ({ ...group, members: [...group.members].sort(), owners: [...group.owners].sort() })),
      mailboxes: snapshot.sim.mailboxes.map((mailbox) => ({
        ...mailbox,
        mobileDevices: mailbox.mobileDevices.map((device) => ({ ...device, accountOnlyDeviceWipeRequestTime: null, accountOnlyDeviceWipeAckTime: null, lastAccountOnlyDeviceWipeRequestor: null })),
        inboxRules: mailbox.inboxRules.filter((rule) => !forwardsRedirectsOrDeletes(rule)),
        meetings: mailbox.meetings.map((meeting) => ({ ...meeting, cancelled: false })),
      })),
    },
  };
}

/** A workspace with the demo's roster and a leavers CSV (the demo's, or another). */
function workspace(leavers?: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'undo-workspace-'));
  temporary.push(dir);
  mkdirSync(path.join(dir, 'offboarding'));
  mkdirSync(path.join(dir, 'hr'));
  mkdirSync(path.join(dir, 'records'));
  if (leavers === undefined) copyFileSync(path.join(EXAMPLES, 'leavers.csv'), path.join(dir, 'offboarding', 'leavers.csv'));
  else writeFileSync(path.join(dir, 'offboarding', 'leavers.csv'), leavers);
  copyFileSync(path.join(EXAMPLES, 'roster.csv'), path.join(dir, 'hr', 'roster.csv'));
  return dir;
}

async function run(dir: string, inputs: Record<string, string>): Promise<ActionRun> {
  const result = await runAction({
    workspace: dir,
    inputs: {
      ...stackActionInputs(facts),
      csv: 'offboarding/*.csv',
      roster: 'hr/roster.csv',
      'block-group': 'Offboarding Block',
      'display-name-format': FORMAT,
      'autoreply-message': AUTOREPLY,
      ...inputs,
    },
    eventName: 'workflow_dispatch',
    payload: { inputs: {}, ref: 'refs/heads/main', repository },
    env: stackActionEnv(facts),
    timeoutMs: TIMEOUT_MS,
  });
  temporary.push(result.runnerTemp);
  return result;
}

const detail = (result: ActionRun): string => `exit ${result.exitCode}\n${result.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n').slice(-6000)}`;

/** Applies every step to the demo CSV (all rows), and keeps its results file in the workspace as records/<name>.json. */
async function applyLayoff(dir: string, name = 'apply'): Promise<ActionRun> {
  const applied = await run(dir, { mode: 'apply', select: 'all', steps: ALL_STEPS });
  expect(applied.exitCode, detail(applied)).toBe(0);
  keep(dir, name, applied);
  return applied;
}

function keep(dir: string, name: string, result: ActionRun): string {
  const file = `records/${name}.json`;
  writeFileSync(path.join(dir, file), JSON.stringify(result.results));
  return file;
}

/** The user whose record (request, accounts) names `who`: an undo's rows are requested by object id. */
const userOf = (result: ActionRun, who: string) => result.results?.users.find((u) => JSON.stringify(u).includes(who));

const stepOf = (result: ActionRun, who: string, step: string) => {
  return userOf(result, who)?.steps.find((s) => s.step === step);
};

async function fullAccess(mailbox: string, delegate: string): Promise<boolean> {
  const { output } = await exchange.invoke('Get-MailboxPermission', { Identity: mailbox, User: delegate });
  return output.some((entry) => JSON.stringify(entry).includes('FullAccess'));
}

async function asAdministrator<T>(act: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ url: facts.ldap.url, tlsOptions: { ca: [facts.caPem] } });
  try {
    await client.bind(facts.ldap.adminDn, facts.ldap.adminPassword);
    return await act(client);
  } finally {
    await client.unbind();
  }
}

beforeAll(async () => {
  await control.apps(apps(ROLES));
  exchange = psService(facts, 'exchange');
});

afterAll(async () => {
  await control.apps(apps(OFFBOARD_ROLES));
  await exchange.close();
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
  await loadStackTenant(facts, baseFixture());
}, 300_000);

describe('undo-from, through the bundled action', () => {
  it(
    'reverses the hybrid layoff with every step to the state before it (but what cannot be undone), keeps a FullAccess that was there before, and its own undo applies the layoff again',
    async () => {
      await loadStackTenant(facts, undoFixture());
      // Sean's delegate (cfo) had FullAccess on his mailbox before the layoff: the run records it unchanged.
      await exchange.invoke('Add-MailboxPermission', { Identity: 'sean.obrien@contoso.test', User: 'cfo@contoso.test', AccessRights: ['FullAccess'], InheritanceType: 'All', AutoMapping: false });
      // Sean forwarded to an archive address and kept an old reply text, turned off: the undo puts both back as they were.
      await exchange.invoke('Set-Mailbox', { Identity: 'sean.obrien@contoso.test', ForwardingSmtpAddress: 'smtp:sean.archive@example.net' });
      await exchange.invoke('Set-MailboxAutoReplyConfiguration', { Identity: 'sean.obrien@contoso.test', AutoReplyState: 'Disabled', InternalMessage: 'Back on Monday' });
      const dir = workspace();
      const original = reversible(await snapshotStack(facts));
      const applied = await applyLayoff(dir);
      expect(stepOf(applied, 'sean.obrien', 'mailbox-access')?.status).toBe('unchanged');
      // The fixture gives every step something to change: each is done for at least one leaver.
      const doneIn = (result: ActionRun, step: string) => result.results?.users.filter((u) => u.steps.some((s) => s.step === step && s.status === 'done')).length ?? 0;
      for (const { name } of STEPS) expect(doneIn(applied, name), name).toBeGreaterThan(0);
      const offboarded = reversible(await snapshotStack(facts));
      expect(offboarded).not.toEqual(original);

      // The rows are removed from the CSV first, as the still-requested guard asks.
      writeFileSync(path.join(dir, 'offboarding', 'leavers.csv'), HEADER_ONLY);
      const plan = await run(dir, { mode: 'plan', 'undo-from': 'records/apply.json' });
      expect(plan.exitCode, detail(plan)).toBe(0);
      expect(reversible(await snapshotStack(facts)), 'a plan changes nothing').toEqual(offboarded);
      expect(plan.summary).toContain('Offboarding plan — undo of run');
      expect(stepOf(plan, 'jdoe', 'ad-move')).toMatchObject({ status: 'planned', before: { dn: 'CN=Jane Doe,OU=Disabled Users,DC=corp,DC=contoso,DC=test' }, after: { dn: 'CN=Jane Doe,OU=Staff,DC=corp,DC=contoso,DC=test' } });

      const undone = await run(dir, { mode: 'apply', 'undo-from': 'records/apply.json' });
      expect(undone.exitCode, detail(undone)).toBe(0);
      expect(reversible(await snapshotStack(facts))).toEqual(original);
      expect(await fullAccess('sean.obrien@contoso.test', 'cfo@contoso.test')).toBe(true);
      for (const { name, reversible: canUndo } of STEPS) {
        if (canUndo) expect(doneIn(undone, name), name).toBeGreaterThan(0);
        else expect(stepOf(undone, 'jdoe', name), name).toMatchObject({ status: 'skipped', reason: 'cannot be undone' });
      }
      expect(stepOf(undone, 'sean.obrien', 'mailbox-access')?.reason).toMatch(/^nothing to undo: unchanged in run /);
      expect(userOf(undone, 'admin.kim')?.status).toBe('blocked');
      expect((undone.results as unknown as { undoOf?: unknown }).undoOf).toEqual({ run: 'https://github.com/contoso/identity-offboarding/actions/runs/4242', sha: expect.any(String) });

      keep(dir, 'undo', undone);
      const again = await run(dir, { mode: 'apply', 'undo-from': 'records/undo.json' });
      expect(again.exitCode, detail(again)).toBe(0);
      expect(reversible(await snapshotStack(facts))).toEqual(offboarded);
      // The undo of the undo redoes each reversible step the undo did: the new name, the cloud groups, the owners…
      for (const { name, reversible: canUndo } of STEPS) if (canUndo) expect(doneIn(again, name), name).toBeGreaterThan(0);
    },
    TIMEOUT_MS,
  );

  describe('after a layoff whose rows are still in the CSV', () => {
    let dir: string;
    let offboarded: Snapshot;

    it(
      'blocks every user a row still requests as due (still-requested) and changes nothing for them',
      async () => {
        await loadStackTenant(facts, baseFixture());
        dir = workspace();
        await applyLayoff(dir);
        offboarded = await snapshotStack(facts);
        const undone = await run(dir, { mode: 'apply', 'undo-from': 'records/apply.json' });
        expect(undone.exitCode, detail(undone)).toBe(0);
        for (const who of ['jdoe', 'jsmith', 'sean.obrien']) {
          expect(userOf(undone, who), who).toMatchObject({ status: 'blocked', reason: expect.stringMatching(/^still-requested: offboarding\/leavers\.csv:\d+ still selects this user as due/) });
        }
        // Chloe's row has no effective date: never due, so her offboarding is undone; AD holds only the others.
        expect(userOf(undone, 'chloe.nuage')?.status).toBe('done');
        expect((await snapshotStack(facts)).directory).toEqual(offboarded.directory);
      },
      TIMEOUT_MS,
    );

    it(
      'leaves alone what changed by hand since the layoff (a FullAccess removed, an account moved and renamed, a forwarding) and reports it skipped "changed since"',
      async () => {
        await exchange.invoke('Remove-MailboxPermission', { Identity: 'jdoe@contoso.test', User: 'salesvp@contoso.test', AccessRights: ['FullAccess'], InheritanceType: 'All' });
        await asAdministrator(async (client) => {
          await client.modifyDN('CN=Smith\\, John,OU=Disabled Users,DC=corp,DC=contoso,DC=test', 'CN=Smith\\, John,OU=Groups,DC=corp,DC=contoso,DC=test');
          await client.modify('CN=Smith\\, John,OU=Groups,DC=corp,DC=contoso,DC=test', new Change({ operation: 'replace', modification: new Attribute({ type: 'displayName', values: ['John Smith (rehired)'] }) }));
        });
        // Jane's mail goes to the CFO now, set by hand instead of the delegate the run forwarded to.
        await exchange.invoke('Set-Mailbox', { Identity: 'jdoe@contoso.test', ForwardingAddress: 'cfo@contoso.test' });
        writeFileSync(path.join(dir, 'offboarding', 'leavers.csv'), HEADER_ONLY);
        const undone = await run(dir, { mode: 'apply', 'undo-from': 'records/apply.json' });
        expect(undone.exitCode, detail(undone)).toBe(0);
        expect(stepOf(undone, 'jdoe', 'mailbox-access')).toMatchObject({ status: 'skipped', reason: 'changed since: FullAccess of salesvp@contoso.test is false (as before the run), the run left true' });
        expect(await fullAccess('jdoe@contoso.test', 'salesvp@contoso.test')).toBe(false);
        expect(stepOf(undone, 'jsmith', 'ad-move')).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^changed since: the account is "CN=Smith\\\\, John,OU=Groups,/) });
        const directory = (await snapshotStack(facts)).directory;
        expect(Object.keys(directory).filter((dn) => dn.startsWith('CN=Smith'))).toEqual(['CN=Smith\\, John,OU=Groups,DC=corp,DC=contoso,DC=test']);
        // The rest of his layoff is undone where he is now: enabled again, back in his group.
        expect(directory['CN=Smith\\, John,OU=Groups,DC=corp,DC=contoso,DC=test'].userAccountControl).toEqual(['66048']);
        expect(stepOf(undone, 'jsmith', 'rename')).toMatchObject({ status: 'skipped', reason: 'changed since: the display name is no longer the one the run set' });
        expect(directory['CN=Smith\\, John,OU=Groups,DC=corp,DC=contoso,DC=test'].displayName).toEqual(['John Smith (rehired)']);
        expect(stepOf(undone, 'jdoe', 'mailbox-forward')).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^changed since: forwarding to /) });
        const jane = (await snapshotStack(facts)).sim.mailboxes.find((m) => m.userPrincipalName === 'jdoe@contoso.test');
        expect(jane).toMatchObject({ forwardingAddress: 'cfo@contoso.test', deliverToMailboxAndForward: true });
        expect(stepOf(undone, 'jsmith', 'ad-groups')).toMatchObject({ status: 'done', verified: true });
      },
      TIMEOUT_MS,
    );
  });

  it(
    'fails the preflight of an undo whose AD account may not write a group the record names, and changes nothing anywhere',
    async () => {
      await loadStackTenant(facts, undoFixture());
      // A group outside the OUs delegated to the write account (CN=Users), which an administrator took Jane out of.
      const legacy = `CN=Legacy VPN,CN=Users,${facts.ldap.baseDn}`;
      const jdoe = `CN=Jane Doe,OU=Staff,${facts.ldap.baseDn}`;
      await asAdministrator((client) =>
        client.add(legacy, [new Attribute({ type: 'objectClass', values: ['top', 'group'] }), new Attribute({ type: 'sAMAccountName', values: ['Legacy VPN'] }), new Attribute({ type: 'member', values: [jdoe] })]),
      );
      try {
        const dir = workspace();
        const administrator = { 'ldap-bind-dn': facts.ldap.adminDn, 'ldap-password': facts.ldap.adminPassword };
        const applied = await run(dir, { mode: 'apply', select: 'all', steps: 'ad-disable, ad-groups, entra-disable, ad-move', ...administrator });
        expect(applied.exitCode, detail(applied)).toBe(0);
        keep(dir, 'apply', applied);
        expect(stepOf(applied, 'jdoe', 'ad-groups')).toMatchObject({ status: 'done', before: { groups: expect.arrayContaining([legacy]) } });
        writeFileSync(path.join(dir, 'offboarding', 'leavers.csv'), HEADER_ONLY);
        const before = await snapshotStack(facts);

        const refused = await run(dir, { mode: 'apply', 'undo-from': 'records/apply.json' });
        expect(refused.exitCode, detail(refused)).toBe(1);
        expect(refused.stdout).toContain(`❌ AD: ${facts.ldap.bindDn} lacks rights the undo needs — write member on ${legacy} (ad-groups)\n`);
        expect(refused.summary).toContain('Delegate these rights to the write account');
        expect(refused.results?.outcome).toBe('failed');
        expect(new Set(refused.results?.users.flatMap((user) => user.steps.map((step) => step.status)))).toEqual(new Set(['blocked']));
        expect(await snapshotStack(facts)).toEqual(before);

        // The same undo bound as an account that may write that group passes the preflight and restores the membership.
        const undone = await run(dir, { mode: 'apply', 'undo-from': 'records/apply.json', ...administrator });
        expect(undone.exitCode, detail(undone)).toBe(0);
        expect(undone.stdout).toContain(`✅ AD: ${facts.ldap.adminDn} holds the rights the undo needs`);
        expect((await snapshotStack(facts)).directory[legacy].member).toEqual([jdoe]);
      } finally {
        await asAdministrator((client) => client.del(legacy));
      }
    },
    TIMEOUT_MS,
  );

  it(
    'refuses an undo-from file that is not the record of an apply run as an input error, and changes nothing',
    async () => {
      await loadStackTenant(facts, baseFixture());
      const dir = workspace(HEADER_ONLY);
      writeFileSync(path.join(dir, 'records', 'plan.json'), JSON.stringify({ version: 2, mode: 'plan', run: { runId: '7' }, users: [] }));
      const before = await snapshotStack(facts);
      const refused = await run(dir, { mode: 'apply', 'undo-from': 'records/plan.json' });
      expect(refused.exitCode).toBe(1);
      expect(refused.results?.inputErrors).toEqual([{ file: 'records/plan.json', message: 'undo-from: the record of a plan run: it changed nothing, so there is nothing to undo' }]);
      expect(refused.stdout).toContain('::error title=Offboarding input error,file=records/plan.json::undo-from: the record of a plan run');
      expect(await snapshotStack(facts)).toEqual(before);
    },
    TIMEOUT_MS,
  );
});
