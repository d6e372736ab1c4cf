// Renders sample job summaries the way GitHub does (GFM) and screenshots them with headless Chromium into docs/.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { marked } from 'marked';
import type { StepName, UserResult } from '../src/model.js';
import { renderSummary } from '../src/report/summary.js';

const steps: StepName[] = ['ad-disable', 'entra-disable', 'entra-revoke', 'mailbox-access', 'onedrive-access'];

function user(upn: string, line: number, kind: 'done' | 'unchanged' | 'failed' | 'blocked' | 'cloud'): UserResult {
  const base = { source: { file: 'offboarding/leavers.csv', line }, request: { userPrincipalName: upn, reason: `HR-${4100 + line}` } };
  const delegate = { userPrincipalName: 'priya.raman@contoso.com', source: 'ad-manager' as const };
  switch (kind) {
    case 'blocked':
      return {
        ...base,
        status: 'blocked',
        reason: 'admin-count: adminCount=1 (a protected administrator)',
        delegate: { source: 'none' },
        steps: steps.map((step) => ({ step, status: 'blocked', reason: 'admin-count: adminCount=1' })),
      };
    case 'failed':
      return {
        ...base,
        status: 'failed',
        delegate,
        steps: [
          { step: 'ad-disable', status: 'done' },
          { step: 'entra-disable', status: 'skipped', reason: 'disabled through AD' },
          { step: 'entra-revoke', status: 'done' },
          {
            step: 'mailbox-access',
            status: 'failed',
            error: { message: 'Add-MailboxPermission timed out after 120 s; the session was restarted.', code: 'powershell-timeout' },
          },
          { step: 'onedrive-access', status: 'done' },
        ],
      };
    case 'unchanged':
      return { ...base, status: 'unchanged', delegate, steps: steps.map((step) => ({ step, status: 'unchanged' })) };
    case 'cloud':
      return {
        ...base,
        status: 'done',
        delegate: { userPrincipalName: 'it-archive@contoso.com', source: 'default' },
        steps: [
          { step: 'ad-disable', status: 'skipped', reason: 'no AD account' },
          { step: 'entra-disable', status: 'done' },
          { step: 'entra-revoke', status: 'done' },
          { step: 'mailbox-access', status: 'done' },
          { step: 'onedrive-access', status: 'skipped', reason: 'no OneDrive' },
        ],
      };
    default:
      return {
        ...base,
        status: 'done',
        delegate,
        steps: [
          { step: 'ad-disable', status: 'done' },
          { step: 'entra-disable', status: 'skipped', reason: 'disabled through AD' },
          { step: 'entra-revoke', status: 'done' },
          { step: 'mailbox-access', status: 'done' },
          { step: 'onedrive-access', status: 'done' },
        ],
      };
  }
}

const five = [
  user('jane.doe@contoso.com', 2, 'done'),
  user('john.smith@contoso.com', 3, 'failed'),
  user('chloe.nuage@contoso.com', 4, 'cloud'),
  user('kim.admin@contoso.com', 5, 'blocked'),
  user('sean.obrien@contoso.com', 6, 'unchanged'),
];
const many = Array.from({ length: 500 }, (_, i) =>
  user(`leaver${String(i + 1).padStart(3, '0')}@contoso.com`, i + 2, i === 17 ? 'failed' : i === 230 ? 'blocked' : 'done'),
);

const css = `body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI","Noto Sans",Helvetica,Arial,sans-serif;font-size:14px;line-height:1.5;color:#1f2328;background:#fff;margin:0;padding:24px;max-width:1000px}
h2{font-size:1.5em;border-bottom:1px solid #d1d9e0;padding-bottom:.3em;margin-top:0}h3{font-size:1.25em}
table{border-collapse:collapse;display:block;overflow:auto;margin:8px 0}th,td{border:1px solid #d1d9e0;padding:6px 13px}tr:nth-child(2n){background:#f6f8fa}th{font-weight:600}
code{background:#eff1f3;border-radius:6px;padding:.2em .4em;font-size:85%}details{margin:8px 0}summary{cursor:pointer}
blockquote{border-left:.25em solid #d1d9e0;color:#59636e;margin:0;padding:0 1em}sub{color:#59636e}`;

function shoot(markdown: string, file: string, height: number): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'summary-shot-'));
  const page = path.join(dir, 'summary.html');
  writeFileSync(page, `<!doctype html><meta charset="utf-8"><style>${css}</style><body>${marked.parse(markdown, { gfm: true })}</body>`);
  execFileSync('chromium', [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${path.join(dir, 'profile')}`, '--hide-scrollbars',
    `--window-size=1050,${height}`, `--screenshot=${file}`, `file://${page}`,
  ], { stdio: 'ignore' });
}

const out = path.resolve(import.meta.dirname, '../docs');
mkdirSync(out, { recursive: true });
const common = { mode: 'apply' as const, outcome: 'completed' as const, steps, inputErrors: [], redacted: false, resultsFile: '/runner/_temp/offboarding-results.json', runUrl: 'https://github.com/contoso/identity-offboarding/actions/runs/4242' };
const preflight = [
  { ok: true, label: 'AD: bound to ldaps://dc1.corp.contoso.com', detail: 'as CN=svc-offboard,OU=Service Accounts,DC=corp,DC=contoso,DC=com' },
  { ok: true, label: 'Entra: signed in to tenant contoso.onmicrosoft.com' },
];
shoot(renderSummary({ ...common, users: five, preflight, selection: { mode: 'changed', note: 'changed: 5 of 42 rows added or changed since 1a2b3c4', total: 42 } }), path.join(out, 'summary.png'), 900);
shoot(renderSummary({ ...common, users: many, preflight, selection: { mode: 'all', note: 'all 500 rows', total: 500 } }), path.join(out, 'summary-500.png'), 800);
console.log(`wrote ${path.join(out, 'summary.png')} and summary-500.png`);
