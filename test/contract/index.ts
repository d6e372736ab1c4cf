// Every contract case, and which call signatures they cover.
import { EXCHANGE_CASES } from './exchange.js';
import { GRAPH_CASES } from './graph.js';
import { TOKEN_CASES } from './identity.js';
import { SHAREPOINT_CASES } from './sharepoint.js';
import type { ContractCase } from './types.js';

export const CONTRACT_CASES: readonly ContractCase[] = [...TOKEN_CASES, ...GRAPH_CASES, ...EXCHANGE_CASES, ...SHAREPOINT_CASES];

/** The signatures no case covers, sorted. */
export function uncovered(signatures: Iterable<string>, cases: readonly ContractCase[] = CONTRACT_CASES): string[] {
  const covered = new Set(cases.flatMap((c) => c.covers));
  return [...new Set(signatures)].filter((s) => !covered.has(s)).sort();
}

export type { ContractCase } from './types.js';
