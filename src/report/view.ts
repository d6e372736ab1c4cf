// What the job summary and the plan comment show of a run: the run's facts, who a user is, counts, and safe text.
import type { Mode } from '../inputs-types.js';
import type { InputError, LaterStages, PreflightLine, StepName, UserResult } from '../model.js';
import { IdentityMask, resultIdentities } from './redact.js';

export interface SummaryInput {
  mode: Mode;
  outcome: 'running' | 'completed' | 'failed' | 'cancelled';
  error?: string;
  /** With `stages`: `later` lists the stages not due yet, per row. */
  selection?: { mode: string; note: string; total: number; later?: LaterStages[] };
  steps: StepName[];
  users: UserResult[];
  inputErrors: InputError[];
  preflight: PreflightLine[];
  notices?: string[];
  redacted: boolean;
  /** The identities known in the run (rows, directories, delegates); the users' records add theirs. */
  mask?: IdentityMask;
  resultsFile?: string;
  runUrl?: string;
  /** The breakers that are set, for the header (src/breakers.ts describeBreakers). */
  breakers?: string;
  /** Which breaker stopped the run, for the title (`error` says why). */
  stoppedBy?: string;
  /** An undo: the run it reverses, for the title. */
  undoOf?: { run: string; sha?: string };
}

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

/** The mask a report applies to every text from data or a server: the run's, taught the users' records too. */
export function reportMask(input: SummaryInput): IdentityMask {
  const mask = input.mask ?? new IdentityMask(input.redacted);
  for (const user of input.users) mask.add(resultIdentities(user));
  for (const row of input.selection?.later ?? []) mask.add(Object.values(row.identity));
  return mask;
}
