// The job summary: counts first, one compact row per user with a mark per step, failures folded, input errors listed.
import type { Mode } from '../inputs-types.js';
import type { InputError, PreflightLine, StepName, StepStatus, UserResult } from '../model.js';
import { describeRequestedDelegate } from './delegate.js';

export interface SummaryInput {
  mode: Mode;
  outcome: 'running' | 'completed' | 'failed' | 'cancelled';
  error?: string;
  selection?: { mode: string; note: string; total: number };
  steps: StepName[];
  users: UserResult[];
  inputErrors: InputError[];
  preflight: PreflightLine[];
  notices?: string[];
  redacted: boolean;
  resultsFile?: string;
  runUrl?: string;
}

const MARK: Record<StepStatus, string> = {
  done: '✅',
  planned: '📝',
  unchanged: '➖',
  skipped: '⏭️',
  failed: '❌',
  blocked: '🛑',
};

/** Above this many users, the full table is folded and only users who need attention stay open. */
const OPEN_TABLE_LIMIT = 25;

/** U+2060 WORD JOINER: invisible, and it stops GitHub from reading a mention, a reference or a link. */
const JOINER = '\u2060';

/**
 * Escapes text for a cell of an HTML table inside markdown: HTML metacharacters, and the characters markdown
 * would otherwise turn into links, emphasis or code, become numeric entities; line breaks become spaces.
 * GitHub finds mentions (`@team`), references (`#12`, `GH-12`) and bare links (`www.`, `https://`) in the text
 * after entities are decoded, so entities do not stop them: a word joiner after `@`, `#`, `GH` and the scheme does.
 * An `@` inside a word (a UPN) is no mention and stays as it is, so a copied UPN is the real one.
 */
export function escapeCell(text: string): string {
  return text
    .replace(/[\r\n\u2028\u2029]+/g, ' ')
    .replace(/(^|[^\p{L}\p{N}_.+-])@(?=[\p{L}\p{N}_-])/gu, `$1@${JOINER}`)
    .replace(/#(?=\p{N})/gu, `#${JOINER}`)
    .replace(/\bGH(?=-\p{N})/giu, (gh) => `${gh}${JOINER}`)
    .replace(/\b(www)\./giu, `$1${JOINER}.`)
    .replace(/\b([a-z][a-z0-9+.-]*):(?=\/\/)/giu, `$1${JOINER}:`)
    .replace(/[&<>"'`*_[\]()#|~\\!:]/g, (c) => `&#${c.codePointAt(0)};`);
}

/** `jane.doe@contoso.com` → `j.d.@contoso.com`; a display name → its initials. */
export function redact(value: string): string {
  const at = value.lastIndexOf('@');
  if (at > 0) {
    const initials = value
      .slice(0, at)
      .split(/[._\-\s]+/)
      .filter(Boolean)
      .map((part) => `${[...part][0]}.`)
      .join('');
    return `${initials}@${value.slice(at + 1)}`;
  }
  return value
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((part) => `${[...part][0]}.`)
    .join(' ');
}

export function userLabel(user: UserResult): string {
  const request = user.request as Record<string, string | undefined>;
  return (
    user.entra?.userPrincipalName ??
    request.userPrincipalName ??
    request.mail ??
    user.ad?.samAccountName ??
    request.samAccountName ??
    request.employeeId ??
    request.distinguishedName ??
    request.objectId ??
    '(no identity)'
  );
}

export function countUsers(users: UserResult[]): Record<'selected' | 'changed' | 'unchanged' | 'failed' | 'blocked', number> {
  const counts = { selected: users.length, changed: 0, unchanged: 0, failed: 0, blocked: 0 };
  for (const user of users) {
    if (user.status === 'done' || user.status === 'planned') counts.changed++;
    else if (user.status === 'unchanged' || user.status === 'skipped') counts.unchanged++;
    else if (user.status === 'failed') counts.failed++;
    else counts.blocked++;
  }
  return counts;
}

export function renderSummary(input: SummaryInput): string {
  const out: string[] = [];
  const show = (value: string): string => escapeCell(input.redacted ? redact(value) : value);
  const counts = countUsers(input.users);
  const title = input.mode === 'plan' ? 'Offboarding plan' : 'Offboarding';
  const outcome =
    input.outcome === 'cancelled' ? ' — cancelled' : input.outcome === 'failed' ? ' — stopped by an error' : '';
  out.push(`## ${title}${outcome}`);
  const changedWord = input.mode === 'plan' ? 'would change' : 'changed';
  const headline = [
    `**${counts.selected}** selected`,
    `**${counts.changed}** ${changedWord}`,
    `**${counts.unchanged}** unchanged`,
    `**${counts.failed}** failed`,
    `**${counts.blocked}** blocked`,
  ];
  out.push(`${MARK[counts.failed ? 'failed' : input.mode === 'plan' ? 'planned' : 'done']} ${headline.join(' · ')}`);
  const facts = [`mode \`${input.mode}\``];
  if (input.selection) facts.push(`selection ${escapeCell(input.selection.note)}`);
  if (input.runUrl) facts.push(`[run](${encodeURI(input.runUrl)})`);
  out.push('', facts.join(' · '));
  if (input.error) out.push('', `> [!CAUTION]`, `> ${escapeCell(input.error)}`);

  if (input.inputErrors.length > 0) {
    out.push('', `### ❌ Input errors (${input.inputErrors.length}) — nothing was changed`, '');
    for (const error of input.inputErrors) {
      const where = error.file ? `<code>${escapeCell(error.line ? `${error.file}:${error.line}` : error.file)}</code> ` : '';
      out.push(`- ${where}${escapeCell(error.message)}`);
    }
  }

  const failedChecks = input.preflight.filter((line) => !line.ok);
  if (input.preflight.length > 0) {
    const lines = input.preflight.map(
      (line) =>
        `- ${line.ok ? '✅' : '❌'} ${escapeCell(line.label)}${line.detail ? ` — ${escapeCell(line.detail)}` : ''}${
          !line.ok && line.fix ? `<br>Fix: ${escapeCell(line.fix)}` : ''
        }`,
    );
    if (failedChecks.length > 0) out.push('', '### Preflight', '', ...lines);
    else out.push('', '<details><summary>Preflight: all checks passed</summary>', '', ...lines, '', '</details>');
  }

  if (input.users.length > 0) {
    const attention = input.users.filter((u) => u.status === 'failed' || u.status === 'blocked');
    const table = (users: UserResult[]): string[] => {
      const head = ['User', 'Result', ...input.steps, 'Delegate'].map((h) => `<th>${escapeCell(h)}</th>`).join('');
      const rows = users.map((user) => {
        const marks = input.steps.map((name) => {
          const step = user.steps.find((s) => s.step === name);
          const title = step ? `${step.status}${step.verified ? ', verified' : ''}${step.reason ? `: ${step.reason}` : ''}` : 'not run';
          return `<td title="${escapeCell(title)}">${step ? MARK[step.status] : ''}</td>`;
        });
        const requested = user.delegate && describeRequestedDelegate(user.delegate, input.redacted ? redact : undefined);
        const delegate = requested
          ? escapeCell(requested)
          : user.delegate?.userPrincipalName
            ? `${show(user.delegate.userPrincipalName)} <sub>${escapeCell(user.delegate.source)}</sub>`
            : `<sub>${escapeCell(user.delegate?.source ?? 'none')}</sub>`;
        const reason = typeof user.request.reason === 'string' && user.request.reason ? `<br><sub>${escapeCell(user.request.reason)}</sub>` : '';
        // A guard's or a resolution's code says at a glance why nothing was done (the full reason is in the record).
        const why = user.reason && user.status !== 'done' ? ` <sub>${escapeCell(user.reason.split(':')[0])}</sub>` : '';
        return `<tr><td>${show(userLabel(user))}${reason}</td><td>${MARK[user.status]} ${user.status}${why}</td>${marks.join('')}<td>${delegate}</td></tr>`;
      });
      return [`<table><tr>${head}</tr>`, ...rows, '</table>'];
    };
    const legend = Object.entries(MARK)
      .map(([status, mark]) => `${mark} ${status}`)
      .join(' · ');
    if (input.users.length > OPEN_TABLE_LIMIT) {
      if (attention.length > 0) out.push('', `### Needs attention (${attention.length})`, '', ...table(attention));
      out.push('', `<details><summary>All ${input.users.length} users</summary>`, '', ...table(input.users), '', '</details>');
    } else {
      out.push('', ...table(input.users));
    }
    out.push('', `<sub>${legend}</sub>`);

    const withErrors = input.users.filter((u) => u.status === 'failed' || u.steps.some((s) => s.status === 'failed'));
    if (withErrors.length > 0) {
      out.push('', `### Failures (${withErrors.length})`);
      for (const user of withErrors) {
        const source = `${user.source.file}:${user.source.line}`;
        out.push('', `<details><summary>❌ ${show(userLabel(user))} <sub>${escapeCell(source)}</sub></summary>`, '');
        if (user.reason) out.push(`- ${escapeCell(user.reason)}`);
        for (const step of user.steps.filter((s) => s.status === 'failed')) {
          const code = step.error?.code ? ` <code>${escapeCell(step.error.code)}</code>` : '';
          const requestId = step.error?.requestId ? ` (request-id ${escapeCell(step.error.requestId)})` : '';
          out.push(`- <b>${escapeCell(step.step)}</b>${code}: ${escapeCell(step.error?.message ?? step.reason ?? '')}${requestId}`);
        }
        out.push('', '</details>');
      }
    }
  } else if (input.inputErrors.length === 0) {
    out.push('', 'No termination requests selected.');
  }

  for (const notice of input.notices ?? []) out.push('', `> ${escapeCell(notice)}`);
  if (input.resultsFile) out.push('', `<sub>Full record: <code>${escapeCell(input.resultsFile)}</code></sub>`);
  return `${out.join('\n')}\n`;
}
