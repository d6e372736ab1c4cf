// Reads the `effective` column strictly: a calendar date in the run's time zone, or an instant with its offset.
import { DateTime, FixedOffsetZone, IANAZone } from 'luxon';
import { toIso } from '../util/time.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Hours 00–23 only: ISO's 24:00 is legal but reads as the next day, which is never what a termination list means.
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.(\d{1,9}))?)?(?:(Z)|([+-])([01]\d|2[0-3]):?([0-5]\d))$/i;
const DATE_TIME_WITHOUT_OFFSET = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/i;

const EFFECTIVE_FORMATS =
  'YYYY-MM-DD (midnight in the time-zone input) or an ISO 8601 date-time with Z or an offset ' +
  '(2026-03-04T17:00:00Z, 2026-03-04T17:00:00+01:00)';

/** Whether a name is an IANA zone (fixed offsets such as "+01:00" are not). */
export function isIanaZone(name: string): boolean {
  return /^[A-Za-z]/.test(name) && IANAZone.isValidZone(name);
}

const invalid = (value: string): { error: string } => ({
  error: `"${value}" is not a valid effective date: use ${EFFECTIVE_FORMATS}`,
});

// Midnight in a zone needs the zone's rules (luxon, slow per call); a file repeats few dates, so each is computed once.
const midnightCache = new Map<string, string>();

/**
 * Parses an `effective` value into an ISO 8601 instant in UTC. A bare date is 00:00 of that day in `timeZone`;
 * where that midnight does not exist (a zone that moves its clocks at 00:00) it is the first instant of the day.
 */
export function parseEffective(value: string, timeZone: string): { iso: string } | { error: string } {
  const date = DATE.exec(value);
  if (date) {
    const key = `${timeZone}\u0000${value}`;
    let iso = midnightCache.get(key);
    if (iso === undefined) {
      const [year, month, day] = date.slice(1, 4).map(Number);
      // Invalid for a day that does not exist (2026-02-30) as well as for an unknown zone.
      const midnight = DateTime.fromObject({ year, month, day }, { zone: timeZone });
      if (!midnight.isValid) return invalid(value);
      iso = toIso(midnight);
      midnightCache.set(key, iso);
    }
    return { iso };
  }
  const dateTime = DATE_TIME.exec(value);
  if (dateTime) {
    const [year, month, day, hour, minute, second] = dateTime.slice(1, 7).map((part) => Number(part ?? 0));
    const millisecond = Math.floor(Number(`0.${dateTime[7] ?? '0'}`) * 1000);
    const offsetMinutes = dateTime[8] ? 0 : (dateTime[9] === '-' ? -1 : 1) * (Number(dateTime[10]) * 60 + Number(dateTime[11]));
    const instant = DateTime.fromObject(
      { year, month, day, hour, minute, second, millisecond },
      { zone: FixedOffsetZone.instance(offsetMinutes) },
    );
    return instant.isValid ? { iso: toIso(instant) } : invalid(value);
  }
  if (DATE_TIME_WITHOUT_OFFSET.test(value)) {
    return {
      error:
        `"${value}" has a time but no time zone, so the instant is ambiguous: ` +
        `add Z or an offset (${value.replace(' ', 'T')}Z), or give only the date`,
    };
  }
  return invalid(value);
}
