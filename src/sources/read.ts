// Reads the run's requests (the `users` input or the CSV files) and the roster, collecting every input error.
import pLimit from 'p-limit';
import type { Inputs } from '../inputs-types.js';
import type { InputError, Request, RosterEntry } from '../model.js';
import { findCsvFiles, printablePath, readWorkspaceFile } from './files.js';
import { loadRequests, parseUsersInput } from './requests.js';
import { loadRoster } from './roster.js';

export interface Sources {
  requests: Request[];
  roster: RosterEntry[];
  errors: InputError[];
  notices: string[];
  fromUsersInput: boolean;
  /** The rows' identity and delegate values, for `summary: redacted`. */
  identities: string[];
}

/** CSV files read at once: a glob may match hundreds. */
const READ_CONCURRENCY = 8;

export async function readSources(inputs: Inputs, workspace: string): Promise<Sources> {
  const errors: InputError[] = [];
  const notices: string[] = [];
  let requests: Request[];
  const identities: string[] = [];
  const fromUsersInput = Boolean(inputs.users?.trim());
  if (fromUsersInput) {
    const result = parseUsersInput(inputs.users as string, inputs.timeZone, inputs.csvDelegate);
    requests = result.requests;
    errors.push(...result.errors);
    notices.push(...result.notices);
    identities.push(...(result.identities ?? []));
  } else {
    const files = await findCsvFiles(workspace, inputs.csv);
    if (files.length === 0) notices.push(`No CSV file matches ${inputs.csv}.`);
    const limit = pLimit(READ_CONCURRENCY);
    const read = await Promise.all(
      files.map((file) =>
        limit(async () => {
          try {
            return { path: file, text: await readWorkspaceFile(workspace, file) };
          } catch (error) {
            errors.push({ file: printablePath(file), message: `Cannot read the CSV file: ${(error as Error).message}` });
            return undefined;
          }
        }),
      ),
    );
    const texts = read.filter((file): file is { path: string; text: string } => file !== undefined);
    const result = loadRequests({ files: texts, timeZone: inputs.timeZone, csvDelegate: inputs.csvDelegate });
    requests = result.requests;
    errors.push(...result.errors);
    notices.push(...result.notices);
    identities.push(...(result.identities ?? []));
  }
  let roster: RosterEntry[] = [];
  if (inputs.roster) {
    try {
      const text = await readWorkspaceFile(workspace, inputs.roster);
      const result = loadRoster(inputs.roster, text);
      roster = result.roster;
      errors.push(...result.errors);
      notices.push(...result.notices);
    } catch (error) {
      errors.push({ file: printablePath(inputs.roster), message: `Cannot read the roster: ${(error as Error).message}` });
    }
  }
  return { requests, roster, errors, notices, fromUsersInput, identities };
}

