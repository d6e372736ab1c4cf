// Corpus cases for mailbox-forward and mailbox-autoreply: names that are markup, PowerShell or a placeholder reach
// Exchange as data and the auto-reply as HTML text, and no other mailbox changes.
import type { Fixture } from '../stack/fixture.js';
import type { CorpusCase } from './corpus-cases.js';

const TEMPLATE = '<p>{displayName} has left ({effectiveDate}). Please write to {delegateName} at {delegateMail}.</p>';
const STEPS = 'mailbox-forward, mailbox-autoreply';

/** The display names of the `mail-settings` tenant: each would do harm as markup or as PowerShell script text. */
const MARKUP_LEAVER = '<img src=x onerror=alert(1)> {delegateMail} $(Remove-Mailbox ceo) "Al" \'Bo\' `whoami`';
const SCRIPT_DELEGATE = '<script>alert(1)</script> Sam `$(Get-Process)` {displayName}';

/** The cloud-only people the cases aim at: a leaver named in markup, a delegate named in script, a leaver without a manager. */
export function addMailSettingsPeople(fixture: Fixture): void {
  fixture.people.push(
    { key: 'markup.leaver', givenName: 'Mark', surname: 'Up', displayName: MARKUP_LEAVER, userPrincipalName: 'markup.leaver@contoso.test', mail: 'markup.leaver@contoso.test', manager: 'salesvp', cloud: { synced: false } },
    { key: 'script.delegate', givenName: 'Sam', surname: 'Script', displayName: SCRIPT_DELEGATE, userPrincipalName: 'script.delegate@contoso.test', mail: 'sam.script@contoso.test', cloud: { synced: false } },
    { key: 'script.leaver', givenName: 'Lee', surname: 'Ver', displayName: 'Lee Ver', userPrincipalName: 'lee.ver@contoso.test', mail: 'lee.ver@contoso.test', manager: 'script.delegate', cloud: { synced: false } },
    { key: 'lone.leaver', givenName: 'Dana', surname: "O'Neil", displayName: 'Dana O\'Neil "DJ"', userPrincipalName: 'dana.oneil@contoso.test', mail: 'dana.oneil@contoso.test', cloud: { synced: false } },
  );
}

export const EXOB_CASES: CorpusCase[] = [
  {
    name: 'a leaver whose display name is markup, PowerShell and a placeholder: forwarded to the delegate, and named in the auto-reply as escaped text, replaced once',
    fixture: 'mail-settings',
    csv: 'userPrincipalName,effective\nmarkup.leaver@contoso.test,2026-01-15\n',
    inputs: { steps: STEPS, 'autoreply-message': TEMPLATE },
    exitCode: 0,
    users: [{ line: 2, status: 'done', steps: ['done', 'done'], delegate: { userPrincipalName: 'salesvp@contoso.test', source: 'entra-manager' } }],
    effects: [
      { forwarded: 'markup.leaver', to: 'salesvp@contoso.test' },
      {
        autoreplied: 'markup.leaver',
        message:
          '<p>&lt;img src=x onerror=alert(1)&gt; {delegateMail} $(Remove-Mailbox ceo) &quot;Al&quot; &#39;Bo&#39; `whoami` has left (2026-01-15). ' +
          'Please write to Priya Raman at salesvp@contoso.test.</p>',
      },
    ],
  },
  {
    name: 'a delegate whose display name carries a script tag and PowerShell: the auto-reply names them as escaped text',
    fixture: 'mail-settings',
    csv: 'userPrincipalName,effective\nlee.ver@contoso.test,2026-01-15\n',
    inputs: { steps: STEPS, 'autoreply-message': TEMPLATE },
    exitCode: 0,
    users: [{ line: 2, status: 'done', steps: ['done', 'done'], delegate: { userPrincipalName: 'script.delegate@contoso.test', source: 'entra-manager' } }],
    effects: [
      { forwarded: 'script.leaver', to: 'script.delegate@contoso.test' },
      {
        autoreplied: 'script.leaver',
        message:
          '<p>Lee Ver has left (2026-01-15). Please write to &lt;script&gt;alert(1)&lt;/script&gt; Sam `$(Get-Process)` {displayName} at sam.script@contoso.test.</p>',
      },
    ],
  },
  {
    name: 'a leaver without a delegate: no forwarding, and an auto-reply that does not name the delegate is written with quotes in the name escaped',
    fixture: 'mail-settings',
    csv: 'userPrincipalName,effective\ndana.oneil@contoso.test,2026-01-15\n',
    inputs: { steps: STEPS, 'autoreply-message': '{displayName} left us on {effectiveDate}.' },
    exitCode: 0,
    users: [{ line: 2, status: 'done', steps: ['skipped', 'done'], delegate: { source: 'none' } }],
    effects: [{ autoreplied: 'lone.leaver', message: 'Dana O&#39;Neil &quot;DJ&quot; left us on 2026-01-15.' }],
  },
  {
    name: 'a leaver without a delegate and an auto-reply that names the delegate: both steps skipped, nothing changes',
    fixture: 'mail-settings',
    csv: 'userPrincipalName,effective\ndana.oneil@contoso.test,2026-01-15\n',
    inputs: { steps: STEPS, 'autoreply-message': TEMPLATE },
    exitCode: 0,
    users: [{ line: 2, status: 'unchanged', steps: ['skipped', 'skipped'], delegate: { source: 'none' } }],
  },
];
