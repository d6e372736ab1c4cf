// The job summary and the plan comment stay under their size limits by construction, one compact line per user first.
import { describe, expect, it } from 'vitest';
import type { UserResult } from '../../src/model.js';
import { buildPlanComment } from '../../src/report/comment.js';
import { buildSummary, renderSummary, type SummaryInput } from '../../src/report/summary.js';

const SUMMARY_LIMIT = 900 * 1024;
const COMMENT_LIMIT = 60_000;
const STEPS = ['ad-disable', 'entra-disable', 'entra-revoke', 'mailbox-access', 'onedrive-access'] as const;

const upn = (i: number): string => `leaver${String(i).padStart(4, '0')}@contoso.test`;

/** A planned leaver as a hybrid user plans: AD disabled, Entra follows AD, sessions revoked, access granted. */
function leaver(i: number, reason = ''): UserResult {
  return {
    source: { file: 'offboarding/leavers.csv', line: i + 2 },
    request: { userPrincipalName: upn(i), reason: reason || undefined },
    entra: { id: `id-${i}`, userPrincipalName: upn(i), synced: true },
    delegate: { userPrincipalName: 'bea.boss@contoso.test', source: 'ad-manager' },
    status: 'planned',
    steps: [
      { step: 'ad-disable', status: 'planned' },
      { step: 'entra-disable', status: 'skipped', reason: 'synced from AD: follows the AD account' },
      { step: 'entra-revoke', status: 'planned' },
      { step: 'mailbox-access', status: 'planned' },
      { step: 'onedrive-access', status: 'planned' },
    ],
  };
}

const plan = (users: UserResult[]): SummaryInput => ({
  mode: 'plan',
  outcome: 'completed',
  steps: [...STEPS],
  users,
  inputErrors: [],
  preflight: [],
  redacted: false,
  resultsFile: '/runner/temp/offboarding-results.json',
  runUrl: 'https://github.com/contoso/identity-offboarding/actions/runs/4242',
});

/** A 512-character reason (the cell limit) of characters that each escape to an entity: the most a row can weigh. */
const HEAVY_REASON = '<&>'.repeat(170) + '<>';

/** Each user's compact line: `- 📝 <upn> → <delegate> · <steps>`, exactly once. */
function expectOneLinePerUser(markdown: string, count: number): void {
  const lines = markdown.split('\n');
  for (let i = 0; i < count; i++) {
    const mine = lines.filter((line) => line.startsWith(`- 📝 ${upn(i)} → bea.boss@contoso.test · `));
    expect(mine, upn(i)).toHaveLength(1);
  }
}

/** Every tag the report opens is closed: nothing was cut mid-block. */
function expectBalanced(markdown: string): void {
  for (const tag of ['table', 'tr', 'details', 'summary', 'sub']) {
    const opened = markdown.match(new RegExp(`<${tag}[ >]`, 'g'))?.length ?? 0;
    const closed = markdown.match(new RegExp(`</${tag}>`, 'g'))?.length ?? 0;
    expect(closed, `<${tag}>`).toBe(opened);
  }
}

describe('the size budgets of the job summary and the plan comment', () => {
  it('keeps the summary of 600 users with 512-character reasons under 900 KiB, every user on one line, and says what was cut', () => {
    const users = Array.from({ length: 600 }, (_, i) => leaver(i, HEAVY_REASON));
    const markdown = renderSummary(plan(users));
    expect(Buffer.byteLength(markdown, 'utf8')).toBeLessThan(SUMMARY_LIMIT);
    expectOneLinePerUser(markdown, 600);
    expectBalanced(markdown);
    expect(markdown).toMatch(/\*\*Cut to fit the job summary:\*\* \d+ details \(of 600 users\) are not shown here\./);
    expect(markdown).toContain("<code>/runner/temp/offboarding-results.json</code> (kept as the run's artifact) has everything");
    expect(markdown).toContain('The plan fails so that nobody approves what they could not read.');
  });

  it('counts what the summary left out, and nothing when all of it fits', () => {
    const heavy = buildSummary(plan(Array.from({ length: 600 }, (_, i) => leaver(i, HEAVY_REASON))));
    expect(heavy.cut.users).toBe(0);
    expect(heavy.cut.details).toBeGreaterThan(0);
    const light = buildSummary(plan(Array.from({ length: 600 }, (_, i) => leaver(i, 'resigned'))));
    expect(light.cut).toEqual({ users: 0, details: 0 });
    expect(light.markdown).not.toContain('Cut to fit');
    expect(light.markdown).toContain('<details><summary>All 600 users</summary>');
  });

  it('starts the comment of a 600-user plan with one compact line per user, under 60,000 characters', () => {
    const users = Array.from({ length: 600 }, (_, i) => leaver(i, 'resigned'));
    const { markdown, cut } = buildPlanComment(plan(users));
    expect(markdown.length).toBeLessThan(COMMENT_LIMIT);
    expectOneLinePerUser(markdown, 600);
    expectBalanced(markdown);
    // Before any detail: the lines follow the heading and the step legend directly.
    const lines = markdown.split('\n');
    const first = lines.findIndex((line) => line.startsWith('- 📝 '));
    expect(lines.slice(0, first).join('\n')).not.toMatch(/<table|<details|Input errors|Preflight|Failures/);
    expect(lines[first - 2]).toBe('<sub>① ad-disable · ② entra-disable · ③ entra-revoke · ④ mailbox-access · ⑤ onedrive-access — a number is a step that would change; ❌ before it: failed</sub>');
    expect(lines[first]).toBe(`- 📝 ${upn(0)} → bea.boss@contoso.test · ①③④⑤`);
    // The table of 600 rows does not fit whole: the comment points to the job summary instead, which is no cut.
    expect(markdown).not.toContain('<table>');
    expect(markdown).toContain("Each user's steps, reasons and delegate are in the job summary of [the run](https://github.com/contoso/identity-offboarding/actions/runs/4242)");
    expect(cut).toEqual({ users: 0, details: 0 });
  });

  it('cuts the users who do not fit in the comment, says how many, and counts them', () => {
    // 600 users whose 250-character UPNs cannot all have a line in 60,000 characters.
    const long = (i: number): UserResult => {
      const user = leaver(i);
      const name = `${'x'.repeat(220)}${String(i).padStart(4, '0')}@contoso.test`;
      return { ...user, request: { userPrincipalName: name }, entra: { id: `id-${i}`, userPrincipalName: name, synced: true } };
    };
    const { markdown, cut } = buildPlanComment(plan(Array.from({ length: 600 }, (_, i) => long(i))));
    expect(markdown.length).toBeLessThan(COMMENT_LIMIT);
    expect(cut.users).toBeGreaterThan(0);
    const shown = markdown.split('\n').filter((line) => line.startsWith('- 📝 ')).length;
    expect(shown + cut.users).toBe(600);
    expect(markdown).toContain(`**Cut to fit this comment:** ${cut.users} users' lines (of 600 users) are not shown here.`);
    expectBalanced(markdown);
  });

  it('shows the whole table in the comment of a small plan, after the compact lines', () => {
    const { markdown, cut } = buildPlanComment(plan([leaver(0, 'resigned'), leaver(1)]));
    expect(cut).toEqual({ users: 0, details: 0 });
    expect(markdown.indexOf(`- 📝 ${upn(1)}`)).toBeLessThan(markdown.indexOf('<table>'));
    expect(markdown).toContain(`<tr><td>${upn(0)}<br><sub>resigned</sub></td>`);
  });

  it('names a blocked or failed user\'s code and a failed step in the compact line', () => {
    const blocked: UserResult = { ...leaver(0), status: 'blocked', reason: 'admin-count: adminCount=1', steps: leaver(0).steps.map((s) => ({ ...s, status: 'blocked' })) };
    const failed: UserResult = {
      ...leaver(1),
      status: 'failed',
      steps: leaver(1).steps.map((s) => (s.step === 'mailbox-access' ? { ...s, status: 'failed', error: { message: 'Service unavailable' } } : s)),
    };
    const { markdown } = buildPlanComment(plan([blocked, failed]));
    expect(markdown).toContain(`- 🛑 ${upn(0)} → bea.boss@contoso.test · no change · admin-count`);
    expect(markdown).toContain(`- ❌ ${upn(1)} → bea.boss@contoso.test · ①③❌④⑤`);
  });
});
