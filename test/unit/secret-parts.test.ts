// What of a secret is masked: the value, and each line of key material in a multi-line one.
import { describe, expect, it } from 'vitest';
import { keyMaterialParts, secretParts } from '../../src/util/secret-parts.js';

describe('secretParts', () => {
  it('is the value alone for a one-line secret', () => {
    expect(secretParts('hunter2-and-more')).toEqual(['hunter2-and-more']);
  });

  it('adds each line of a PEM key but not its armour', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n';
    expect(secretParts(pem)).toEqual([pem, 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', 'BKcwggSjAgEAAoIBAQC7']);
  });
});

describe('keyMaterialParts', () => {
  const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n';
  const pfx = 'MIIK'.repeat(40);

  it('adds to the key and its lines the key on one line, and the PFX whole and wrapped at 64 and 76', () => {
    const parts = keyMaterialParts(pem, pfx);
    expect(parts.slice(0, 3)).toEqual(secretParts(pem));
    expect(parts).toContain('MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7');
    expect(parts).toContain(pfx);
    expect(parts).toContain(pfx.slice(0, 64));
    expect(parts).toContain(pfx.slice(64, 128));
    expect(parts).toContain(pfx.slice(0, 76));
    expect(parts).toContain(pfx.slice(152));
  });

  it('leaves out wrapped pieces too short to be key material', () => {
    expect(keyMaterialParts(pem, `${'A'.repeat(64)}xyz`)).not.toContain('xyz');
  });
});
