// The undo-from path of an earlier apply run's results, in the test's process: the record read as the results file, its reverse steps and requests.
import type { Request, UserResult } from '../../src/model.js';
import { createUndo, type Undo } from '../../src/undo/index.js';
import { parseUndoRecord } from '../../src/undo/record.js';

const UNDONE_RUN = 'https://github.com/contoso/identity-offboarding/actions/runs/4242';

/**
 * The undo of `results` as `undo-from` makes it from their results file (written and read back as JSON, checked by the
 * same schema): the reverse steps to hand the engine, and the requests to resolve into its people (each person keeps
 * its request object, by which the undo finds the user's record). No row of the CSV is due: no user is held back.
 */
export function undoFrom(results: readonly UserResult[]): { undo: Undo; requests: Request[] } {
  const text = JSON.stringify({ version: 2, mode: 'apply', run: { url: UNDONE_RUN, event: 'workflow_dispatch' }, users: results });
  const { record, errors } = parseUndoRecord('records/apply.json', text);
  if (!record) throw new Error(`not an undo record: ${errors.map((e) => e.message).join('; ')}`);
  const undo = createUndo(record);
  const { selected } = undo.select({ mode: 'due', selected: [], note: '' }, {});
  return { undo, requests: selected };
}
