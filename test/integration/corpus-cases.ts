// The adversarial input corpus as data: each case's CSV (or users input) and the exact outcome the action must reach.
import { baseFixture, type Fixture } from '../stack/fixture.js';
import { withRoleHolders } from '../stack/fixture-roles.js';
import { ADSTEPS_CASES, addAdStepsPeople } from './corpus-cases-adsteps.js';
import { addDelegatePeople, DELEGATE_CASES } from './corpus-cases-delegate.js';
import { GRAPH_STEPS_CASES } from './corpus-cases-graphsteps.js';
import { addMailboxItemPeople, MAILBOX_ITEM_CASES, type MailboxItemsEffect } from './corpus-cases-exoa.js';
import { addMailSettingsPeople, EXOB_CASES } from './corpus-cases-exob.js';
import { addLinkPeople, LINK_CASES } from './corpus-cases-link.js';
import { addOwnersPeople, OWNERS_CASES, type OwnersEffect } from './corpus-cases-owners.js';
import { ROLE_CASES } from './corpus-cases-roles.js';
import { graphStepsFixture } from './graph-steps-fixture.js';

type StepStatus = 'planned' | 'done' | 'unchanged' | 'skipped' | 'failed' | 'blocked';
type DelegateSource = 'csv' | 'roster' | 'ad-manager' | 'entra-manager' | 'default' | 'none';

/** The tenant a case runs against: the base fixture or a variant that adds the people the case needs. */
export type FixtureVariant = 'base' | 'shell-names' | 'manager-cycle' | 'foreign-sid' | 'role-holders' | 'delegates' | 'link' | 'graph-steps' | 'mailbox-items' | 'adsteps' | 'mail-settings' | 'owners';

interface ExpectedUser {
  /** Line of the row in its file (or in the users input). */
  line: number;
  status: StepStatus;
  /** The guard or resolution code the user's reason starts with (`not-found`, `builtin-rid`, …). */
  code?: string;
  /** Every step's status, in the run's step order. */
  steps: StepStatus[];
  delegate?: {
    userPrincipalName?: string;
    source: DelegateSource;
    notes?: string[];
    /** The rest of the record when the row asked for a delegate: requested, requestedIssue, manager, override. */
    review?: Record<string, unknown>;
  };
  /** The request as recorded, for values that must arrive exactly as written (trimmed, collapsed). */
  request?: Record<string, string>;
}

/** A change the case expects on the servers, by fixture key; everything else must stay exactly as it was. */
export type Effect =
  /** What the run's steps do to a leaver: disable (AD bit or Entra), revoke, FullAccess and OneDrive admin for the delegate. */
  | { offboarded: string; delegate?: string }
  /** `ad-stamp`: the AD description, `Offboarded <date> by <run url> — <reason>`. */
  | { stamped: string; reason: string }
  /** `entra-groups`: the leaver is no longer a member of these groups (display names). */
  | { leftGroups: string; groups: string[] }

  /** mobile-wipe, inbox-rules, cancel-meetings: the leaver's devices wiped, rules removed, meetings cancelled. */
  | MailboxItemsEffect

  /** `rename` in AD: the new displayName, `{runDate}` standing for the run's date. */
  | { renamed: string; displayName: string }

  /** `mailbox-forward`: the leaver's mail forwarded to the delegate (UPN), a copy kept. */
  | { forwarded: string; to: string }
  /** `mailbox-autoreply`: the reply on for internal and all external senders with this message, as the step wrote it. */
  | { autoreplied: string; message: string }

  /** group-owners, auth-methods, rename of a cloud-only user. */
  | OwnersEffect;

export interface CorpusCase {
  name: string;
  /** Text of offboarding/leavers.csv. `{{id:key}}` is replaced by that person's Entra object id. */
  csv?: string;
  /** The users input instead of a CSV file. */
  usersInput?: string;
  /** Inputs on top of the stack's connection inputs (apply mode, select all). */
  inputs?: Record<string, string>;
  fixture?: FixtureVariant;
  /** Application permissions the offboarding app holds for this case instead of the README's base set. */
  roles?: string[];
  exitCode: 0 | 1;
  /** Input errors at file:line (message substrings): nothing is looked up, nothing changes. */
  inputErrors?: { line: number; message: string }[];
  /** The run stops before any change with this error (a substring). */
  runError?: string;
  users?: ExpectedUser[];
  effects?: Effect[];
  /** Substrings of Graph request paths (as sent) that show the value reached Graph as encoded data. */
  graphSees?: string[];
  /** Escaped text the job summary must show (the payload arrived, rendered inert). */
  summaryShows?: string[];
  /** Warning annotations at file:line (message substrings). */
  warnings?: { line: number; message: string }[];
}

export const DEFAULT_STEPS = ['ad-disable', 'entra-disable', 'entra-revoke', 'mailbox-access', 'onedrive-access'];

const all = (status: StepStatus, count = DEFAULT_STEPS.length): StepStatus[] => Array.from({ length: count }, () => status);
/** Every step blocked: a guard or a failed resolution stopped the user before anything ran. */
const STOPPED = all('blocked');
/** A hybrid leaver with a delegate: the Entra account follows AD, so entra-disable is skipped. */
const HYBRID_DONE: StepStatus[] = ['done', 'skipped', 'done', 'done', 'done'];
const HYBRID_NO_DELEGATE: StepStatus[] = ['done', 'skipped', 'done', 'skipped', 'skipped'];

const notFound = (line = 2): ExpectedUser => ({ line, status: 'failed', code: 'not-found', steps: STOPPED, delegate: { source: 'none' } });
const blocked = (code: string, line = 2): ExpectedUser => ({ line, status: 'blocked', code, steps: STOPPED });
const conflict = (line = 2): ExpectedUser => ({ line, status: 'failed', code: 'identity-conflict', steps: STOPPED });

/** Graph's encoding of a path segment (encodeURIComponent, plus the characters it leaves alone that OData reads). */
const segment = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
/** `$filter=<property> eq '<value>'` as the contract encodes it: quotes doubled, then encodeURIComponent. */
const filterSent = (property: string, value: string): string =>
  `$filter=${encodeURIComponent(`${property} eq '${value.replace(/'/g, "''")}'`)}`;

const UPN_PAYLOAD_DELEGATE = "x';Remove-Mailbox$(whoami)`#>@contoso.test";
const PS_REASON =
  "'; Remove-Mailbox -Identity ceo@contoso.test -Confirm:$false; ' $(Remove-Mailbox ceo) `whoami` @{Identity='ceo'} #> ‘single’ “double”";
const HTML_REASON = '<img src=x onerror=alert(1)> [click](javascript:alert(1)) | </table></td><script>alert(2)</script>';
const BIG = 'A'.repeat(100 * 1024);

/** The tenant of a variant: the base fixture plus the people its cases aim at. */
export function fixtureFor(variant: FixtureVariant = 'base'): Fixture {
  const fixture = baseFixture();
  switch (variant) {
    case 'base':
      break;
    case 'shell-names':
      // Names that break PowerShell quoting if they are ever pasted into script text.
      fixture.people.push(
        {
          key: 'psdelegate',
          givenName: 'Pat',
          surname: 'Shell',
          displayName: 'Pat Shell',
          userPrincipalName: UPN_PAYLOAD_DELEGATE,
          mail: 'pat.shell@contoso.test',
          employeeId: 'E7001',
          cloud: { synced: false },
        },
        {
          key: 'ohara',
          sam: 'ohara',
          givenName: 'Dana',
          surname: "O'Hara",
          displayName: "Dana O'Hara",
          userPrincipalName: "dana.o'hara@contoso.test",
          mail: "dana.o'hara@contoso.test",
          employeeId: 'E7002',
          manager: 'cfo',
          cloud: {},
        },
      );
      break;
    case 'manager-cycle':
      // Two people who manage each other, in AD and in Entra.
      fixture.people.push(
        { key: 'loopa', sam: 'loopa', givenName: 'Lou', surname: 'Pa', displayName: 'Lou Pa', userPrincipalName: 'loopa@contoso.test', mail: 'loopa@contoso.test', employeeId: 'E8001', manager: 'loopb', cloud: {} },
        { key: 'loopb', sam: 'loopb', givenName: 'Lou', surname: 'Pb', displayName: 'Lou Pb', userPrincipalName: 'loopb@contoso.test', mail: 'loopb@contoso.test', employeeId: 'E8002', manager: 'loopa', cloud: {} },
      );
      break;
    case 'foreign-sid': {
      // Jane Doe's Entra account claims to be synced from another AD account.
      const jdoe = fixture.people.find((p) => p.key === 'jdoe');
      if (!jdoe?.cloud) throw new Error('the base fixture has no hybrid jdoe');
      jdoe.cloud.sidOverride = 'S-1-5-21-1111111111-2222222222-3333333333-4444';
      break;
    }
    case 'role-holders':
      return withRoleHolders(fixture);
    case 'mailbox-items':
      addMailboxItemPeople(fixture);
      break;
    case 'delegates':
      addDelegatePeople(fixture);
      break;
    case 'link':
      addLinkPeople(fixture);
      break;
    case 'graph-steps':
      return graphStepsFixture(fixture);
    case 'adsteps':
      addAdStepsPeople(fixture);
      break;
    case 'mail-settings':
      addMailSettingsPeople(fixture);
      break;
    case 'owners':
      addOwnersPeople(fixture);
      break;
  }
  return fixture;
}

export const CASES: CorpusCase[] = [
  ...DELEGATE_CASES,
  // ---- LDAP filter (RFC 4515) ---------------------------------------------------------------------------------
  {
    name: 'an employeeId of * matches nobody instead of everybody',
    csv: 'employeeId\n*\n',
    exitCode: 1,
    users: [notFound()],
    graphSees: [filterSent('employeeId', '*')],
  },
  {
    name: 'an employeeId that closes the filter and adds (cn=*) matches nobody',
    csv: 'employeeId\nx)(cn=*\n',
    exitCode: 1,
    users: [notFound()],
    graphSees: [filterSent('employeeId', 'x)(cn=*')],
  },
  {
    name: 'an employeeId that ORs in every sAMAccountName matches nobody and leaves Jane Doe alone',
    csv: 'employeeId\njdoe)(|(sAMAccountName=*\n',
    exitCode: 1,
    users: [notFound()],
  },
  {
    name: 'a literal \\2a is searched as the three characters it is, not as an escaped *',
    csv: 'employeeId\n\\2a\n',
    exitCode: 1,
    users: [notFound()],
    graphSees: [filterSent('employeeId', '\\2a')],
  },
  {
    name: 'a NUL byte after a real employeeId is an input error, so the filter never sees it',
    csv: 'employeeId\nE1001\0\n',
    exitCode: 1,
    inputErrors: [{ line: 2, message: 'employeeId contains a control character' }],
  },
  {
    name: 'a sAMAccountName of * is an input error',
    csv: 'sam\n*\n',
    exitCode: 1,
    inputErrors: [{ line: 2, message: 'samAccountName "*" contains a character AD does not allow' }],
  },
  {
    name: 'a sAMAccountName carrying a filter is an input error',
    csv: 'samAccountName\njdoe)(|(sAMAccountName=*\n',
    exitCode: 1,
    inputErrors: [{ line: 2, message: 'contains a character AD does not allow' }],
  },
  {
    name: 'a UPN that closes and reopens the filter matches nobody',
    csv: 'userPrincipalName\n*)(userPrincipalName=*@contoso.test\n',
    exitCode: 1,
    users: [notFound()],
    graphSees: [`/users/${segment('*)(userPrincipalName=*@contoso.test')}`],
  },
  {
    name: 'a mail of *@domain matches nobody in AD (mail and proxyAddresses) or Entra',
    csv: 'mail\n*@contoso.test\n',
    exitCode: 1,
    users: [notFound()],
    graphSees: [filterSent('mail', '*@contoso.test')],
  },
  {
    name: 'a * typed into the users input is an input error at inputs.users:1',
    usersInput: '*',
    exitCode: 1,
    inputErrors: [{ line: 1, message: 'samAccountName "*" contains a character AD does not allow' }],
  },

  // ---- DN (RFC 4514) ------------------------------------------------------------------------------------------
  {
    name: 'a distinguishedName with )(x after the domain matches nobody',
    csv: 'distinguishedName\n"CN=x,OU=Staff,DC=corp,DC=contoso,DC=test)(x"\n',
    exitCode: 1,
    users: [notFound()],
  },
  {
    name: "Jane Doe's DN followed by an OR filter matches nobody and leaves her alone",
    csv: 'distinguishedName\n"CN=Jane Doe,OU=Staff,DC=corp,DC=contoso,DC=test)(|(cn=*"\n',
    exitCode: 1,
    users: [notFound()],
  },
  {
    name: 'a DN whose CN is * matches nobody',
    csv: 'dn\n"CN=*,OU=Staff,DC=corp,DC=contoso,DC=test"\n',
    exitCode: 1,
    users: [notFound()],
  },
  {
    name: 'the DN of an OU is not a person',
    csv: 'dn\n"OU=Staff,DC=corp,DC=contoso,DC=test"\n',
    exitCode: 1,
    users: [notFound()],
  },
  {
    name: 'the built-in Administrator named by its DN is blocked and untouched',
    csv: 'distinguishedName\n"CN=Administrator,CN=Users,DC=corp,DC=contoso,DC=test"\n',
    exitCode: 0,
    users: [blocked('builtin-rid')],
  },
  {
    name: 'a DN with an escaped comma finds exactly Smith, John and keeps his DONT_EXPIRE_PASSWORD bit',
    csv: 'distinguishedName\n"CN=Smith\\, John,OU=Staff,DC=corp,DC=contoso,DC=test"\n',
    exitCode: 0,
    users: [{ line: 2, status: 'done', steps: HYBRID_DONE, delegate: { userPrincipalName: 'salesvp@contoso.test', source: 'ad-manager' } }],
    effects: [{ offboarded: 'jsmith', delegate: 'salesvp@contoso.test' }],
  },
  {
    name: 'a bare name in the distinguishedName column is an input error',
    csv: 'distinguishedName\njdoe\n',
    exitCode: 1,
    inputErrors: [{ line: 2, message: 'distinguishedName "jdoe" is not a DN' }],
  },

  // ---- OData $filter and Graph URL paths -------------------------------------------------------------------------
  {
    name: "an employeeId that closes the OData string and ORs in the CEO's UPN matches nobody",
    csv: 'employeeId\n"x\' or userPrincipalName eq \'ceo@contoso.test"\n',
    exitCode: 1,
    users: [notFound()],
    graphSees: [filterSent('employeeId', "x' or userPrincipalName eq 'ceo@contoso.test")],
  },
  {
    name: 'a UPN full of quotes is one path segment',
    csv: "userPrincipalName\nx'or'1'eq'1@contoso.test\n",
    exitCode: 1,
    users: [notFound()],
    graphSees: [`/users/${segment("x'or'1'eq'1@contoso.test")}`],
  },
  {
    name: 'a pre-encoded quote %27 stays the three characters it is',
    csv: 'employeeId\n%27\n',
    exitCode: 1,
    users: [notFound()],
    graphSees: [filterSent('employeeId', '%27')],
  },
  {
    name: 'a UPN starting with $filter= is looked up by filter, never read as a query option',
    csv: 'userPrincipalName\n$filter=x@contoso.test\n',
    exitCode: 1,
    users: [notFound()],
    graphSees: [filterSent('userPrincipalName', '$filter=x@contoso.test')],
  },
  {
    name: "a mail with an apostrophe finds Seán O'Brien through a doubled quote",
    csv: "mail\nsean.o'brien@contoso.test\n",
    exitCode: 0,
    users: [{ line: 2, status: 'done', steps: HYBRID_DONE, delegate: { userPrincipalName: 'cfo@contoso.test', source: 'ad-manager' } }],
    effects: [{ offboarded: 'sobrien', delegate: 'cfo@contoso.test' }],
    graphSees: [filterSent('mail', "sean.o'brien@contoso.test")],
  },
  {
    name: "a UPN that climbs ../ to the CEO's URL stays one segment and matches nobody",
    csv: 'userPrincipalName\n../users/ceo@contoso.test\n',
    exitCode: 1,
    users: [notFound()],
    graphSees: [`/users/${segment('../users/ceo@contoso.test')}`],
  },
  {
    name: 'a UPN with pre-encoded slashes %2F is encoded again, not decoded into a path',
    csv: 'userPrincipalName\nceo%2F..%2Fjdoe@contoso.test\n',
    exitCode: 1,
    users: [notFound()],
    graphSees: [`/users/${segment('ceo%2F..%2Fjdoe@contoso.test')}`],
  },
  {
    name: "a UPN with ?$select= does not turn into a query of the CEO's account",
    csv: 'userPrincipalName\nceo@contoso.test?$select=id\n',
    exitCode: 1,
    users: [notFound()],
    graphSees: [`/users/${segment('ceo@contoso.test?$select=id')}`],
  },
  {
    name: "a UPN ending in # does not cut the URL down to the CEO's",
    csv: 'userPrincipalName\nceo@contoso.test#\n',
    exitCode: 1,
    users: [notFound()],
    graphSees: [`/users/${segment('ceo@contoso.test#')}`],
  },
  {
    name: 'an objectId that is a path is an input error',
    csv: 'objectId\n../../directoryRoles\n',
    exitCode: 1,
    inputErrors: [{ line: 2, message: 'is not a GUID' }],
  },

  // ---- PowerShell --------------------------------------------------------------------------------------------------
  {
    name: "a delegate whose UPN is PowerShell code receives the grant under that exact name and nothing else runs",
    fixture: 'shell-names',
    csv: `userPrincipalName,delegate\njdoe@contoso.test,"${UPN_PAYLOAD_DELEGATE}"\n`,
    exitCode: 0,
    users: [{ line: 2, status: 'done', steps: HYBRID_DONE, delegate: { userPrincipalName: UPN_PAYLOAD_DELEGATE, source: 'csv' } }],
    effects: [{ offboarded: 'jdoe', delegate: UPN_PAYLOAD_DELEGATE }],
  },
  {
    name: "a leaver with an apostrophe in the UPN gets the grant on her own mailbox and OneDrive",
    fixture: 'shell-names',
    csv: "userPrincipalName\ndana.o'hara@contoso.test\n",
    exitCode: 0,
    users: [{ line: 2, status: 'done', steps: HYBRID_DONE, delegate: { userPrincipalName: 'cfo@contoso.test', source: 'ad-manager' } }],
    effects: [{ offboarded: 'ohara', delegate: 'cfo@contoso.test' }],
  },
  {
    name: 'PowerShell in the reason, with a line break and curly quotes, is stamped verbatim on one line',
    csv: `sam,reason\njdoe,"${PS_REASON.replace(/"/g, '""')}\nsecond line"\n`,
    inputs: { steps: 'ad-disable, ad-stamp, entra-revoke, mailbox-access' },
    exitCode: 0,
    users: [
      {
        line: 2,
        status: 'done',
        steps: ['done', 'done', 'done', 'done'],
        delegate: { userPrincipalName: 'salesvp@contoso.test', source: 'ad-manager' },
        request: { samAccountName: 'jdoe', reason: `${PS_REASON} second line` },
      },
    ],
    effects: [{ offboarded: 'jdoe', delegate: 'salesvp@contoso.test' }, { stamped: 'jdoe', reason: `${PS_REASON} second line` }],
  },
  {
    name: 'a delegate spelled as PowerShell code who does not exist falls back to the AD manager and says so',
    csv: "userPrincipalName,delegate\njdoe@contoso.test,x';Remove-Mailbox$(whoami)`#>@contoso.test\n",
    exitCode: 0,
    users: [
      {
        line: 2,
        status: 'done',
        steps: HYBRID_DONE,
        delegate: {
          userPrincipalName: 'salesvp@contoso.test',
          source: 'ad-manager',
          notes: ["csv: delegate x';Remove-Mailbox$(whoami)`#>@contoso.test not found"],
        },
      },
    ],
    effects: [{ offboarded: 'jdoe', delegate: 'salesvp@contoso.test' }],
  },
  {
    name: 'a delegate in curly quotes is nobody: the AD manager receives the access',
    csv: 'userPrincipalName,manager\nzangstrom@contoso.test,“ceo”@contoso.test\n',
    exitCode: 0,
    users: [
      {
        line: 2,
        status: 'done',
        steps: HYBRID_DONE,
        delegate: { userPrincipalName: 'cfo@contoso.test', source: 'ad-manager', notes: ['csv: delegate “ceo”@contoso.test not found'] },
      },
    ],
    effects: [{ offboarded: 'zangstrom', delegate: 'cfo@contoso.test' }],
  },
  {
    name: 'a PowerShell line in the users input is an input error at its line, and the good line before it does not run',
    usersInput: "jdoe@contoso.test\n'; Remove-Mailbox ceo #>",
    exitCode: 1,
    inputErrors: [{ line: 2, message: 'contains a character AD does not allow' }],
  },

  // ---- Markdown and HTML in the job summary -------------------------------------------------------------------------
  {
    name: 'an <img onerror> employeeId is shown as text in the summary',
    csv: 'employeeId\n<img src=x onerror=alert(1)>\n',
    exitCode: 1,
    users: [notFound()],
    summaryShows: ['&#60;img src=x onerror=alert&#40;1&#41;&#62;'],
  },
  {
    name: 'a javascript: link in an employeeId is not a link in the summary',
    csv: 'employeeId\n[x](javascript:alert(1))\n',
    exitCode: 1,
    users: [notFound()],
    summaryShows: ['&#91;x&#93;&#40;javascript&#58;alert&#40;1&#41;&#41;'],
  },
  {
    name: 'a | and </table> in an employeeId do not break out of the table',
    csv: 'employeeId\n"a|b</table></td><script>alert(1)</script>"\n',
    exitCode: 1,
    users: [notFound()],
    summaryShows: ['a&#124;b&#60;/table&#62;&#60;/td&#62;&#60;script&#62;alert&#40;1&#41;&#60;/script&#62;'],
  },
  {
    name: 'HTML and a javascript: link in the reason are shown as text under the user',
    csv: `userPrincipalName,reason\njdoe@contoso.test,"${HTML_REASON}"\n`,
    exitCode: 0,
    users: [
      {
        line: 2,
        status: 'done',
        steps: HYBRID_DONE,
        delegate: { userPrincipalName: 'salesvp@contoso.test', source: 'ad-manager' },
        request: { userPrincipalName: 'jdoe@contoso.test', reason: HTML_REASON },
      },
    ],
    effects: [{ offboarded: 'jdoe', delegate: 'salesvp@contoso.test' }],
    summaryShows: ['&#60;img src=x onerror=alert&#40;1&#41;&#62; &#91;click&#93;&#40;javascript&#58;alert&#40;1&#41;&#41; &#124; &#60;/table&#62;'],
  },
  {
    name: 'a <script> in a bad date is listed as text among the input errors',
    csv: 'userPrincipalName,effective\njdoe@contoso.test,<script>alert(1)</script>\n',
    exitCode: 1,
    inputErrors: [{ line: 2, message: 'effective: "<script>alert(1)</script>" is not a valid effective date' }],
    summaryShows: ['&#60;script&#62;alert&#40;1&#41;&#60;/script&#62;'],
  },
  {
    name: 'a header cell that carries a workflow command stays inside its notice',
    csv: 'userPrincipalName,"Note\n::error::forged"\nghost@contoso.test,x\n',
    exitCode: 1,
    users: [notFound(3)],
  },

  // ---- Unicode ----------------------------------------------------------------------------------------------------
  {
    name: 'a Cyrillic е in a UPN is another person: not found, the real Jane Doe untouched',
    csv: 'userPrincipalName\njdoе@contoso.test\n',
    exitCode: 1,
    users: [notFound()],
    graphSees: [`/users/${segment('jdoе@contoso.test')}`],
  },
  {
    name: 'a Cyrillic о in a sAMAccountName is not found',
    csv: 'sam\njdое\n',
    exitCode: 1,
    users: [notFound()],
  },
  {
    name: 'fullwidth letters in a UPN are not folded into ASCII',
    csv: 'userPrincipalName\nｊｄｏｅ@contoso.test\n',
    exitCode: 1,
    users: [notFound()],
  },
  {
    name: 'a right-to-left override before an employeeId is not stripped into a match',
    csv: 'employeeId\n\u202EE1001\n',
    exitCode: 1,
    users: [notFound()],
  },
  {
    name: 'a zero-width space inside a UPN is an input error',
    csv: 'userPrincipalName\njdoe\u200B@contoso.test\n',
    exitCode: 1,
    inputErrors: [{ line: 2, message: 'userPrincipalName "jdoe?@contoso.test" contains an invisible zero-width character' }],
  },
  {
    name: 'a zero-width joiner inside a delegate is an input error',
    csv: 'userPrincipalName,delegate\njdoe@contoso.test,cfo\u200D@contoso.test\n',
    exitCode: 1,
    inputErrors: [{ line: 2, message: 'delegate "cfo?@contoso.test" contains an invisible zero-width character' }],
  },
  {
    name: 'zero-width characters and a BOM around a UPN are trimmed and Jane Doe is found',
    csv: 'userPrincipalName\n\u200B\uFEFFjdoe@contoso.test\u2060\u200B\n',
    exitCode: 0,
    users: [{ line: 2, status: 'done', steps: HYBRID_DONE, request: { userPrincipalName: 'jdoe@contoso.test' } }],
    effects: [{ offboarded: 'jdoe', delegate: 'salesvp@contoso.test' }],
  },
  {
    name: 'spaces and tabs around a UPN, quoted or not, are trimmed and Jane Doe is found',
    csv: 'userPrincipalName,delegate\n   jdoe@contoso.test \t,"  cfo@contoso.test  "\n',
    exitCode: 0,
    users: [
      {
        line: 2,
        status: 'done',
        steps: HYBRID_DONE,
        delegate: { userPrincipalName: 'cfo@contoso.test', source: 'csv' },
        request: { userPrincipalName: 'jdoe@contoso.test', delegate: 'cfo@contoso.test' },
      },
    ],
    effects: [{ offboarded: 'jdoe', delegate: 'cfo@contoso.test' }],
  },

  // ---- Size -----------------------------------------------------------------------------------------------------------
  {
    name: 'a 100 KB reason is an input error at its line that does not repeat it, and nothing changes',
    csv: `userPrincipalName,reason\njdoe@contoso.test,${BIG}\n`,
    exitCode: 1,
    inputErrors: [{ line: 2, message: `the value in column "reason" is ${BIG.length} characters long; at most 512 are allowed there` }],
  },
  {
    name: 'a reason of 512 characters, the most allowed, is carried whole and changes nothing but the leaver',
    csv: `userPrincipalName,reason\njdoe@contoso.test,${BIG.slice(0, 512)}\n`,
    exitCode: 0,
    users: [{ line: 2, status: 'done', steps: HYBRID_DONE, request: { userPrincipalName: 'jdoe@contoso.test', reason: BIG.slice(0, 512) } }],
    effects: [{ offboarded: 'jdoe', delegate: 'salesvp@contoso.test' }],
  },
  {
    name: 'a 100 KB employeeId is an input error at its line, and nothing is looked up',
    csv: `employeeId\n${'E'.repeat(100 * 1024)}\n`,
    exitCode: 1,
    inputErrors: [{ line: 2, message: 'the value in column "employeeId" is 102400 characters long; at most 256 are allowed there' }],
  },

  // ---- Duplicates -----------------------------------------------------------------------------------------------------
  {
    name: 'the same UPN twice in different case is one request: one revocation, one grant',
    csv: 'userPrincipalName\nJDOE@contoso.test\njdoe@CONTOSO.TEST\n',
    exitCode: 0,
    users: [{ line: 2, status: 'done', steps: HYBRID_DONE, delegate: { userPrincipalName: 'salesvp@contoso.test', source: 'ad-manager' } }],
    effects: [{ offboarded: 'jdoe', delegate: 'salesvp@contoso.test' }],
  },
  {
    name: 'the same person twice with different delegates is an input error on both lines',
    csv: 'userPrincipalName,delegate\nJDOE@contoso.test,cfo@contoso.test\njdoe@CONTOSO.TEST,ceo@contoso.test\n',
    exitCode: 1,
    inputErrors: [
      { line: 2, message: 'the same person is also on offboarding/leavers.csv:3 with a different delegate' },
      { line: 3, message: 'the same person is also on offboarding/leavers.csv:2 with a different delegate' },
    ],
  },
  {
    name: 'one person named by UPN on one row and by employeeId on another is acted on once',
    csv: 'userPrincipalName,employeeId\njdoe@contoso.test,\n,E1001\n',
    exitCode: 0,
    users: [
      { line: 2, status: 'done', steps: HYBRID_DONE },
      { line: 3, status: 'blocked', code: 'duplicate', steps: STOPPED },
    ],
    effects: [{ offboarded: 'jdoe', delegate: 'salesvp@contoso.test' }],
  },

  // ---- Delegates ------------------------------------------------------------------------------------------------------
  {
    name: 'a delegate who is the leaver, in another case, is an input error',
    csv: 'userPrincipalName,delegate\njdoe@contoso.test,JDOE@contoso.test\n',
    exitCode: 1,
    inputErrors: [{ line: 2, message: 'the delegate "JDOE@contoso.test" is the leaver' }],
  },
  {
    name: 'a delegate who is the leaver under another column climbs to her manager',
    csv: 'sam,delegate\njdoe,jdoe@contoso.test\n',
    exitCode: 0,
    users: [
      {
        line: 2,
        status: 'done',
        steps: HYBRID_DONE,
        delegate: { userPrincipalName: 'salesvp@contoso.test', source: 'csv', notes: ['csv: jdoe@contoso.test is the leaver'] },
      },
    ],
    effects: [{ offboarded: 'jdoe', delegate: 'salesvp@contoso.test' }],
  },
  {
    name: "a delegate who leaves in the same run is replaced by that delegate's manager",
    csv: 'userPrincipalName,delegate\njdoe@contoso.test,jsmith@contoso.test\njsmith@contoso.test,\n',
    exitCode: 0,
    users: [
      {
        line: 2,
        status: 'done',
        steps: HYBRID_DONE,
        delegate: { userPrincipalName: 'salesvp@contoso.test', source: 'csv', notes: ['csv: jsmith@contoso.test is leaving in this run'] },
      },
      { line: 3, status: 'done', steps: HYBRID_DONE, delegate: { userPrincipalName: 'salesvp@contoso.test', source: 'ad-manager' } },
    ],
    effects: [
      { offboarded: 'jdoe', delegate: 'salesvp@contoso.test' },
      { offboarded: 'jsmith', delegate: 'salesvp@contoso.test' },
    ],
  },
  {
    name: 'a delegate who does not exist falls back to the AD manager, and the record says so',
    csv: 'userPrincipalName,delegate\njdoe@contoso.test,ghost@contoso.test\n',
    exitCode: 0,
    users: [
      {
        line: 2,
        status: 'done',
        steps: HYBRID_DONE,
        delegate: { userPrincipalName: 'salesvp@contoso.test', source: 'ad-manager', notes: ['csv: delegate ghost@contoso.test not found'] },
      },
    ],
    effects: [{ offboarded: 'jdoe', delegate: 'salesvp@contoso.test' }],
  },
  {
    name: 'two leavers who manage each other never receive each other’s access: no delegate',
    fixture: 'manager-cycle',
    csv: 'userPrincipalName\nloopa@contoso.test\nloopb@contoso.test\n',
    exitCode: 0,
    users: [
      {
        line: 2,
        status: 'done',
        steps: HYBRID_NO_DELEGATE,
        delegate: { source: 'none', notes: expectNotesOf('loopa', 'loopb') },
      },
      { line: 3, status: 'done', steps: HYBRID_NO_DELEGATE, delegate: { source: 'none', notes: expectNotesOf('loopb', 'loopa') } },
    ],
    effects: [{ offboarded: 'loopa' }, { offboarded: 'loopb' }],
  },
  {
    name: 'two leavers who manage each other both go to the default delegate',
    fixture: 'manager-cycle',
    csv: 'userPrincipalName\nloopa@contoso.test\nloopb@contoso.test\n',
    inputs: { 'default-delegate': 'cfo@contoso.test' },
    exitCode: 0,
    users: [
      { line: 2, status: 'done', steps: HYBRID_DONE, delegate: { userPrincipalName: 'cfo@contoso.test', source: 'default', notes: expectNotesOf('loopa', 'loopb') } },
      { line: 3, status: 'done', steps: HYBRID_DONE, delegate: { userPrincipalName: 'cfo@contoso.test', source: 'default', notes: expectNotesOf('loopb', 'loopa') } },
    ],
    effects: [
      { offboarded: 'loopa', delegate: 'cfo@contoso.test' },
      { offboarded: 'loopb', delegate: 'cfo@contoso.test' },
    ],
  },
  {
    name: 'a default delegate who leaves in the same run is not used',
    csv: 'userPrincipalName\nceo@contoso.test\ncfo@contoso.test\n',
    inputs: { 'default-delegate': 'cfo@contoso.test' },
    exitCode: 0,
    users: [
      { line: 2, status: 'done', steps: HYBRID_NO_DELEGATE, delegate: { source: 'none', notes: ['default: cfo@contoso.test is leaving in this run'] } },
      {
        line: 3,
        status: 'done',
        steps: HYBRID_NO_DELEGATE,
        delegate: {
          source: 'none',
          notes: ['ad-manager: ceo@contoso.test is leaving in this run', 'entra-manager: ceo@contoso.test is leaving in this run', 'default: cfo@contoso.test is the leaver'],
        },
      },
    ],
    effects: [{ offboarded: 'ceo' }, { offboarded: 'cfo' }],
  },

  // ---- Guards ---------------------------------------------------------------------------------------------------------
  {
    name: 'a protected sAMAccountName reached through its employeeId is blocked',
    csv: 'employeeId\nE1005\n',
    inputs: { protected: 'noexpire' },
    exitCode: 0,
    users: [blocked('protected')],
  },
  {
    name: 'a protected admin reached through its employeeId is blocked',
    csv: 'employeeId\nE9001\n',
    inputs: { protected: 'admin.kim' },
    exitCode: 0,
    users: [blocked('admin-count')],
  },
  {
    name: 'a UPN in protected also protects the account named by its sAMAccountName',
    csv: 'sam\njdoe\n',
    inputs: { protected: 'jdoe@contoso.test' },
    exitCode: 0,
    users: [blocked('protected')],
  },
  {
    name: 'a member of a protected AD group is blocked',
    csv: 'userPrincipalName\nsean.obrien@contoso.test\n',
    inputs: { protected: 'Finance' },
    exitCode: 0,
    users: [blocked('protected')],
  },
  {
    name: 'Administrator, krbtgt, the bind account and an adminCount=1 account are blocked; Guest is already disabled',
    csv: 'sam\nAdministrator\nkrbtgt\nsvc-offboard\nadmin.kim\nGuest\n',
    exitCode: 0,
    users: [
      blocked('builtin-rid', 2),
      blocked('builtin-rid', 3),
      blocked('bind-account', 4),
      blocked('admin-count', 5),
      { line: 6, status: 'unchanged', steps: ['unchanged', 'skipped', 'skipped', 'skipped', 'skipped'] },
    ],
  },
  {
    name: 'a Global Administrator in Entra is blocked in both directories',
    csv: 'userPrincipalName\ngadmin@contoso.test\n',
    exitCode: 0,
    users: [blocked('directory-role')],
  },

  // ---- Identity checks ---------------------------------------------------------------------------------------------
  {
    name: "a row with Jane Doe's UPN and John Smith's employeeId touches neither",
    csv: 'userPrincipalName,employeeId\njdoe@contoso.test,E1002\n',
    exitCode: 1,
    users: [conflict()],
  },
  {
    name: "a row with a cloud-only UPN and Jane Doe's employeeId touches neither",
    csv: 'userPrincipalName,employeeId\nchloe.nuage@contoso.test,E1001\n',
    exitCode: 1,
    users: [conflict()],
  },
  {
    name: "a row with Jane Doe's sAMAccountName and John Smith's UPN touches neither",
    csv: 'sam,upn\njdoe,jsmith@contoso.test\n',
    exitCode: 1,
    users: [conflict()],
  },
  {
    name: "a row with a cloud-only user's objectId and Jane Doe's UPN touches neither",
    csv: 'userPrincipalName,objectId\njdoe@contoso.test,{{id:cloudy}}\n',
    exitCode: 1,
    users: [conflict()],
  },
  {
    name: 'an Entra account synced from another AD account is an identity mismatch and neither is touched',
    fixture: 'foreign-sid',
    csv: 'userPrincipalName\njdoe@contoso.test\n',
    exitCode: 1,
    users: [{ line: 2, status: 'failed', code: 'identity-mismatch', steps: STOPPED }],
  },
  {
    name: 'more rows than max-users stop the run before any lookup or change',
    csv: 'userPrincipalName\njdoe@contoso.test\njsmith@contoso.test\nsean.obrien@contoso.test\n',
    inputs: { 'max-users': '2' },
    exitCode: 1,
    runError: 'This run selects 3 users, more than max-users (2). Nothing was changed.',
  },

  // ---- CSV structure --------------------------------------------------------------------------------------------------
  {
    name: 'an unclosed quote is an input error at the line it opens',
    csv: 'userPrincipalName,effective\njdoe@contoso.test,"2026-11-20\n',
    exitCode: 1,
    inputErrors: [{ line: 2, message: 'a quoted field starts here and is never closed' }],
  },
  {
    name: 'two headers for the same identity are an input error at the header',
    csv: 'upn,userPrincipalName\njdoe@contoso.test,jsmith@contoso.test\n',
    exitCode: 1,
    inputErrors: [{ line: 1, message: 'the columns "upn" and "userPrincipalName" both mean userPrincipalName' }],
  },
  {
    name: 'a spreadsheet formula in the reason is kept as text',
    csv: 'userPrincipalName,reason\njdoe@contoso.test,"=HYPERLINK(""https://evil.test"",""HR-1"")"\n',
    exitCode: 0,
    users: [
      {
        line: 2,
        status: 'done',
        steps: HYBRID_DONE,
        request: { userPrincipalName: 'jdoe@contoso.test', reason: '=HYPERLINK("https://evil.test","HR-1")' },
      },
    ],
    effects: [{ offboarded: 'jdoe', delegate: 'salesvp@contoso.test' }],
  },
  ...ROLE_CASES,
  ...LINK_CASES,
  ...GRAPH_STEPS_CASES,
  ...MAILBOX_ITEM_CASES,
  ...ADSTEPS_CASES,
  ...EXOB_CASES,
  ...OWNERS_CASES,
];

/** The delegate notes of a leaver in a two-person manager cycle: the other leaver, back to self, then the loop. */
function expectNotesOf(self: string, other: string): string[] {
  return ['ad-manager', 'entra-manager'].flatMap((source) => [
    `${source}: ${other}@contoso.test is leaving in this run`,
    `${source}: ${self}@contoso.test is the leaver`,
    `${source}: manager chain loops back to ${other}@contoso.test`,
  ]);
}
