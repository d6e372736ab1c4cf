// Every contract case, and which call signatures they cover.
import { EXCHANGE_CASES } from './exchange.js';
import { EXCHANGE_GROUP_CASES } from './exchange-groups.js';
import { GRAPH_CASES } from './graph.js';
import { GRAPH_LEAVER_CASES } from './graph-leaver.js';
import { TOKEN_CASES } from './identity.js';
import { SHAREPOINT_CASES } from './sharepoint.js';
import type { ContractCase } from './types.js';

export const CONTRACT_CASES: readonly ContractCase[] = [
  ...TOKEN_CASES,
  ...GRAPH_CASES,
  ...GRAPH_LEAVER_CASES,
  ...EXCHANGE_CASES,
  ...EXCHANGE_GROUP_CASES,
  ...SHAREPOINT_CASES,
];

/** The signatures no case covers, sorted. */
export function uncovered(signatures: Iterable<string>, cases: readonly ContractCase[] = CONTRACT_CASES): string[] {
  const covered = new Set(cases.flatMap((c) => c.covers));
  return [...new Set(signatures)].filter((s) => !covered.has(s)).sort();
}

export type { ContractCase } from './types.js';
