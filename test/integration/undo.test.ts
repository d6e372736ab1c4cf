// Undo through the bundled action against the stack: the demo's hybrid layoff applied with every step, then reversed
// from its results file, asserted on the whole state of Samba and the simulator.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PowerShellService } from '../../src/connectors/types.js';
import { runAction, stackActionEnv, stackActionInputs, type ActionRun } from '../e2e/run-action.js';
import { loadStackTenant, snapshotStack, stackFacts } from '../helpers/stack.js';
import { baseFixture } from '../stack/fixture.js';
import { psService } from './powershell-helpers.js';

const facts = stackFacts();
const EXAMPLES = path.resolve(import.meta.dirname, '../../examples/offboarding');
const repository = { name: 'identity-offboarding', owner: { login: 'contoso' }, full_name: 'contoso/identity-offboarding' };
/** Every step of the contract: all reversible ones, and entra-revoke, which is not. */
const ALL_STEPS =
  'ad-disable, ad-stamp, ad-groups, entra-disable, entra-block, entra-revoke, mailbox-access, onedrive-access, mailbox-shared, mailbox-hide, licenses, ad-move';
const TIMEOUT_MS = 900_000;
const HEADER_ONLY = 'userPrincipalName,distinguishedName,employeeId,effective,delegate,reason,hr_ReportsToPositionID\n';
const temporary: string[] = [];
let exchange: PowerShellService;

type Snapshot = Awaited<ReturnType<typeof snapshotStack>>;

/**
 * The state without what the contract calls irreversible: the sessions `entra-revoke` revoked stay revoked (the
 * simulator's list of each user's revocations, and signInSessionsValidFromDateTime). Nothing else is left out.
 */
function reversible(snapshot: Snapshot): Snapshot {
  return {
    directory: snapshot.directory,
    sim: { ...snapshot.sim, users: snapshot.sim.users.map((user) => ({ ...user, revocations: [], signInSessionsValidFromDateTime: null })) },
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
    inputs: { ...stackActionInputs(facts), csv: 'offboarding/*.csv', roster: 'hr/roster.csv', 'block-group': 'Offboarding Block', ...inputs },
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

beforeAll(() => {
  exchange = psService(facts, 'exchange');
});

afterAll(async () => {
  await exchange.close();
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
  await loadStackTenant(facts, baseFixture());
}, 300_000);

describe('undo-from, through the bundled action', () => {
  it(
    'reverses the hybrid layoff to the state before it (but the revoked sessions), keeps a FullAccess that was there before, and its own undo applies the layoff again',
    async () => {
      await loadStackTenant(facts, baseFixture());
      // Sean's delegate (cfo) had FullAccess on his mailbox before the layoff: the run records it unchanged.
      await exchange.invoke('Add-MailboxPermission', { Identity: 'sean.obrien@contoso.test', User: 'cfo@contoso.test', AccessRights: ['FullAccess'], InheritanceType: 'All', AutoMapping: false });
      const dir = workspace();
      const original = reversible(await snapshotStack(facts));
      const applied = await applyLayoff(dir);
      expect(stepOf(applied, 'sean.obrien', 'mailbox-access')?.status).toBe('unchanged');
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
      expect(stepOf(undone, 'jdoe', 'entra-revoke')).toMatchObject({ status: 'skipped', reason: 'cannot be undone' });
      expect(stepOf(undone, 'sean.obrien', 'mailbox-access')?.reason).toMatch(/^nothing to undo: unchanged in run /);
      expect(userOf(undone, 'admin.kim')?.status).toBe('blocked');
      expect((undone.results as unknown as { undoOf?: unknown }).undoOf).toEqual({ run: 'https://github.com/contoso/identity-offboarding/actions/runs/4242', sha: expect.any(String) });

      keep(dir, 'undo', undone);
      const again = await run(dir, { mode: 'apply', 'undo-from': 'records/undo.json' });
      expect(again.exitCode, detail(again)).toBe(0);
      expect(reversible(await snapshotStack(facts))).toEqual(offboarded);
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
      'leaves alone what changed by hand since the layoff (a FullAccess removed, an account moved) and reports it skipped "changed since"',
      async () => {
        await exchange.invoke('Remove-MailboxPermission', { Identity: 'jdoe@contoso.test', User: 'salesvp@contoso.test', AccessRights: ['FullAccess'], InheritanceType: 'All' });
        await asAdministrator((client) =>
          client.modifyDN('CN=Smith\\, John,OU=Disabled Users,DC=corp,DC=contoso,DC=test', 'CN=Smith\\, John,OU=Groups,DC=corp,DC=contoso,DC=test'),
        );
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
        expect(stepOf(undone, 'jsmith', 'ad-groups')).toMatchObject({ status: 'done', verified: true });
      },
      TIMEOUT_MS,
    );
  });

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
