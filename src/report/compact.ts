// One compact line per user for the summary and the plan comment: result, identity → delegate, the steps that change.
import type { StepName, StepStatus, UserResult } from '../model.js';

export const MARK: Record<StepStatus, string> = {
  done: '✅',
  planned: '📝',
  unchanged: '➖',
  skipped: '⏭️',
  failed: '❌',
  blocked: '🛑',
};

/** ①…⑳, ㉑…㉟: one character per step number, so a line of 22 steps stays short. */
function stepNumber(index: number): string {
  const n = index + 1;
  if (n <= 20) return String.fromCodePoint(0x2460 + n - 1);
  if (n <= 35) return String.fromCodePoint(0x3251 + n - 21);
  return `(${n})`;
}

/** The legend that names the step behind each number. */
export function stepLegend(steps: StepName[], mode: 'plan' | 'apply'): string {
  const names = steps.map((step, i) => `${stepNumber(i)} ${step}`).join(' · ');
  return `<sub>${names} — a number is a step that ${mode === 'plan' ? 'would change' : 'changed'}; ${MARK.failed} before it: failed</sub>`;
}

export interface CompactParts {
  /** The user, already masked and escaped. */
  identity: string;
  /** The delegate, already masked and escaped; undefined for none. */
  delegate?: string;
  /** Why a blocked or failed user was stopped (a guard's or a resolution's code), escaped. */
  code?: string;
}

/**
 * `- 📝 jdoe@contoso.com → boss@contoso.com · ①③④` — the user's result, who they are, who receives their data
 * and the numbers of the steps that change; a blocked or failed user's code instead of changes when nothing does.
 * Markdown with escaped parts: the caller measures it whole.
 */
export function compactLine(user: UserResult, steps: StepName[], parts: CompactParts): string {
  const changes: string[] = [];
  steps.forEach((name, i) => {
    const step = user.steps.find((s) => s.step === name);
    if (step?.status === 'planned' || step?.status === 'done') changes.push(stepNumber(i));
    else if (step?.status === 'failed') changes.push(`${MARK.failed}${stepNumber(i)}`);
  });
  const review = user.delegate?.override || user.delegate?.requestedIssue ? ' ⚠️' : '';
  const delegate = parts.delegate ? `${parts.delegate}${review}` : 'no delegate';
  const code = parts.code ? ` · ${parts.code}` : '';
  return `- ${MARK[user.status]} ${parts.identity} → ${delegate} · ${changes.length > 0 ? changes.join('') : 'no change'}${code}`;
}
