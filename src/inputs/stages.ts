// Reads the `stages` input: one line per stage, `<offset>: <steps>`, each a number of days after `effective`.
import type { Stage, StepName } from '../model.js';
import { STEP_ORDER } from '../steps/index.js';

/** `30d: mailbox-shared, licenses`; the offset in whole days, as `lookback-days` counts. */
const LINE = /^(\d{1,6})d\s*:(.*)$/;
/** A hundred years, the most `lookback-days` allows too. */
const MAX_DAYS = 36_500;
/** How much of a bad line a message quotes. */
const QUOTE_LIMIT = 80;

const quote = (line: string): string => JSON.stringify(line.length > QUOTE_LIMIT ? `${line.slice(0, QUOTE_LIMIT)}…` : line);

/**
 * Parses the lines into stages in ascending order, or says what is wrong with each bad line (by its number and text):
 * an offset that is not ascending or repeats, a step that is unknown or already in another stage, a stage without
 * steps. `suggest` adds a "Did you mean" for a misspelt step name.
 */
export function parseStages(text: string, suggest: (name: string) => string): { stages: Stage[]; errors: string[] } {
  const stages: Stage[] = [];
  const errors: string[] = [];
  const stageOf = new Map<StepName, { offset: string; line: number }>();
  const known: readonly string[] = STEP_ORDER;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const number = index + 1;
    const problem = (what: string): void => {
      errors.push(`line ${number} ${quote(line)}: ${what}`);
    };
    const match = LINE.exec(line);
    if (!match) {
      problem('is not "<offset>: <steps>" with the offset in days (for example "30d: mailbox-shared, licenses")');
      return;
    }
    const days = Number(match[1]);
    const offset = `${days}d`;
    if (days > MAX_DAYS) return problem(`${offset} is more than ${MAX_DAYS} days`);
    const previous = stages.at(-1);
    if (previous && days === previous.days) return problem(`${offset} is a stage already: put all its steps on one line`);
    if (previous && days < previous.days) return problem(`${offset} comes after ${previous.offset}: list the stages in ascending order`);
    const names = [...new Set(match[2].split(',').map((name) => name.trim().toLowerCase()))].filter((name) => name !== '');
    if (names.length === 0) return problem('names no step');
    const bad = names.flatMap((name): string[] => {
      if (!known.includes(name)) return [`unknown step "${name}".${suggest(name)}`];
      const earlier = stageOf.get(name as StepName);
      if (earlier) return [`"${name}" is in stage ${earlier.offset} already (line ${earlier.line}): a step runs in one stage only`];
      stageOf.set(name as StepName, { offset, line: number });
      return [];
    });
    if (bad.length > 0) return problem(bad.join('; '));
    stages.push({ offset, days, steps: STEP_ORDER.filter((step) => names.includes(step)) });
  });
  return { stages, errors };
}

/** Every step of the stages, in the contract's order: what the run prepares, checks and may apply. */
export function stagedSteps(stages: readonly Stage[]): StepName[] {
  return STEP_ORDER.filter((step) => stages.some((stage) => stage.steps.includes(step)));
}
