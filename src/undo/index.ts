// Undo (`undo-from`): the earlier run's record turned into the selection, the steps and the guards of this run.
import type { InputError, Person, Request, StepName } from '../model.js';
import type { ResultsDocument } from '../report/results.js';
import type { Selection } from '../sources/select.js';
import type { Step } from '../steps/types.js';
import { replacedAccount, stillRequestedBy, undoRequest } from './people.js';
import { readUndoRecord, type UndoRecord, type UndoneUser } from './record.js';
import { undoOrder, undoSteps, type RecordsByRequest } from './steps.js';

export interface Undo {
  /** The steps done in the earlier run, in the contract's order: what the run reports, checks and opens. */
  stepNames: StepName[];
  /** The same steps turned into reverses, in the order they are undone. */
  steps: Step[];
  /**
   * The run's selection: the record's users instead of the rows; the rows selected as `due` (the nightly run's choice)
   * are kept to block the users they still request. Writes what is undone into the results document.
   */
  select(due: Selection, document: Pick<ResultsDocument, 'undoOf'>): Selection;
  /** The people with the undo's own guards: another account than the record's, or a row that still requests them. */
  guard(people: Person[]): Person[];
  /** The earlier run's record of the user a request of this undo names (what the preflight checks the rights for). */
  recordOf(request: Request): UndoneUser | undefined;
}

export function createUndo(record: UndoRecord): Undo {
  // Each undone user's record, by the request the undo made for them: the steps and the preflight read it.
  const records: RecordsByRequest = new WeakMap();
  const requests = record.users.map((user) => {
    const request = undoRequest(user);
    records.set(request, user);
    return request;
  });
  const order = undoOrder(record.users);
  let due: readonly Request[] = [];
  return {
    stepNames: [...order].sort((a, b) => order.indexOf(b) - order.indexOf(a)),
    steps: undoSteps(order, records, record.undoOf),
    select(selection, document) {
      due = selection.selected;
      document.undoOf = record.undoOf;
      return { mode: selection.mode, selected: requests, note: `undo of run ${record.undoOf.run}: ${requests.length} user(s) of ${record.file}` };
    },
    guard: (people) => people.map((person) => guardPerson(person, records.get(person.request), due)),
    recordOf: (request) => records.get(request),
  };
}

function guardPerson(person: Person, user: UndoneUser | undefined, due: readonly Request[]): Person {
  if (person.stop || !user) return person;
  const replaced = replacedAccount(person, user);
  if (replaced) return { ...person, stop: { status: 'failed', code: 'identity-mismatch', reason: replaced } };
  const row = stillRequestedBy(person, user, due);
  if (!row) return person;
  const reason = `${row.source.file}:${row.source.line} still selects this user as due: remove or re-date the row first, or the next scheduled run offboards them again`;
  return { ...person, stop: { status: 'blocked', code: 'still-requested', reason } };
}

/** Reads the undo-from file; its problems join the run's input errors, which stop the run before anything changes. */
export async function readUndo(workspace: string, file: string, errors: InputError[]): Promise<Undo | undefined> {
  const read = await readUndoRecord(workspace, file);
  errors.push(...read.errors);
  return read.record ? createUndo(read.record) : undefined;
}
