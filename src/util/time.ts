// Instants and calendar days as the action writes them, through luxon.
import { DateTime } from 'luxon';

/** An instant in UTC as ISO 8601, milliseconds only when there are any: 2026-03-04T16:00:00Z. */
export function toIso(instant: Date | number | DateTime): string {
  const at = instant instanceof DateTime ? instant : DateTime.fromMillis(+instant, { zone: 'utc' });
  return at.toUTC().toISO({ suppressMilliseconds: true }) ?? invalid(instant);
}

/** The calendar day an instant falls on in a time zone, as YYYY-MM-DD. */
export function dayIn(instant: Date, timeZone: string): string {
  return DateTime.fromJSDate(instant, { zone: timeZone }).toISODate() ?? invalid(instant);
}

function invalid(instant: unknown): never {
  throw new RangeError(`Not a valid instant: ${String(instant)}`);
}
