// Corpus cases for ad-password and rename: hostile display names and formats, as data that changes only what it should.
import type { CorpusCase } from './corpus-cases.js';
import type { Fixture } from '../stack/fixture.js';

const FORMAT = 'zz {displayName} (left {effectiveDate})';
/** LDAP filter and DN syntax, markup, a mention, a shell substitution and a placeholder, in one display name. */
const HOSTILE_NAME = 'Eve <b>x</b> *)(|(cn=*)) \\2a {effectiveDate} $(whoami) @team #12';
const LONG_NAME = 'Maximiliane Alexandrina Konstantinopoulou-Wittelsbach';
/**
 * AD alone: rename of a synced user writes AD, and Entra configured would ask for User.ReadWrite.All (for cloud-only
 * users), which the stack's app does not hold.
 */
const AD_ONLY = { 'tenant-id': '', 'client-id': '', certificate: '' };

/** The people the cases aim at, added to the base fixture (variant `adsteps`). */
export function addAdStepsPeople(fixture: Fixture): void {
  const hybrid = (key: string, displayName: string): Fixture['people'][number] => ({
    key,
    sam: key,
    givenName: displayName.split(' ')[0],
    surname: 'Leaver',
    displayName,
    userPrincipalName: `${key}@contoso.test`,
    mail: `${key}@contoso.test`,
    manager: 'cfo',
    cloud: {},
  });
  fixture.people.push(hybrid('hostile', HOSTILE_NAME), hybrid('longname', LONG_NAME));
}

export const ADSTEPS_CASES: CorpusCase[] = [
  {
    name: 'a display name with LDAP, markup and placeholder characters is renamed as data, once, and the password reset',
    fixture: 'adsteps',
    csv: 'sAMAccountName\nhostile\n',
    inputs: { ...AD_ONLY, steps: 'ad-password, rename', 'display-name-format': FORMAT },
    exitCode: 0,
    users: [{ line: 2, status: 'done', steps: ['done', 'done'] }],
    effects: [{ renamed: 'hostile', displayName: `zz ${HOSTILE_NAME} (left {runDate})` }],
  },
  {
    name: 'a plan of ad-password and rename for a hostile display name changes nothing and sends no password',
    fixture: 'adsteps',
    csv: 'sAMAccountName\nhostile\n',
    inputs: { ...AD_ONLY, mode: 'plan', steps: 'ad-password, rename', 'display-name-format': FORMAT },
    exitCode: 0,
    users: [{ line: 2, status: 'planned', steps: ['planned', 'planned'] }],
  },
  {
    name: 'a format that makes a name longer than 256 characters fails the user and changes nothing',
    fixture: 'adsteps',
    csv: 'sAMAccountName\nlongname\n',
    inputs: { ...AD_ONLY, steps: 'rename', 'display-name-format': `${'Former employee of Contoso, '.repeat(8)}{displayName}` },
    exitCode: 1,
    users: [{ line: 2, status: 'failed', steps: ['failed'] }],
  },
  {
    name: 'a format with an unknown placeholder stops the run before anything is looked up',
    csv: 'sAMAccountName\njdoe\n',
    inputs: { steps: 'rename', 'display-name-format': 'zz {displayName} {manager}' },
    exitCode: 1,
    runError: 'unknown placeholder {manager}',
  },
];
