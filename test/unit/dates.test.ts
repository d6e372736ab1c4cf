// The `effective` column: strict formats, midnight in the run's time zone across daylight-saving changes.
import { describe, expect, it } from 'vitest';
import { parseEffective } from '../../src/sources/dates.js';

describe('parseEffective', () => {
  it('reads a date as midnight in Europe/Berlin on the day clocks go forward (still UTC+1 at midnight)', () => {
    expect(parseEffective('2026-03-29', 'Europe/Berlin')).toEqual({ iso: '2026-03-28T23:00:00Z' });
  });

  it('reads the day after the Berlin change as midnight at UTC+2', () => {
    expect(parseEffective('2026-03-30', 'Europe/Berlin')).toEqual({ iso: '2026-03-29T22:00:00Z' });
  });

  it('reads a date as midnight in America/New_York on both sides of its 2026 change', () => {
    expect(parseEffective('2026-03-08', 'America/New_York')).toEqual({ iso: '2026-03-08T05:00:00Z' });
    expect(parseEffective('2026-03-09', 'America/New_York')).toEqual({ iso: '2026-03-09T04:00:00Z' });
  });

  it('takes the first instant of a day whose midnight does not exist (Santiago moves clocks at 00:00)', () => {
    expect(parseEffective('2026-09-06', 'America/Santiago')).toEqual({ iso: '2026-09-06T04:00:00Z' });
  });

  it('reads a date in UTC when the time zone is UTC', () => {
    expect(parseEffective('2026-11-25', 'UTC')).toEqual({ iso: '2026-11-25T00:00:00Z' });
  });

  it('converts a date-time with an offset to UTC', () => {
    expect(parseEffective('2026-03-04T17:00:00+01:00', 'America/New_York')).toEqual({ iso: '2026-03-04T16:00:00Z' });
  });

  it('keeps a date-time given in UTC with Z', () => {
    expect(parseEffective('2026-03-04T17:30Z', 'Europe/Berlin')).toEqual({ iso: '2026-03-04T17:30:00Z' });
  });

  it('rejects a date-time without an offset as ambiguous', () => {
    const result = parseEffective('2026-03-04T17:00:00', 'UTC');
    expect(result).toEqual({ error: expect.stringContaining('no time zone') });
    expect(result).toEqual({ error: expect.stringContaining('"2026-03-04T17:00:00"') });
  });

  it('rejects 03/04/2026 quoting the value and showing the accepted formats', () => {
    const result = parseEffective('03/04/2026', 'UTC');
    expect(result).toEqual({ error: expect.stringContaining('"03/04/2026"') });
    expect(result).toEqual({ error: expect.stringContaining('YYYY-MM-DD') });
    expect(result).toEqual({ error: expect.stringContaining('ISO 8601 date-time with Z or an offset') });
  });

  it.each(['2026-13-01', '2026-02-30', 'tomorrow', '2026-3-4', '2026-03-04T24:00:00Z', '20260304', '2026-03-04 17:00'])(
    'rejects %s',
    (value) => {
      expect(parseEffective(value, 'UTC')).toEqual({ error: expect.stringContaining(`"${value}"`) });
    },
  );
});
