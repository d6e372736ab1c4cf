// Deterministic object ids and Microsoft-style timestamps, so that a fixture always yields the same tenant.
import { createHash, randomUUID } from 'node:crypto';

/** A GUID derived from its parts: the same fixture gives the same ids on every run. */
export function stableGuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest();
  h[6] = (h[6] & 0x0f) | 0x40;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export const newGuid = (): string => randomUUID();

/** Graph's innerError date: ISO 8601 without fractional seconds or zone letter. */
export function graphDate(d = new Date()): string {
  return d.toISOString().slice(0, 19);
}

/** Entra's error timestamp: `2026-11-25 10:00:41Z`. */
export function entraTimestamp(d = new Date()): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** ISO 8601 with whole seconds and Z, as Graph returns date-times. */
export function isoSeconds(d = new Date()): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}
