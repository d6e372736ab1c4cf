// How auth-methods names phone numbers and mail addresses in the record: enough to recognise, not the personal data.
import { describe, expect, it } from 'vitest';
import { maskMail, maskPhone } from '../../src/steps/auth-methods.js';

describe('maskPhone', () => {
  it.each([
    ['+1 2065550142', '+1 ••••••••42'],
    ['+44 7700900123', '+44 ••••••••23'],
    ['2065550142', '••••••••42'],
    ['+1', '1'],
    ['', ''],
  ])('%s → %s', (number, shown) => {
    expect(maskPhone(number)).toBe(shown);
  });
});

describe('maskMail', () => {
  it.each([
    ['lea.private@example.net', 'l•••@example.net'],
    ['a@b', 'a•••@b'],
    ['@example.net', '•••'],
    ['no-at-sign', '•••'],
  ])('%s → %s', (address, shown) => {
    expect(maskMail(address)).toBe(shown);
  });
});
