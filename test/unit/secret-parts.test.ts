// What of a secret is masked: the value, and each line of key material in a multi-line one.
import { describe, expect, it } from 'vitest';
import { secretParts } from '../../src/util/secret-parts.js';

describe('secretParts', () => {
  it('is the value alone for a one-line secret', () => {
    expect(secretParts('hunter2-and-more')).toEqual(['hunter2-and-more']);
  });

  it('adds each line of a PEM key but not its armour', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n';
    expect(secretParts(pem)).toEqual([pem, 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', 'BKcwggSjAgEAAoIBAQC7']);
  });
});
