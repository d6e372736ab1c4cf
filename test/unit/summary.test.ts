// Rendering of the job summary: escaping, marks per step, folding, redaction, input errors.
import { describe, expect, it } from 'vitest';
import type { UserResult } from '../../src/model.js';
import { escapeCell, redact, renderSummary, type SummaryInput } from '../../src/report/summary.js';

const user = (upn: string, status: UserResult['status'], extra: Partial<UserResult> = {}): UserResult => ({
  source: { file: 'offboarding/leavers.csv', line: 2 },
  request: { userPrincipalName: upn },
  status,
  delegate: { userPrincipalName: 'boss@contoso.com', source: 'ad-manager' },
  steps: [
    status === 'planned' ? { step: 'ad-disable', status: 'planned' } : { step: 'ad-disable', status: 'done', verified: true },
    { step: 'entra-disable', status: 'skipped', reason: 'synced from AD' },
  ],
  ...extra,
});

const base = (users: UserResult[], extra: Partial<SummaryInput> = {}): SummaryInput => ({
  mode: 'apply',
  outcome: 'completed',
  steps: ['ad-disable', 'entra-disable'],
  users,
  inputErrors: [],
  preflight: [],
  redacted: false,
  ...extra,
});

describe('job summary', () => {
  it('escapes HTML and markdown in a name so that nothing renders as markup', () => {
    const evil = '<img src=x onerror=alert(1)>[click](https://evil.example)@contoso.com';
    const markdown = renderSummary(base([user(evil, 'done')]));
    expect(markdown).not.toContain('<img');
    expect(markdown).not.toContain('[click](');
    expect(markdown).toContain('&#60;img src=x onerror=alert&#40;1&#41;&#62;');
  });

  it('puts the counts first, then one row per user with a mark per step', () => {
    const markdown = renderSummary(base([user('jdoe@contoso.com', 'done'), user('x@contoso.com', 'failed')]));
    const lines = markdown.split('\n');
    expect(lines[0]).toBe('## Offboarding');
    expect(lines[1]).toContain('**2** selected · **1** changed · **0** unchanged · **1** failed · **0** blocked');
    expect(markdown).toMatch(/<tr><td>jdoe@contoso\.com<\/td><td>✅ done<\/td><td title="done, verified">✅<\/td><td title="skipped&#58; synced from AD">⏭️<\/td>/);
  });

  it('folds each failed user into a details block with the error, code and request id', () => {
    const failed = user('x@contoso.com', 'failed', {
      steps: [{ step: 'entra-disable', status: 'failed', error: { message: 'Service unavailable', code: 'serviceNotAvailable', requestId: 'req-1' } }],
    });
    const markdown = renderSummary(base([failed]));
    expect(markdown).toContain('<details><summary>❌ x@contoso.com <sub>offboarding/leavers.csv&#58;2</sub></summary>');
    expect(markdown).toContain('<b>entra-disable</b> <code>serviceNotAvailable</code>: Service unavailable (request-id req-1)');
  });

  it('lists input errors with file and line and says nothing was changed', () => {
    const markdown = renderSummary(
      base([], { inputErrors: [{ file: 'offboarding/leavers.csv', line: 7, message: 'effective "03/04/2026" is not a date' }] }),
    );
    expect(markdown).toContain('### ❌ Input errors (1) — nothing was changed');
    expect(markdown).toContain('<code>offboarding/leavers.csv&#58;7</code> effective &#34;03/04/2026&#34; is not a date');
  });

  it('keeps 500 users readable: users needing attention open, the full table folded', () => {
    const users = Array.from({ length: 500 }, (_, i) => user(`u${i}@contoso.com`, i === 42 ? 'failed' : 'done'));
    const markdown = renderSummary(base(users));
    expect(markdown).toContain('### Needs attention (1)');
    expect(markdown).toContain('<details><summary>All 500 users</summary>');
    expect(Buffer.byteLength(markdown)).toBeLessThan(1024 * 1024);
  });

  it('masks names to initials and domain when redacted', () => {
    const markdown = renderSummary(base([user('jane.doe@contoso.com', 'done')], { redacted: true }));
    expect(markdown).not.toContain('jane.doe');
    expect(markdown).toContain('j.d.@contoso.com');
    expect(redact('Smith, John')).toBe('S. J.');
  });

  it('says "would change" in plan mode', () => {
    const markdown = renderSummary(base([user('jdoe@contoso.com', 'planned')], { mode: 'plan' }));
    expect(markdown.split('\n')[0]).toBe('## Offboarding plan');
    expect(markdown).toContain('**1** would change');
  });

  it('shows the request reason under the user and the guard code beside a blocked result', () => {
    const blocked = user('kim@contoso.com', 'blocked', {
      request: { userPrincipalName: 'kim@contoso.com', reason: 'HR-7 <b>' },
      reason: 'admin-count: adminCount=1',
    });
    const markdown = renderSummary(base([blocked]));
    expect(markdown).toContain('<td>kim@contoso.com<br><sub>HR-7 &#60;b&#62;</sub></td><td>🛑 blocked <sub>admin-count</sub></td>');
  });

  it('leaves no mention, reference or bare link in data for GitHub to act on', () => {
    const reason = 'cc @contoso/security-team and @alice, see #12, GH-7, contoso/hr#3, www.evil.test or https://evil.test/x';
    const decoded = escapeCell(reason).replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)));
    // What GitHub links, on the text after entities are decoded.
    expect(decoded).not.toMatch(/(^|[^\w])@[\w-]/);
    expect(decoded).not.toMatch(/#\d|GH-\d|www\.|https:\/\//i);
    // Visibly the same text: only invisible word joiners were added.
    expect(decoded.replaceAll('\u2060', '')).toBe(reason);
  });

  it('keeps a UPN exactly as it is, so that a copied address is the real one', () => {
    expect(escapeCell('jane.doe@contoso.com')).toBe('jane.doe@contoso.com');
  });

  it('shows a delegate override with the manager it replaces', () => {
    const override = user('jdoe@contoso.com', 'planned', {
      delegate: {
        userPrincipalName: 'mallory@contoso.com',
        source: 'csv',
        requested: 'mallory@contoso.com',
        manager: { userPrincipalName: 'boss@contoso.com', source: 'ad-manager' },
        override: true,
      },
    });
    const markdown = renderSummary(base([override], { mode: 'plan' }));
    expect(markdown).toContain(`<td>${escapeCell('csv: mallory@contoso.com (manager: boss@contoso.com)')}</td></tr>`);
  });

  it('shows a requested delegate who is not used beside the one who is', () => {
    const refused = user('jdoe@contoso.com', 'done', {
      delegate: {
        userPrincipalName: 'boss@contoso.com',
        source: 'ad-manager',
        requested: 'guest@fabrikam.com',
        requestedIssue: 'is a guest',
        manager: { userPrincipalName: 'boss@contoso.com', source: 'ad-manager' },
      },
    });
    expect(renderSummary(base([refused]))).toContain(escapeCell('csv: guest@fabrikam.com is a guest — using ad-manager: boss@contoso.com'));
  });

  it('shows the requested delegate of a plan without directories instead of none', () => {
    const unchecked = user('jdoe@contoso.com', 'skipped', {
      delegate: { source: 'none', requested: 'cfo@contoso.com', requestedIssue: 'not looked up: no directory is configured' },
    });
    const markdown = renderSummary(base([unchecked], { mode: 'plan' }));
    expect(markdown).toContain(`<td>${escapeCell('csv: cfo@contoso.com not looked up: no directory is configured')}</td></tr>`);
  });

  it('shows a requested delegate found by mail under the UPN that receives access', () => {
    const byMail = user('jdoe@contoso.com', 'done', {
      delegate: {
        userPrincipalName: 'rhea.sato@contoso.com',
        source: 'csv',
        requested: 'rhea@contoso.com',
        manager: { userPrincipalName: 'rhea.sato@contoso.com', source: 'ad-manager' },
      },
    });
    expect(renderSummary(base([byMail]))).toContain(escapeCell('csv: rhea@contoso.com → rhea.sato@contoso.com'));
  });

  it('masks the requested delegate and the manager when redacted', () => {
    const override = user('jdoe@contoso.com', 'done', {
      delegate: {
        userPrincipalName: 'mallory.x@contoso.com',
        source: 'csv',
        requested: 'mallory.x@contoso.com',
        manager: { source: 'none' },
        override: true,
      },
    });
    const markdown = renderSummary(base([override], { redacted: true }));
    expect(markdown).not.toContain('mallory');
    expect(markdown).toContain(escapeCell('csv: m.x.@contoso.com (manager: none found)'));
  });

  it('lists each step\'s specific change in the open under "What would change", not only in the title of its cell', () => {
    const planned = user('jdoe@contoso.com', 'planned', {
      steps: [
        { step: 'mobile-wipe', status: 'planned', reason: '2 devices: <b>Jane</b>\'s iPhone, Pixel 8' },
        { step: 'group-owners', status: 'planned', reason: 'owner of 2 groups: Sales EMEA, Project X' },
        { step: 'ad-disable', status: 'planned' },
        { step: 'entra-disable', status: 'skipped', reason: 'synced from AD' },
      ],
    });
    const markdown = renderSummary(base([planned, user('x@contoso.com', 'planned')], { mode: 'plan', steps: ['mobile-wipe', 'group-owners', 'ad-disable', 'entra-disable'] }));
    const section = markdown.slice(markdown.indexOf('### What would change'));
    expect(section).toContain('- jdoe@contoso.com: <b>mobile-wipe</b> 2 devices&#58; &#60;b&#62;Jane&#60;/b&#62;&#39;s iPhone, Pixel 8 · <b>group-owners</b> owner of 2 groups&#58; Sales EMEA, Project X');
    // A step without a specific change (ad-disable) and a skipped step's reason are in the table, not here.
    expect(section).not.toContain('synced from AD');
    expect(section).not.toContain('x@contoso.com');
    expect(renderSummary(base([planned]))).not.toContain('### What would change');
  });

  it('says "What changed" for the changes an apply run made', () => {
    const done = user('jdoe@contoso.com', 'done', { steps: [{ step: 'inbox-rules', status: 'done', verified: true, reason: '1 rule: Fwd out' }] });
    expect(renderSummary(base([done], { steps: ['inbox-rules'] }))).toContain('### What changed\n\n- jdoe@contoso.com: <b>inbox-rules</b> 1 rule&#58; Fwd out');
  });

  it('turns line breaks in a cell into spaces', () => {
    expect(escapeCell('a\nb\r\nc')).toBe('a b c');
  });
});
