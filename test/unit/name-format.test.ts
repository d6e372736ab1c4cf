// The display-name-format template: its input checks, the one-pass substitution and the original name inside a made one.
import { describe, expect, it } from 'vitest';
import { parseInputs } from '../../src/inputs.js';
import { formatProblems, originalName, renderName } from '../../src/util/name-format.js';

const FORMAT = 'zz {displayName} (left {effectiveDate})';

describe('display-name-format', () => {
  it('makes the name from the display name and the date', () => {
    expect(renderName(FORMAT, { displayName: "Seán O'Brien", effectiveDate: '2026-11-20' })).toBe("zz Seán O'Brien (left 2026-11-20)");
  });

  it('substitutes in one pass: a display name holding a placeholder keeps it as text', () => {
    expect(renderName(FORMAT, { displayName: 'Eve {effectiveDate} {displayName}', effectiveDate: '2026-11-20' })).toBe(
      'zz Eve {effectiveDate} {displayName} (left 2026-11-20)',
    );
  });

  it('finds the original name inside a name the format made, whatever its date', () => {
    expect(originalName(FORMAT, 'zz Smith, John (left 2025-01-31)')).toBe('Smith, John');
  });

  it('takes a name without the shape as the original name', () => {
    expect(originalName(FORMAT, 'zz Smith, John (left soon)')).toBe('zz Smith, John (left soon)');
    expect(originalName(FORMAT, 'Smith, John')).toBe('Smith, John');
  });

  it('reads regular-expression characters of the format as text', () => {
    const format = '[x] {displayName} (.*) {effectiveDate}$';
    expect(originalName(format, '[x] A.B (.*) 2026-11-20$')).toBe('A.B');
    expect(originalName(format, 'x] A.B (.*) 2026-11-20$')).toBe('x] A.B (.*) 2026-11-20$');
  });

  it('requires a name that repeats {displayName} to repeat the same name', () => {
    const format = '{displayName} / {displayName} (left)';
    expect(originalName(format, 'Ann / Ann (left)')).toBe('Ann');
    expect(originalName(format, 'Ann / Bob (left)')).toBe('Ann / Bob (left)');
  });

  it('accepts a usable format', () => {
    expect(formatProblems(FORMAT)).toEqual([]);
    expect(formatProblems('Former employee {effectiveDate}')).toEqual([]);
  });

  it('refuses an unknown placeholder, naming the known ones', () => {
    expect(formatProblems('zz {displayname} {manager}')).toEqual([
      'unknown placeholder {displayname}: the placeholders are {displayName}, {effectiveDate}',
      'unknown placeholder {manager}: the placeholders are {displayName}, {effectiveDate}',
    ]);
  });

  it('refuses a format that adds nothing to the name, so no result is empty or the old name', () => {
    expect(formatProblems('{displayName}')).toEqual(['makes no new name: it needs text or {effectiveDate} besides {displayName}']);
    expect(formatProblems(' {displayName}  ')).toEqual(['makes no new name: it needs text or {effectiveDate} besides {displayName}']);
  });

  it('refuses a format whose names pass 256 characters even for an empty display name', () => {
    expect(formatProblems(`${'x'.repeat(247)} {effectiveDate}`)).toEqual([
      'makes names of 258 characters or more; a display name has at most 256',
    ]);
  });

  it('is an input error in the action, and so is rename without it', () => {
    const base = { 'ldap-url': '', steps: 'ad-disable, rename' };
    expect(parseInputs({ ...base, 'display-name-format': 'zz {name}' }).errors).toEqual([
      'Input "display-name-format": unknown placeholder {name}: the placeholders are {displayName}, {effectiveDate}',
    ]);
    expect(parseInputs(base).errors).toEqual([
      'Input "display-name-format": is empty but steps include rename, which makes the new display name from it',
    ]);
    expect(parseInputs({ ...base, 'display-name-format': FORMAT }).inputs?.displayNameFormat).toBe(FORMAT);
  });
});
