// How instants and calendar days are written: one format for the whole action.
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { dayIn, toIso } from '../../src/util/time.js';

describe('toIso', () => {
  it('writes a whole-second instant in UTC without milliseconds', () => {
    expect(toIso(new Date('2026-03-04T17:00:00+01:00'))).toBe('2026-03-04T16:00:00Z');
  });

  it('keeps the milliseconds when there are any', () => {
    expect(toIso(Date.UTC(2026, 10, 25, 10, 0, 41, 7))).toBe('2026-11-25T10:00:41.007Z');
  });

  it('writes a luxon instant of another zone in UTC', () => {
    expect(toIso(DateTime.fromISO('2026-03-29T00:00:00', { zone: 'Europe/Berlin' }))).toBe('2026-03-28T23:00:00Z');
  });
});

describe('dayIn', () => {
  it('gives the day in the time zone, which can be the next day in UTC terms', () => {
    const lateEvening = new Date('2026-11-25T23:30:00Z');
    expect(dayIn(lateEvening, 'UTC')).toBe('2026-11-25');
    expect(dayIn(lateEvening, 'Europe/Berlin')).toBe('2026-11-26');
    expect(dayIn(lateEvening, 'America/New_York')).toBe('2026-11-25');
  });
});
