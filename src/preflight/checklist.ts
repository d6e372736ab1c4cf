// What opening the connectors builds up: the connectors, the preflight checklist, and how to close them again.
import type { Connectors } from '../connectors/types.js';
import type { PreflightLine } from '../model.js';

export interface Opening {
  connectors: Connectors;
  preflight: PreflightLine[];
  closers: (() => Promise<void>)[];
}

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
