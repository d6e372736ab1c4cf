// The ad-password step: resets the AD password to a random one that nobody knows, so a re-enabled account has no known password.
import { randomInt } from 'node:crypto';
import { defineStep } from './define.js';
import { readBackAdUser } from './read-back.js';

const LENGTH = 32;
// No quote, apostrophe, backslash or backtick: nothing a tool that later handles the account could misread.
const CLASSES = ['ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz', '0123456789', '!#$%&()*+,-./:;<=>?@[]^_{|}~'];
const ALPHABET = CLASSES.join('');

/**
 * The parts of the account that AD's complexity rule forbids inside a password: the sAMAccountName, and each token of
 * the display name of three characters or more, split at the characters the rule names
 * (https://learn.microsoft.com/en-us/previous-versions/windows/it-pro/windows-10/security/threat-protection/security-policy-settings/password-must-meet-complexity-requirements).
 */
function forbiddenParts(samAccountName: string, displayName: string | undefined): string[] {
  const tokens = (displayName ?? '').split(/[,.\-_#\t ]+/);
  return [samAccountName, ...tokens].filter((part) => part.length >= 3).map((part) => part.toLowerCase());
}

/**
 * 32 characters from a CSPRNG with at least one of each of the four classes, so that any complexity policy and any
 * minimum length up to 32 accept it.
 */
function randomPassword(forbidden: readonly string[]): string {
  for (;;) {
    const chars = CLASSES.map((chars) => chars[randomInt(chars.length)]);
    while (chars.length < LENGTH) chars.push(ALPHABET[randomInt(ALPHABET.length)]);
    for (let i = chars.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [chars[i], chars[j]] = [chars[j], chars[i]];
    }
    const password = chars.join('');
    if (!forbidden.some((part) => password.toLowerCase().includes(part))) return password;
  }
}

/** pwdLastSet as a number that keeps its 100 ns precision; absent or unreadable is 0, "never set". */
const filetime = (value: string | undefined): bigint => (value && /^\d+$/.test(value) ? BigInt(value) : 0n);

export const adPassword = defineStep({
  name: 'ad-password',
  description:
    'resets the AD password (`unicodePwd`, over TLS only) to a random one of 32 characters that is never recorded or shown; ' +
    'set again on every run that selects the user',
  byDefault: false,
  needs: ['ad'],
  permissions: {
    ad: 'the "Reset Password" extended right on user objects',
    adRights: ['Reset Password'],
    reads: {},
    notes: 'AD: replace unicodePwd on the user objects, which AD allows with the Reset Password control access right (not a property write).',
  },
  reversible: false,
  async observe({ person, connectors, shared }) {
    const user = person.ad;
    const ad = connectors.ad;
    // No state tells a random password apart from one somebody knows: each run that selects the leaver sets a new one,
    // also on an account disabled already, which is the account this step is for (it may be enabled again later).
    const before = { pwdLastSet: user.pwdLastSet ?? null };
    return {
      kind: 'change',
      before,
      after: { password: 'random, 32 characters, not recorded' },
      reason: `a random password of ${LENGTH} characters, never recorded or shown`,
      // Made only here, in apply mode, and kept by no one: the closure ends with the write.
      apply: () => ad.setPassword(user.dn, randomPassword(forbiddenParts(user.samAccountName, user.displayName))),
      async verify() {
        // AD sets pwdLastSet to the time of every password reset.
        const read = (await readBackAdUser(shared, ad, user.dn))?.pwdLastSet;
        if (filetime(read) > filetime(user.pwdLastSet)) return { ok: true };
        return { ok: false, expected: `pwdLastSet later than ${before.pwdLastSet ?? 'never'}`, read: `pwdLastSet ${read ?? 'absent'}` };
      },
    };
  },
});
