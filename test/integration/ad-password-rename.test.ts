// The ad-password and rename steps run by the engine against the Samba DC and the simulator, asserting on their state.
import { Client, InvalidCredentialsError, type Entry } from 'ldapts';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/connectors/auth.js';
import { createGraphApi } from '../../src/connectors/graph.js';
import { createAdDirectory } from '../../src/connectors/ldap.js';
import { createWrites } from '../../src/connectors/ldap/writes.js';
import type { AdDirectory, Connectors, GraphApi } from '../../src/connectors/types.js';
import { runEngine } from '../../src/engine.js';
import type { Inputs, Mode } from '../../src/inputs-types.js';
import type { Person, StepName, UserResult } from '../../src/model.js';
import { adIdentity } from '../../src/preflight/identity.js';
import { renderSummary } from '../../src/report/summary.js';
import { findEntraUsers } from '../../src/resolve/entra.js';
import { adPassword } from '../../src/steps/ad-password.js';
import { rename } from '../../src/steps/rename.js';
import type { Decision, Step } from '../../src/steps/types.js';
import { baseFixture } from '../stack/fixture.js';
import { OFFBOARD_ROLES, PLANNER_ROLES } from '../stack/stack.js';
import { loadStackTenant, SimulatorControl, stackFacts, stackLdapInputs } from '../helpers/stack.js';
import { undoFrom } from '../helpers/undo-from.js';
import { entraInputs } from './powershell-helpers.js';

const facts = stackFacts();
const { ldap } = facts;
const control = new SimulatorControl(facts.simulator.url);
const fixture = baseFixture();
const FORMAT = 'zz {displayName} (left {effectiveDate})';

let admin: Client;
const opened: { close(): Promise<void> }[] = [];

function adDirectory(overrides: { bindDn?: string; password?: string } = {}): AdDirectory {
  const ad = createAdDirectory({ ...stackLdapInputs(facts), ...overrides });
  opened.push(ad);
  return ad;
}

function graphApi(): GraphApi {
  const entra = entraInputs(facts);
  const graph = createGraphApi({ entra, certificate: parseCertificate(entra.certificate) });
  opened.push(graph);
  return graph;
}

function inputs(mode: Mode, steps: StepName[], displayNameFormat = FORMAT): Inputs {
  return {
    mode,
    csv: 'offboarding/*.csv',
    select: 'all',
    lookbackDays: 30,
    timeZone: 'Europe/Berlin',
    steps,
    maxUsers: 25,
    protected: [],
    failOn: 'error',
    summary: 'full',
    resultsFile: '/tmp/offboarding-results.json',
    ldap: stackLdapInputs(facts),
    entra: entraInputs(facts),
    pwsh: facts.pwsh,
    powershellSessions: 1,
    mailboxAutomapping: false,
    displayNameFormat,
  };
}

const person = (key: string) => {
  const found = fixture.people.find((p) => p.key === key);
  if (!found) throw new Error(`no fixture person ${key}`);
  return found;
};

interface RunOptions {
  mode?: Mode;
  format?: string;
  /** ISO instant of the row's effective date. */
  effective?: string;
  connectors?: Connectors;
}

/** Resolves the leavers in AD (by sAMAccountName) and Entra (by UPN) and runs the steps over them with the engine. */
async function run(keys: string[], steps: Step[], options: RunOptions = {}): Promise<UserResult[]> {
  const connectors = options.connectors ?? { ad: adDirectory(), graph: graphApi() };
  const people: Person[] = [];
  for (const [i, key] of keys.entries()) {
    const { sam, userPrincipalName } = person(key);
    const [adMatches] = sam && connectors.ad ? await connectors.ad.findUsers([{ samAccountName: sam }]) : [[]];
    const [entraMatches] = connectors.graph ? await findEntraUsers(connectors.graph, [{ userPrincipalName }]) : [[]];
    people.push({
      request: { source: { file: 'offboarding/leavers.csv', line: i + 2 }, identity: { userPrincipalName }, effective: options.effective },
      ad: adMatches[0],
      entra: entraMatches?.[0],
      delegate: { source: 'none' },
    });
  }
  const mode = options.mode ?? 'apply';
  return runEngine({
    people,
    steps,
    mode,
    inputs: inputs(mode, steps.map((s) => s.name), options.format),
    connectors,
    run: { event: 'workflow_dispatch' },
    now: new Date('2026-11-30T05:00:00Z'),
    concurrency: 4,
  });
}

const stepOf = (result: UserResult | undefined, name: StepName) => result?.steps.find((s) => s.step === name);

/**
 * Undoes `results` with the engine, as `undo-from` does: each user found again by the record's object id (AD by its
 * sAMAccountName, as resolve links it), its steps the reverses of the record's.
 */
async function runUndo(keys: string[], results: UserResult[], mode: Mode): Promise<UserResult[]> {
  const { undo, requests } = undoFrom(results);
  const connectors = { ad: adDirectory(), graph: graphApi() };
  const people: Person[] = [];
  for (const [i, key] of keys.entries()) {
    const { sam } = person(key);
    const [adMatches] = sam ? await connectors.ad.findUsers([{ samAccountName: sam }]) : [[]];
    const [entraMatches] = await findEntraUsers(connectors.graph, [requests[i].identity]);
    people.push({ request: requests[i], ad: adMatches[0], entra: entraMatches?.[0], delegate: { source: 'none' } });
  }
  return runEngine({
    people: undo.guard(people),
    steps: undo.steps,
    mode,
    inputs: inputs(mode, undo.stepNames),
    connectors,
    run: { event: 'workflow_dispatch' },
    now: new Date('2026-12-02T05:00:00Z'),
    concurrency: 4,
  });
}
const dnOf = (key: string): string => `CN=${person(key).displayName.replace(/,/g, '\\,')},OU=Staff,${ldap.baseDn}`;

async function adminRead(dn: string, attribute: string): Promise<string | undefined> {
  const { searchEntries } = await admin.search(dn, { scope: 'base', attributes: [attribute] });
  const value: Entry[string] | undefined = searchEntries[0]?.[attribute];
  return value === undefined ? undefined : String(Array.isArray(value) ? value[0] : value);
}

async function adminSetPassword(dn: string, password: string): Promise<void> {
  const { Attribute, Change } = await import('ldapts');
  await admin.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [Buffer.from(`"${password}"`, 'utf16le')] }) }));
}

async function adminSetDisplayName(dn: string, displayName: string): Promise<void> {
  const { Attribute, Change } = await import('ldapts');
  await admin.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'displayName', values: [displayName] }) }));
}

/** Binds as the user with a password: true when the DC accepts it, false when it answers invalidCredentials (49). */
async function binds(dn: string, password: string): Promise<boolean> {
  const client = new Client({ url: ldap.url, tlsOptions: { ca: [facts.caPem] } });
  try {
    await client.bind(dn, password);
    return true;
  } catch (error) {
    if (error instanceof InvalidCredentialsError) return false;
    throw error;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** The real connector, with every password it sends kept for the test to look for in the outputs. */
function recordingPasswords(ad: AdDirectory): { ad: AdDirectory; sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    ad: {
      ...ad,
      setPassword: (dn, password) => {
        sent.push(password);
        return ad.setPassword(dn, password);
      },
    },
  };
}

/** The forms a password could leak in: as text, quoted, as UTF-16LE bytes in base64 and hex. */
function leakForms(password: string): string[] {
  const utf16 = Buffer.from(`"${password}"`, 'utf16le');
  return [password, JSON.stringify(password).slice(1, -1), utf16.toString('base64'), utf16.toString('hex')];
}

/**
 * Runs `work` with the app granted User.ReadWrite.All as well, what renaming a cloud-only user takes
 * (https://learn.microsoft.com/en-us/graph/api/user-update), and gives the app its usual roles back after.
 */
async function withUserWrite<T>(work: () => Promise<T>): Promise<T> {
  const certificatesPem = [parseCertificate(facts.simulator.certificatePem).certPem];
  const planner = { clientId: facts.simulator.plannerClientId, displayName: 'm365-offboard-plan', certificatesPem, roles: PLANNER_ROLES };
  const app = { clientId: facts.simulator.clientId, displayName: 'm365-offboard', certificatesPem };
  await control.apps([{ ...app, roles: [...OFFBOARD_ROLES, 'User.ReadWrite.All'] }, planner]);
  try {
    return await work();
  } finally {
    await control.apps([{ ...app, roles: OFFBOARD_ROLES }, planner]);
  }
}

const KNOWN_PASSWORD = 'Kn0wn-Passw0rd!2026';

beforeAll(async () => {
  admin = new Client({ url: ldap.url, tlsOptions: { ca: [facts.caPem] } });
  await admin.bind(ldap.adminDn, ldap.adminPassword);
});

beforeEach(async () => {
  await loadStackTenant(facts, fixture);
  await control.clearLog();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await admin?.unbind();
});

describe('ad-password', () => {
  it('plans a new password without sending one: the known password still binds', async () => {
    const dn = dnOf('jdoe');
    await adminSetPassword(dn, KNOWN_PASSWORD);
    const pwdLastSet = await adminRead(dn, 'pwdLastSet');
    const [jdoe] = await run(['jdoe'], [adPassword], { mode: 'plan' });
    expect(stepOf(jdoe, 'ad-password')).toEqual({
      step: 'ad-password',
      status: 'planned',
      before: { pwdLastSet },
      after: { password: 'random, 32 characters, not recorded' },
      reason: 'a random password of 32 characters, never recorded or shown',
    });
    expect(await adminRead(dn, 'pwdLastSet')).toBe(pwdLastSet);
    expect(await binds(dn, KNOWN_PASSWORD)).toBe(true);
  });

  it('resets the password: the old one no longer binds, pwdLastSet moved on and is read back', async () => {
    const dn = dnOf('jdoe');
    await adminSetPassword(dn, KNOWN_PASSWORD);
    expect(await binds(dn, KNOWN_PASSWORD)).toBe(true);
    const before = await adminRead(dn, 'pwdLastSet');
    const { ad, sent } = recordingPasswords(adDirectory());
    const [jdoe] = await run(['jdoe'], [adPassword], { connectors: { ad } });
    expect(stepOf(jdoe, 'ad-password')).toMatchObject({ status: 'done', verified: true, before: { pwdLastSet: before } });
    expect(await binds(dn, KNOWN_PASSWORD)).toBe(false);
    expect(BigInt((await adminRead(dn, 'pwdLastSet')) ?? '0')).toBeGreaterThan(BigInt(before ?? '0'));
    // The password set is the one sent, and it is the kind the step promises.
    expect(sent).toHaveLength(1);
    expect(await binds(dn, sent[0])).toBe(true);
    expect(sent[0]).toMatch(/^(?=.*[A-Z])(?=.*[a-z])(?=.*\d)(?=.*[^A-Za-z\d]).{32}$/);
  });

  it('sets a new password again on a re-run: a random password has no state to find unchanged', async () => {
    const dn = dnOf('jdoe');
    const { ad, sent } = recordingPasswords(adDirectory());
    await run(['jdoe'], [adPassword], { connectors: { ad } });
    const first = await adminRead(dn, 'pwdLastSet');
    const [second] = await run(['jdoe'], [adPassword], { connectors: { ad } });
    expect(stepOf(second, 'ad-password')).toMatchObject({ status: 'done', verified: true, before: { pwdLastSet: first } });
    expect(sent).toHaveLength(2);
    expect(sent[1]).not.toBe(sent[0]);
    expect(await binds(dn, sent[0])).toBe(false);
    expect(await binds(dn, sent[1])).toBe(true);
  });

  it('puts the password in no result, summary or error, also when the DC refuses it', async () => {
    const { ad, sent } = recordingPasswords(adDirectory());
    const done = await run(['jdoe', 'jsmith'], [adPassword], { connectors: { ad } });
    // The planner account holds no Reset Password right: the DC refuses, and the error must not carry the password.
    const refusing = recordingPasswords(adDirectory({ bindDn: ldap.plannerBindDn, password: ldap.plannerPassword }));
    const refused = await run(['zangstrom'], [adPassword], { connectors: { ad: refusing.ad } });
    expect(stepOf(refused[0], 'ad-password')).toMatchObject({ status: 'failed', error: { code: 'ldap-insufficient-access' } });
    expect(stepOf(refused[0], 'ad-password')?.error?.message).toContain('delegate "Reset Password"');
    const users = [...done, ...refused];
    const outputs = [
      JSON.stringify(users),
      renderSummary({ mode: 'apply', outcome: 'completed', steps: ['ad-password'], users, inputErrors: [], preflight: [], redacted: false }),
    ];
    const passwords = [...sent, ...refusing.sent];
    expect(passwords).toHaveLength(3);
    for (const password of passwords) {
      for (const form of leakForms(password)) for (const output of outputs) expect(output.includes(form), form).toBe(false);
    }
  });

  it('refuses to send a password over a plain LDAP connection, before anything reaches the DC', async () => {
    const dn = dnOf('jdoe');
    const before = await adminRead(dn, 'pwdLastSet');
    // A real connection to the DC's plain LDAP port, as a session that lost (or never had) its TLS would hand over.
    const plain = new Client({ url: `ldap://${ldap.address}:389` });
    const stats = { searches: 0, modifies: 0 };
    const writes = createWrites(
      { run: (_operation, work) => work(plain), open: async () => undefined, close: () => plain.unbind() },
      { bindDn: ldap.bindDn, exists: async () => true, stats },
    );
    try {
      await expect(writes.setPassword(dn, 'Pl41n-Text-Passw0rd!')).rejects.toMatchObject({ code: 'ldap-not-encrypted' });
    } finally {
      await plain.unbind().catch(() => undefined);
    }
    expect(stats.modifies).toBe(0);
    expect(await adminRead(dn, 'pwdLastSet')).toBe(before);
  });
});

describe('the preflight of ad-password', () => {
  /** AD's identity line for a run of ad-password alone, on Jane Doe, bound as `account`. */
  async function identityFor(account: { bindDn: string; password: string }) {
    const ad = adDirectory(account);
    const [[jdoe]] = await ad.findUsers([{ samAccountName: 'jdoe' }]);
    const people: Person[] = [{ request: { source: { file: 'offboarding/leavers.csv', line: 2 }, identity: { samAccountName: 'jdoe' } }, ad: jdoe, delegate: { source: 'none' } }];
    return adIdentity(ad, account.bindDn, people, ['ad-password'], 'apply');
  }

  it('finds the Reset Password right of the write account in the DACL, which allowedAttributesEffective does not show', async () => {
    const lines = await identityFor({ bindDn: ldap.bindDn, password: ldap.bindPassword });
    expect(lines).toEqual([{ ok: true, label: `AD: ${ldap.bindDn} may write`, detail: `Reset Password — on the leavers in OU=Staff,${ldap.baseDn}` }]);
    const ad = adDirectory();
    expect((await ad.writableAttributes(dnOf('jdoe'))).map((name) => name.toLowerCase())).not.toContain('unicodepwd');
  });

  it('refuses apply for the planner account, which holds no Reset Password right', async () => {
    const [line] = await identityFor({ bindDn: ldap.plannerBindDn, password: ldap.plannerPassword });
    expect(line).toMatchObject({ ok: false, label: `AD: ${ldap.plannerBindDn} is a plan identity (read rights only): mode apply is refused` });
  });
});

describe('rename', () => {
  it('plans the new name of a synced user and writes nothing', async () => {
    const dn = dnOf('jsmith');
    const [jsmith] = await run(['jsmith'], [rename], { mode: 'plan', effective: '2026-11-19T23:30:00Z' });
    // 23:30 UTC is the 20th in Berlin: the date is the effective date in time-zone.
    expect(stepOf(jsmith, 'rename')).toEqual({
      step: 'rename',
      status: 'planned',
      before: { displayName: 'Smith, John' },
      after: { displayName: 'zz Smith, John (left 2026-11-20)' },
      reason: '"Smith, John" → "zz Smith, John (left 2026-11-20)"',
    });
    expect(await adminRead(dn, 'displayName')).toBe('Smith, John');
  });

  it('renames a synced user in AD, not through Graph, reads it back, and a re-run is unchanged', async () => {
    const dn = dnOf('jsmith');
    const [first] = await run(['jsmith'], [rename], { effective: '2026-11-20T00:00:00Z' });
    expect(stepOf(first, 'rename')).toMatchObject({ status: 'done', verified: true, after: { displayName: 'zz Smith, John (left 2026-11-20)' } });
    expect(await adminRead(dn, 'displayName')).toBe('zz Smith, John (left 2026-11-20)');
    const [second] = await run(['jsmith'], [rename], { effective: '2026-11-20T00:00:00Z' });
    expect(stepOf(second, 'rename')).toEqual({ step: 'rename', status: 'unchanged', before: { displayName: 'zz Smith, John (left 2026-11-20)' } });
    expect((await control.log()).counts['graph.patch.user'] ?? 0).toBe(0);
  });

  it('renames a cloud-only user through Graph and reads it back', async () => {
    const [cloudy] = await withUserWrite(() => run(['cloudy'], [rename], { effective: '2026-11-20T00:00:00Z' }));
    expect(stepOf(cloudy, 'rename')).toMatchObject({
      status: 'done',
      verified: true,
      before: { displayName: 'Chloé Nuage' },
      after: { displayName: 'zz Chloé Nuage (left 2026-11-20)' },
    });
    const user = (await control.state()).users.find((u) => u.key === 'cloudy');
    expect(user?.displayName).toBe('zz Chloé Nuage (left 2026-11-20)');
  });

  it('plans the new name of a cloud-only user without a write, renames it, and a re-run is unchanged without a second write', async () => {
    const [plan] = await withUserWrite(() => run(['cloudy'], [rename], { mode: 'plan', effective: '2026-11-20T00:00:00Z' }));
    expect(stepOf(plan, 'rename')).toEqual({
      step: 'rename',
      status: 'planned',
      before: { displayName: 'Chloé Nuage' },
      after: { displayName: 'zz Chloé Nuage (left 2026-11-20)' },
      reason: '"Chloé Nuage" → "zz Chloé Nuage (left 2026-11-20)"',
    });
    expect((await control.log()).counts['graph.patch.user'] ?? 0).toBe(0);
    expect((await control.state()).users.find((u) => u.key === 'cloudy')?.displayName).toBe('Chloé Nuage');
    await withUserWrite(() => run(['cloudy'], [rename], { effective: '2026-11-20T00:00:00Z' }));
    const [again] = await withUserWrite(() => run(['cloudy'], [rename], { effective: '2026-11-20T00:00:00Z' }));
    expect(stepOf(again, 'rename')).toEqual({ step: 'rename', status: 'unchanged', before: { displayName: 'zz Chloé Nuage (left 2026-11-20)' } });
    expect((await control.log()).counts['graph.patch.user']).toBe(1);
  });

  it('applies the format to the original name when an earlier run renamed the user with another date', async () => {
    const dn = dnOf('jsmith');
    await run(['jsmith'], [rename], { effective: '2026-11-20T00:00:00Z' });
    const [again] = await run(['jsmith'], [rename], { effective: '2026-12-01T00:00:00Z' });
    expect(stepOf(again, 'rename')).toMatchObject({ status: 'done', after: { displayName: 'zz Smith, John (left 2026-12-01)' } });
    expect(await adminRead(dn, 'displayName')).toBe('zz Smith, John (left 2026-12-01)');
  });

  it('keeps a placeholder inside a display name as text: the substitution is one pass', async () => {
    const dn = dnOf('jdoe');
    await adminSetDisplayName(dn, 'Jane {effectiveDate} Doe');
    await run(['jdoe'], [rename], { effective: '2026-11-20T00:00:00Z' });
    expect(await adminRead(dn, 'displayName')).toBe('zz Jane {effectiveDate} Doe (left 2026-11-20)');
  });

  it('fails a user whose new name would pass 256 characters, and writes nothing', async () => {
    const dn = dnOf('jdoe');
    const long = `Jane ${'x'.repeat(240)}`;
    await adminSetDisplayName(dn, long);
    const [jdoe] = await run(['jdoe'], [rename], { effective: '2026-11-20T00:00:00Z' });
    expect(stepOf(jdoe, 'rename')).toMatchObject({ status: 'failed' });
    expect(stepOf(jdoe, 'rename')?.error?.message).toContain('at most 256');
    expect(await adminRead(dn, 'displayName')).toBe(long);
  });

  it('skips a synced user when AD is not configured: Graph would refuse the name of a synced user', async () => {
    const [jsmith] = await run(['jsmith'], [rename], { connectors: { graph: graphApi() } });
    expect(stepOf(jsmith, 'rename')).toEqual({ step: 'rename', status: 'skipped', reason: 'synced from AD, where the name is set: AD not configured (ldap-url)' });
    expect((await control.log()).counts['graph.patch.user'] ?? 0).toBe(0);
  });

  describe('reverse', () => {
    /** What the engine does for a reversible step under undo-from: decide with the record, then apply and read back. */
    async function reverse(key: string, record: UserResult): Promise<Decision> {
      const ad = adDirectory();
      const graph = graphApi();
      const { sam, userPrincipalName } = person(key);
      const [adMatches] = sam ? await ad.findUsers([{ samAccountName: sam }]) : [[]];
      const [entraMatches] = await findEntraUsers(graph, [{ userPrincipalName }]);
      const step = stepOf(record, 'rename');
      if (!rename.reverse) throw new Error('rename has no reverse');
      const decision = await rename.reverse({
        person: { request: { source: { file: 'offboarding/leavers.csv', line: 2 }, identity: { userPrincipalName } }, ad: adMatches[0], entra: entraMatches?.[0], delegate: { source: 'none' } },
        inputs: inputs('apply', ['rename']),
        connectors: { ad, graph },
        run: { event: 'workflow_dispatch' },
        now: new Date(),
        facts: {},
        shared: { once: (_key, compute) => compute() },
        record: { before: step?.before, after: step?.after },
      });
      if (decision.kind === 'change') {
        await decision.apply();
        expect(await decision.verify?.()).toEqual({ ok: true });
      }
      return decision;
    }

    it('restores the recorded name of a synced user in AD', async () => {
      const dn = dnOf('jsmith');
      const [record] = await run(['jsmith'], [rename], { effective: '2026-11-20T00:00:00Z' });
      const decision = await reverse('jsmith', record);
      expect(decision).toMatchObject({ kind: 'change', before: { displayName: 'zz Smith, John (left 2026-11-20)' }, after: { displayName: 'Smith, John' } });
      expect(await adminRead(dn, 'displayName')).toBe('Smith, John');
      expect((await reverse('jsmith', record)).kind).toBe('unchanged');
    });

    it('restores the recorded name of a cloud-only user through Graph', async () => {
      const [record] = await withUserWrite(() => run(['cloudy'], [rename], { effective: '2026-11-20T00:00:00Z' }));
      expect((await withUserWrite(() => reverse('cloudy', record))).kind).toBe('change');
      const user = (await control.state()).users.find((u) => u.key === 'cloudy');
      expect(user?.displayName).toBe('Chloé Nuage');
    });

    it('through undo-from: plans the recorded names back and writes nothing, then restores them in AD and through Graph, read back', async () => {
      const dn = dnOf('jsmith');
      const applied = await withUserWrite(() => run(['jsmith', 'cloudy'], [rename], { effective: '2026-11-20T00:00:00Z' }));
      expect(applied.map((u) => stepOf(u, 'rename')?.status)).toEqual(['done', 'done']);
      await control.clearLog();
      const plan = await withUserWrite(() => runUndo(['jsmith', 'cloudy'], applied, 'plan'));
      expect(plan.map((u) => stepOf(u, 'rename'))).toEqual([
        {
          step: 'rename',
          status: 'planned',
          before: { displayName: 'zz Smith, John (left 2026-11-20)' },
          after: { displayName: 'Smith, John' },
          reason: '"zz Smith, John (left 2026-11-20)" → "Smith, John"',
        },
        {
          step: 'rename',
          status: 'planned',
          before: { displayName: 'zz Chloé Nuage (left 2026-11-20)' },
          after: { displayName: 'Chloé Nuage' },
          reason: '"zz Chloé Nuage (left 2026-11-20)" → "Chloé Nuage"',
        },
      ]);
      expect(await adminRead(dn, 'displayName')).toBe('zz Smith, John (left 2026-11-20)');
      expect((await control.log()).counts['graph.patch.user'] ?? 0).toBe(0);

      const undone = await withUserWrite(() => runUndo(['jsmith', 'cloudy'], applied, 'apply'));
      expect(undone.map((u) => [stepOf(u, 'rename')?.status, stepOf(u, 'rename')?.verified])).toEqual([
        ['done', true],
        ['done', true],
      ]);
      expect(await adminRead(dn, 'displayName')).toBe('Smith, John');
      expect((await control.state()).users.find((u) => u.key === 'cloudy')?.displayName).toBe('Chloé Nuage');
    });

    it('leaves a name changed since the run alone: skipped "changed since"', async () => {
      const dn = dnOf('jsmith');
      const [record] = await run(['jsmith'], [rename], { effective: '2026-11-20T00:00:00Z' });
      await adminSetDisplayName(dn, 'John Smith (returned)');
      const decision = await reverse('jsmith', record);
      expect(decision).toEqual({ kind: 'skipped', reason: 'changed since: the display name is no longer the one the run set' });
      expect(await adminRead(dn, 'displayName')).toBe('John Smith (returned)');
    });
  });
});
