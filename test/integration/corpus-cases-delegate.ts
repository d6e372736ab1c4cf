// Corpus cases for the delegate: strict candidates (members, enabled in both directories, found through the link),
// overrides of the directory manager flagged, the requested delegate always shown, and csv-delegate: refuse.
import { escapeCell } from '../../src/report/summary.js';
import type { Fixture } from '../stack/fixture.js';
import type { CorpusCase } from './corpus-cases.js';

const HYBRID_DONE = ['done', 'skipped', 'done', 'done', 'done'] as const;
const HYBRID_PLANNED = ['planned', 'skipped', 'planned', 'planned', 'planned'] as const;

const GUEST_MAIL = 'pat@fabrikam.test';
const GUEST_UPN = 'pat_fabrikam.test#EXT#@contoso.onmicrosoft.com';

/** The people the delegate cases aim at, added to the base tenant by the `delegates` fixture variant. */
export function addDelegatePeople(fixture: Fixture): void {
  fixture.people.push(
    // A B2B guest: invited from another organisation, no mailbox, no OneDrive.
    {
      key: 'guestpat',
      givenName: 'Pat',
      surname: 'Guest',
      displayName: 'Pat Guest (Fabrikam)',
      userPrincipalName: GUEST_UPN,
      mail: GUEST_MAIL,
      cloud: { synced: false, userType: 'Guest', mailbox: null, onedrive: false },
    },
    // A manager whose on-premises UPN (a suffix that is not routable) differs from her cloud UPN.
    {
      key: 'rsato',
      sam: 'rsato',
      givenName: 'Rhea',
      surname: 'Satō',
      displayName: 'Rhea Satō',
      userPrincipalName: 'rsato@corp.contoso.test',
      mail: 'rhea.sato@contoso.test',
      employeeId: 'E4001',
      manager: 'ceo',
      cloud: { userPrincipalName: 'rhea.sato@contoso.test' },
    },
    { key: 'tkato', sam: 'tkato', givenName: 'Taro', surname: 'Katō', displayName: 'Taro Katō', userPrincipalName: 'tkato@contoso.test', mail: 'tkato@contoso.test', employeeId: 'E4002', manager: 'rsato', cloud: {} },
    // A manager enabled in AD whose cloud account was disabled in Entra ID.
    { key: 'mdis', sam: 'mdis', givenName: 'Mika', surname: 'Dis', displayName: 'Mika Dis', userPrincipalName: 'mdis@contoso.test', mail: 'mdis@contoso.test', employeeId: 'E4003', manager: 'cfo', cloud: { accountEnabled: false } },
    { key: 'pnorth', sam: 'pnorth', givenName: 'Paul', surname: 'North', displayName: 'Paul North', userPrincipalName: 'pnorth@contoso.test', mail: 'pnorth@contoso.test', employeeId: 'E4004', manager: 'mdis', cloud: {} },
    // Disabled in AD, still enabled in Entra ID until the next sync.
    { key: 'lagging', sam: 'lagging', givenName: 'Lea', surname: 'Gging', displayName: 'Lea Gging', userPrincipalName: 'lagging@contoso.test', mail: 'lagging@contoso.test', employeeId: 'E4005', manager: 'cfo', userAccountControl: 514, cloud: { accountEnabled: true } },
  );
}

export const DELEGATE_CASES: CorpusCase[] = [
  {
    name: 'a guest in the delegate column is refused and the AD manager receives the access',
    fixture: 'delegates',
    csv: `userPrincipalName,delegate\njdoe@contoso.test,${GUEST_MAIL}\n`,
    exitCode: 0,
    users: [
      {
        line: 2,
        status: 'done',
        steps: [...HYBRID_DONE],
        delegate: {
          userPrincipalName: 'salesvp@contoso.test',
          source: 'ad-manager',
          notes: [`csv: ${GUEST_MAIL} is a guest`],
          review: { requested: GUEST_MAIL, requestedIssue: 'is a guest', manager: { userPrincipalName: 'salesvp@contoso.test', source: 'ad-manager' } },
        },
      },
    ],
    effects: [{ offboarded: 'jdoe', delegate: 'salesvp@contoso.test' }],
    warnings: [{ line: 2, message: `is not used: csv: ${GUEST_MAIL} is a guest — using ad-manager: salesvp@contoso.test` }],
    summaryShows: [escapeCell(`csv: ${GUEST_MAIL} is a guest — using ad-manager: salesvp@contoso.test`)],
  },
  {
    name: 'a delegate who differs from the manager is flagged at its row and the plan shows both',
    csv: 'userPrincipalName,delegate\njdoe@contoso.test,cfo@contoso.test\n',
    inputs: { mode: 'plan' },
    exitCode: 0,
    users: [
      {
        line: 2,
        status: 'planned',
        steps: [...HYBRID_PLANNED],
        delegate: {
          userPrincipalName: 'cfo@contoso.test',
          source: 'csv',
          review: { requested: 'cfo@contoso.test', manager: { userPrincipalName: 'salesvp@contoso.test', source: 'ad-manager' }, override: true },
        },
      },
    ],
    warnings: [{ line: 2, message: 'Delegate override: csv: cfo@contoso.test (manager: salesvp@contoso.test)' }],
    summaryShows: [escapeCell('csv: cfo@contoso.test (manager: salesvp@contoso.test)')],
  },
  {
    name: 'a requested delegate who does not exist is shown as requested beside the manager who is used',
    csv: 'userPrincipalName,delegate\njdoe@contoso.test,ghost@contoso.test\n',
    exitCode: 0,
    users: [
      {
        line: 2,
        status: 'done',
        steps: [...HYBRID_DONE],
        delegate: {
          userPrincipalName: 'salesvp@contoso.test',
          source: 'ad-manager',
          notes: ['csv: delegate ghost@contoso.test not found'],
          review: { requested: 'ghost@contoso.test', requestedIssue: 'not found', manager: { userPrincipalName: 'salesvp@contoso.test', source: 'ad-manager' } },
        },
      },
    ],
    effects: [{ offboarded: 'jdoe', delegate: 'salesvp@contoso.test' }],
    warnings: [{ line: 2, message: 'is not used: csv: ghost@contoso.test not found — using ad-manager: salesvp@contoso.test' }],
    summaryShows: [escapeCell('csv: ghost@contoso.test not found — using ad-manager: salesvp@contoso.test')],
  },
  {
    name: 'an AD manager whose on-premises UPN differs from the cloud UPN receives the grants under the cloud UPN',
    fixture: 'delegates',
    csv: 'userPrincipalName\ntkato@contoso.test\n',
    exitCode: 0,
    users: [{ line: 2, status: 'done', steps: [...HYBRID_DONE], delegate: { userPrincipalName: 'rhea.sato@contoso.test', source: 'ad-manager', review: {} } }],
    effects: [{ offboarded: 'tkato', delegate: 'rhea.sato@contoso.test' }],
  },
  {
    name: 'a manager enabled in AD but disabled in Entra ID is passed over for their own manager',
    fixture: 'delegates',
    csv: 'userPrincipalName\npnorth@contoso.test\n',
    exitCode: 0,
    users: [
      {
        line: 2,
        status: 'done',
        steps: [...HYBRID_DONE],
        delegate: { userPrincipalName: 'cfo@contoso.test', source: 'ad-manager', notes: ['ad-manager: mdis@contoso.test is disabled in Entra ID'], review: {} },
      },
    ],
    effects: [{ offboarded: 'pnorth', delegate: 'cfo@contoso.test' }],
  },
  {
    name: 'a requested delegate disabled in AD but not yet in Entra ID is passed over for their own manager, flagged',
    fixture: 'delegates',
    csv: 'userPrincipalName,delegate\njdoe@contoso.test,lagging@contoso.test\n',
    exitCode: 0,
    users: [
      {
        line: 2,
        status: 'done',
        steps: [...HYBRID_DONE],
        delegate: {
          userPrincipalName: 'cfo@contoso.test',
          source: 'csv',
          notes: ['csv: lagging@contoso.test is disabled in AD'],
          review: {
            requested: 'lagging@contoso.test',
            requestedIssue: 'is disabled in AD',
            manager: { userPrincipalName: 'salesvp@contoso.test', source: 'ad-manager' },
            override: true,
          },
        },
      },
    ],
    effects: [{ offboarded: 'jdoe', delegate: 'cfo@contoso.test' }],
    warnings: [{ line: 2, message: 'Delegate override: csv: lagging@contoso.test is disabled in AD — using csv: cfo@contoso.test (manager: salesvp@contoso.test)' }],
    summaryShows: [escapeCell('csv: lagging@contoso.test is disabled in AD — using csv: cfo@contoso.test (manager: salesvp@contoso.test)')],
  },
  {
    name: 'with csv-delegate refuse, a filled delegate column is an input error and nothing changes',
    csv: 'userPrincipalName,delegate\njdoe@contoso.test,cfo@contoso.test\nsean.obrien@contoso.test,\n',
    inputs: { 'csv-delegate': 'refuse' },
    exitCode: 1,
    inputErrors: [{ line: 2, message: 'delegate "cfo@contoso.test": csv-delegate is refuse' }],
  },
  {
    name: 'with csv-delegate refuse, a delegate typed into the users input is an input error and nothing changes',
    usersInput: 'jdoe@contoso.test, , cfo@contoso.test',
    inputs: { 'csv-delegate': 'refuse' },
    exitCode: 1,
    inputErrors: [{ line: 1, message: 'delegate "cfo@contoso.test": csv-delegate is refuse' }],
  },
];
