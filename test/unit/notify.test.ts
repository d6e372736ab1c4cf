// The notification mails' content: who gets a mail about whom, and values that arrive as text.
import { describe, expect, it } from 'vitest';
import type { StepResult, UserResult } from '../../src/model.js';
import { collectDigests } from '../../src/notify/digest.js';
import { digestMail, escapeHtml, linkTo } from '../../src/notify/mail.js';

const user = (upn: string, delegate: string, steps: StepResult[]): UserResult => ({
  source: { file: 'offboarding/leavers.csv', line: 2 },
  request: { userPrincipalName: upn },
  entra: { id: upn, userPrincipalName: upn, synced: false },
  delegate: { userPrincipalName: delegate, source: 'entra-manager' },
  status: 'done',
  steps,
});
const mailbox = (status: StepResult['status'], mailboxName: string, delegate: string): StepResult => ({ step: 'mailbox-access', status, after: { mailbox: mailboxName, delegate } });
const oneDrive = (status: StepResult['status'], site: string, added: string): StepResult => ({ step: 'onedrive-access', status, after: { site, added } });

describe('collectDigests', () => {
  it('gives each delegate one digest, whatever the case of the address, listing every leaver handed over once', () => {
    const users = [
      user('a@contoso.com', 'Boss@contoso.com', [mailbox('done', 'a@contoso.com', 'Boss@contoso.com'), oneDrive('done', 'https://contoso-my.sharepoint.com/personal/a', 'boss@contoso.com')]),
      user('b@contoso.com', 'boss@contoso.com', [mailbox('done', 'b@contoso.com', 'boss@contoso.com')]),
      user('c@contoso.com', 'cfo@contoso.com', [oneDrive('done', 'https://contoso-my.sharepoint.com/personal/c', 'cfo@contoso.com')]),
    ];
    expect(collectDigests([], users, 'done')).toEqual([
      {
        to: 'Boss@contoso.com',
        handovers: [
          { user: 'a@contoso.com', mailbox: 'a@contoso.com', oneDrive: 'https://contoso-my.sharepoint.com/personal/a' },
          { user: 'b@contoso.com', mailbox: 'b@contoso.com' },
        ],
      },
      { to: 'cfo@contoso.com', handovers: [{ user: 'c@contoso.com', oneDrive: 'https://contoso-my.sharepoint.com/personal/c' }] },
    ]);
  });

  it('leaves out grants that were there already, failed or were only planned in an apply', () => {
    const users = [
      user('a@contoso.com', 'boss@contoso.com', [mailbox('unchanged', 'a@contoso.com', 'boss@contoso.com'), oneDrive('failed', 'https://x/personal/a', 'boss@contoso.com')]),
      user('b@contoso.com', 'boss@contoso.com', [mailbox('planned', 'b@contoso.com', 'boss@contoso.com')]),
    ];
    expect(collectDigests([], users, 'done')).toEqual([]);
    expect(collectDigests([], users, 'planned')).toEqual([{ to: 'boss@contoso.com', handovers: [{ user: 'b@contoso.com', mailbox: 'b@contoso.com' }] }]);
  });
});

describe('the mail', () => {
  it('escapes every HTML metacharacter', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
  });

  it('links only to an https URL, and shows anything else as text', () => {
    expect(linkTo('https://contoso-my.sharepoint.com/personal/a_b?x="1"')).toBe(
      '<a href="https://contoso-my.sharepoint.com/personal/a_b?x=%221%22">https://contoso-my.sharepoint.com/personal/a_b?x=&#34;1&#34;</a>',
    );
    expect(linkTo('javascript:alert(1)')).toBe('javascript:alert(1)');
    expect(linkTo('http://contoso-my.sharepoint.com/personal/a')).toBe('http://contoso-my.sharepoint.com/personal/a');
    expect(linkTo('data:text/html,<b>x</b>')).toBe('data:text/html,&#60;b&#62;x&#60;/b&#62;');
    expect(linkTo('not a url <i>')).toBe('not a url &#60;i&#62;');
  });

  it('is addressed to the delegate with an HTML body in which a display name with markup is text', () => {
    const mail = digestMail({ to: 'boss@contoso.com', handovers: [{ user: 'a@contoso.com', displayName: '<img src=x onerror=alert(1)>', mailbox: 'a@contoso.com' }] });
    const message = mail.message as { subject: string; body: { contentType: string; content: string }; toRecipients: unknown };
    expect(message.toRecipients).toEqual([{ emailAddress: { address: 'boss@contoso.com' } }]);
    expect(message.body.contentType).toBe('HTML');
    expect(message.body.content).toContain('<strong>&#60;img src=x onerror=alert(1)&#62;</strong> (a@contoso.com)');
    expect(message.body.content).not.toContain('<img');
    expect(message.subject).toBe('Offboarding: a leaver handed over to you');
  });
});
