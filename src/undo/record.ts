// The record an undo starts from: the results file of an earlier apply run, read from the workspace and checked.
import { z } from 'zod';
import type { InputError } from '../model.js';
import { printablePath, readWorkspaceFile } from '../sources/files.js';
import { STEP_ORDER } from '../steps/index.js';

const state = z.record(z.string(), z.unknown());

const stepRecord = z.looseObject({
  step: z.string(),
  status: z.enum(['planned', 'done', 'unchanged', 'skipped', 'failed', 'blocked']),
  reason: z.string().optional(),
  before: state.optional(),
  after: state.optional(),
});

const userRecord = z.looseObject({
  source: z.object({ file: z.string(), line: z.number() }),
  request: state,
  // objectGuid from version 2 on: a version-1 record names the AD account by sAMAccountName only.
  ad: z.looseObject({ dn: z.string(), samAccountName: z.string(), objectGuid: z.string().optional() }).optional(),
  entra: z.looseObject({ id: z.string(), userPrincipalName: z.string(), synced: z.boolean().optional() }).optional(),
  steps: z.array(stepRecord),
});

/** Version 1 and every later one: fields added since are optional here, so older records stay readable. */
const resultsFile = z.looseObject({
  version: z.number().int().min(1),
  mode: z.enum(['plan', 'apply']),
  run: z.looseObject({ url: z.string().optional(), runId: z.string().optional(), sha: z.string().optional(), event: z.string().optional() }),
  users: z.array(userRecord),
});

export type UndoneUser = z.infer<typeof userRecord>;

/** An earlier run, as its record names it: its URL (or id) and the commit it ran on. */
export interface UndoOf {
  run: string;
  sha?: string;
}

export interface UndoRecord {
  /** The file as the undo-from input names it. */
  file: string;
  undoOf: UndoOf;
  users: UndoneUser[];
}

/** The first lines of a schema's complaints, each with where in the file it is. */
function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'the file'}: ${issue.message}`)
    .join('; ');
}

/** Checks the text of a results file; the problems are input errors at the file, and nothing is undone. */
export function parseUndoRecord(file: string, text: string): { record?: UndoRecord; errors: InputError[] } {
  const at = printablePath(file);
  const fail = (message: string) => ({ errors: [{ file: at, message: `undo-from: ${message}` }] });
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return fail(`not a results file: ${(error as Error).message}`);
  }
  const parsed = resultsFile.safeParse(json);
  if (!parsed.success) return fail(`not a results file of this action: ${describe(parsed.error)}`);
  const document = parsed.data;
  if (document.mode !== 'apply') return fail('the record of a plan run: it changed nothing, so there is nothing to undo');
  const unknown = [...new Set(document.users.flatMap((user) => user.steps.filter((s) => s.status === 'done').map((s) => s.step)))].filter(
    (step) => !(STEP_ORDER as readonly string[]).includes(step),
  );
  if (unknown.length > 0) return fail(`steps this version does not know were done: ${unknown.join(', ')}; undo with the version that made them`);
  const run = document.run.url ?? document.run.runId;
  if (!run) return fail('the record names no run (run.url or run.runId)');
  return { record: { file: at, undoOf: { run, sha: document.run.sha }, users: document.users }, errors: [] };
}

/** Reads the undo-from file from the workspace, with the same checks as a CSV file (regular, inside the workspace). */
export async function readUndoRecord(workspace: string, file: string): Promise<{ record?: UndoRecord; errors: InputError[] }> {
  let text: string;
  try {
    text = await readWorkspaceFile(workspace, file);
  } catch (error) {
    return { errors: [{ file: printablePath(file), message: `undo-from: cannot read the results file: ${(error as Error).message}` }] };
  }
  return parseUndoRecord(file, text);
}
