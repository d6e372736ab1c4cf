// The blocks the job summary and the plan comment are built from, each measured whole by the caller's budget.
import type { UserResult } from '../model.js';
import { clip, type Budget } from './budget.js';
import { compactLine, MARK, stepLegend } from './compact.js';
import { describeRequestedDelegate } from './delegate.js';
import { countUsers, escapeCell, reportMask, userLabel, type SummaryInput } from './view.js';

/** Longest a value from data or a server is shown; the results file keeps it whole. */
const VALUE_LIMIT = 1_000;

/** The input and how its text is shown: masked (summary: redacted), clipped, escaped. */
export interface View {
  input: SummaryInput;
  /** Text from data or a server as it may appear in the report. */
  show: (text: string) => string;
}

export function viewOf(input: SummaryInput): View {
  const mask = reportMask(input);
  return { input, show: (text) => escapeCell(mask.text(clip(text, VALUE_LIMIT))) };
}

/** What was left out to stay under a budget. */
export interface Cut {
  /** Users without their compact line. */
  users: number;
  /** Table rows, failure details, input errors, preflight lines and notices not shown. */
  details: number;
}

/** `3 users' lines and 40 details`; empty when nothing was cut. */
export function describeCut(cut: Cut): string {
  return [...(cut.users ? [`${cut.users} users' lines`] : []), ...(cut.details ? [`${cut.details} details`] : [])].join(' and ');
}

/** Title, counts and the run's facts: a few bounded lines that always fit. */
export function headLines({ input, show }: View): string[] {
  const counts = countUsers(input.users);
  const title = `${input.mode === 'plan' ? 'Offboarding plan' : 'Offboarding'}${input.undoOf ? ` — undo of run ${show(input.undoOf.run)}` : ''}`;
  const outcome = input.stoppedBy
    ? ` — ${input.stoppedBy}`
    : input.outcome === 'cancelled' ? ' — cancelled' : input.outcome === 'failed' ? ' — stopped by an error' : '';
  const changedWord = input.mode === 'plan' ? 'would change' : 'changed';
  const headline = [
    `**${counts.selected}** selected`,
    `**${counts.changed}** ${changedWord}`,
    `**${counts.unchanged}** unchanged`,
    `**${counts.failed}** failed`,
    `**${counts.blocked}** blocked`,
  ];
  const lines = [`## ${title}${outcome}`];
  lines.push(`${MARK[counts.failed ? 'failed' : input.mode === 'plan' ? 'planned' : 'done']} ${headline.join(' · ')}`);
  const facts = [`mode \`${input.mode}\``];
  if (input.selection) facts.push(`selection ${show(input.selection.note)}`);
  if (input.breakers) facts.push(escapeCell(input.breakers));
  if (input.runUrl) facts.push(`[run](${encodeURI(input.runUrl)})`);
  lines.push('', facts.join(' · '));
  if (input.error) lines.push('', `> [!CAUTION]`, `> ${show(input.error)}`);
  return lines;
}

/** A user's compact line: who, to whom, which steps change. */
export function userLine(view: View, user: UserResult): string {
  const code = user.reason && user.status !== 'done' && user.status !== 'planned' ? escapeCell(user.reason.split(':')[0]) : undefined;
  const delegate = user.delegate?.userPrincipalName ? view.show(user.delegate.userPrincipalName) : undefined;
  return compactLine(user, view.input.steps, { identity: view.show(userLabel(user)), delegate, code });
}

export function compactHeading({ input }: View): string[] {
  return ['', `### Users (${input.users.length})`, '', stepLegend(input.steps, input.mode), ''];
}

export function inputErrorHeading({ input }: View): string[] {
  return ['', `### ❌ Input errors (${input.inputErrors.length}) — nothing was changed`, ''];
}

export function inputErrorLine({ input, show }: View, index: number): string {
  const error = input.inputErrors[index];
  const where = error.file ? `<code>${show(error.line ? `${error.file}:${error.line}` : error.file)}</code> ` : '';
  return `- ${where}${show(error.message)}`;
}

/** The preflight checklist: open when a check failed, folded when all passed; with its closing lines. */
export function preflightParts({ input, show }: View): { open: string[]; lines: string[]; close: string[] } {
  const lines = input.preflight.map(
    (line) =>
      `- ${line.ok ? '✅' : '❌'} ${show(line.label)}${line.detail ? ` — ${show(line.detail)}` : ''}${
        !line.ok && line.fix ? `<br>Fix: ${show(line.fix)}` : ''
      }`,
  );
  if (input.preflight.some((line) => !line.ok)) return { open: ['', '### Preflight', ''], lines, close: [] };
  return { open: ['', '<details><summary>Preflight: all checks passed</summary>', ''], lines, close: ['', '</details>'] };
}

export function tableHead({ input }: View): string {
  const head = ['User', 'Result', ...input.steps, 'Delegate'].map((h) => `<th>${escapeCell(h)}</th>`).join('');
  return `<table><tr>${head}</tr>`;
}

/** One user's row: a mark per step (the reason in its title), the request's reason, the guard's code, the delegate. */
export function tableRow(view: View, user: UserResult): string {
  const { input, show } = view;
  const marks = input.steps.map((name) => {
    const step = user.steps.find((s) => s.step === name);
    const title = step ? `${step.stage ? `stage ${step.stage}: ` : ''}${step.status}${step.verified ? ', verified' : ''}${step.reason ? `: ${step.reason}` : ''}` : 'not run';
    return `<td title="${show(title)}">${step ? MARK[step.status] : ''}</td>`;
  });
  // Names in the delegate's line are masked with the rest of the text: each is a known identity.
  const requested = user.delegate && describeRequestedDelegate(user.delegate);
  const source = `<sub>${escapeCell(user.delegate?.source ?? 'none')}</sub>`;
  const delegate = requested
    ? show(requested)
    : user.delegate?.userPrincipalName
      ? `${show(user.delegate.userPrincipalName)} ${source}`
      : source;
  const reason = typeof user.request.reason === 'string' && user.request.reason ? `<br><sub>${show(user.request.reason)}</sub>` : '';
  // A guard's or a resolution's code says at a glance why nothing was done (the full reason is in the record).
  const why = user.reason && user.status !== 'done' ? ` <sub>${escapeCell(user.reason.split(':')[0])}</sub>` : '';
  return `<tr><td>${show(userLabel(user))}${reason}</td><td>${MARK[user.status]} ${user.status}${why}</td>${marks.join('')}<td>${delegate}</td></tr>`;
}

/**
 * A table whose rows go in while they fit, with room kept for its closing tags: its head goes in only with room for
 * a first row, and it is always closed. Returns the rows left out.
 */
export function addTable(budget: Budget, view: View, users: UserResult[], open: string[], close: string[], reserve: number): number {
  const closing = ['</table>', ...close];
  const rows = users.map((user) => tableRow(view, user));
  const room = reserve + budget.sizeOf(closing);
  if (rows.length === 0 || !budget.add([...open, tableHead(view)], room + budget.sizeOf(rows[0]))) return rows.length;
  const left = budget.addEach(rows, room);
  budget.add(closing);
  return left;
}

export const legendLine = (): string =>
  `<sub>${Object.entries(MARK)
    .map(([status, mark]) => `${mark} ${status}`)
    .join(' · ')}</sub>`;

export const needsAttention = (user: UserResult): boolean => user.status === 'failed' || user.status === 'blocked';
export const hasFailure = (user: UserResult): boolean => user.status === 'failed' || user.steps.some((s) => s.status === 'failed');

/**
 * One user's specific changes in one line: each planned or done step that names its change (for example "2 devices:
 * …", "owner of 2 groups: …"), so the reviewer of a plan reads them in the open rather than in a cell's title.
 */
export function changeLine({ show }: View, user: UserResult): string[] | undefined {
  const named = user.steps.filter((step) => (step.status === 'planned' || step.status === 'done') && step.reason);
  if (named.length === 0) return undefined;
  const changes = named.map((step) => `<b>${escapeCell(step.step)}</b> ${show(`${step.stage ? `stage ${step.stage}: ` : ''}${step.reason}`)}`);
  return [`- ${show(userLabel(user))}: ${changes.join(' · ')}`];
}

/** A failed user folded into a details block: the reason, and each failed step's error with code and request id. */
export function failureBlock({ show }: View, user: UserResult): string[] {
  const source = `${user.source.file}:${user.source.line}`;
  const lines = ['', `<details><summary>❌ ${show(userLabel(user))} <sub>${show(source)}</sub></summary>`, ''];
  if (user.reason) lines.push(`- ${show(user.reason)}`);
  for (const step of user.steps.filter((s) => s.status === 'failed')) {
    const code = step.error?.code ? ` <code>${show(step.error.code)}</code>` : '';
    const requestId = step.error?.requestId ? ` (request-id ${show(step.error.requestId)})` : '';
    lines.push(`- <b>${escapeCell(step.step)}</b>${code}: ${show(step.error?.message ?? step.reason ?? '')}${requestId}`);
  }
  lines.push('', '</details>');
  return lines;
}

/** Room kept for the closing notice: it names counts and the results file, never data of any length. */
export const TAIL_RESERVE = 2_048;

/** The last lines: what was cut and where everything is, and the results file. */
export function tailLines({ input, show }: View, cut: Cut, where: string): string[] {
  const lines: string[] = [];
  if (describeCut(cut)) {
    lines.push(
      '',
      '> [!WARNING]',
      `> **Cut to fit ${where}:** ${describeCut(cut)} (of ${input.users.length} users) are not shown here. The results file${
        input.resultsFile ? ` <code>${show(clip(input.resultsFile, 300))}</code>` : ''
      } (kept as the run's artifact) has everything.${input.mode === 'plan' ? ' The plan fails so that nobody approves what they could not read.' : ''}`,
    );
  }
  if (input.resultsFile) lines.push('', `<sub>Full record: <code>${show(clip(input.resultsFile, 300))}</code></sub>`);
  return lines;
}
