// The autoreply-message input and its rendering: placeholders filled once, values as HTML text, messages compared by their body.
import { describe, expect, it } from 'vitest';
import { parseInputs } from '../../src/inputs.js';
import { messageBody, namesDelegate, renderMessage } from '../../src/steps/autoreply-message.js';

const errorsOf = (raw: Record<string, string>) => parseInputs(raw).errors;
const VALUES = { displayName: 'Jane Doe', delegateName: 'Sam Sales', delegateMail: 'sam@contoso.test', effectiveDate: '2026-11-30' };

describe('the autoreply-message input', () => {
  it('is required when steps include mailbox-autoreply', () => {
    expect(errorsOf({ steps: 'mailbox-autoreply' })).toEqual([
      'Input "autoreply-message": is empty but steps include mailbox-autoreply, which sets it as the automatic reply',
    ]);
  });

  it('refuses a placeholder that is not one of the four, naming them', () => {
    expect(errorsOf({ 'autoreply-message': '{displayName} left; write to {managerMail} or {delegateMail}.' })).toEqual([
      'Input "autoreply-message": names the unknown placeholder {managerMail}; the placeholders are {displayName}, {delegateName}, {delegateMail}, {effectiveDate}',
    ]);
  });

  it('keeps braces that are not a placeholder, such as CSS in the HTML', () => {
    expect(errorsOf({ 'autoreply-message': '<p style="x{color:red}">{displayName} has left.</p>' })).toEqual([]);
  });

  it('refuses more than 1,024 characters and control characters other than line breaks and tabs', () => {
    expect(errorsOf({ 'autoreply-message': 'a'.repeat(1025) })).toEqual(['Input "autoreply-message": is 1025 characters long; at most 1024']);
    expect(errorsOf({ 'autoreply-message': 'a'.repeat(1024) })).toEqual([]);
    expect(errorsOf({ 'autoreply-message': 'left\u0007 {displayName}' })).toEqual(['Input "autoreply-message": contains a control character']);
    expect(errorsOf({ 'autoreply-message': 'left\n\tsee {delegateMail}\r\n' })).toEqual([]);
  });
});

describe('renderMessage', () => {
  it('fills every placeholder, as often as it appears', () => {
    expect(renderMessage('{displayName} left on {effectiveDate}. Write to {delegateName} <{delegateMail}>; {displayName}.', VALUES)).toBe(
      'Jane Doe left on 2026-11-30. Write to Sam Sales <sam@contoso.test>; Jane Doe.',
    );
  });

  it('replaces in one pass: a display name that reads {delegateMail} stays literal', () => {
    expect(renderMessage('{displayName} / {delegateMail}', { ...VALUES, displayName: 'Eve {delegateMail}' })).toBe('Eve {delegateMail} / sam@contoso.test');
  });

  it('escapes each value as HTML text: markup in a display name arrives as its characters', () => {
    expect(renderMessage('<p>{displayName}</p>', { ...VALUES, displayName: '<img src=x onerror=alert(1)> "Al" & \'Bo\'' })).toBe(
      '<p>&lt;img src=x onerror=alert(1)&gt; &quot;Al&quot; &amp; &#39;Bo&#39;</p>',
    );
  });

  it('leaves PowerShell syntax in a value as text', () => {
    expect(renderMessage('{displayName}', { ...VALUES, displayName: '$(Remove-Mailbox ceo) `whoami` ${env:HOME}' })).toBe('$(Remove-Mailbox ceo) `whoami` ${env:HOME}');
  });

  it('knows whether a template names the delegate', () => {
    expect(namesDelegate('{displayName} left on {effectiveDate}.')).toBe(false);
    expect(namesDelegate('Write to {delegateMail}.')).toBe(true);
    expect(namesDelegate('Ask {delegateName}.')).toBe(true);
  });
});

describe('messageBody', () => {
  it('reads a message as Exchange stores it and as the step writes it alike: the wrapper Exchange adds is not part of it', () => {
    const written = '<p>Jane has left.</p>';
    expect(messageBody(`<html><body>${written}</body></html>`)).toBe(messageBody(written));
    expect(messageBody(`<html>\r\n<head>\r\n<meta charset="utf-8">\r\n</head>\r\n<body dir="ltr">\r\n${written}\r\n</body>\r\n</html>\r\n`)).toBe(written);
  });

  it('tells different messages apart, and reads no message as empty', () => {
    expect(messageBody('<html><body>Jane has left.</body></html>')).not.toBe(messageBody('<html><body>Jane has gone.</body></html>'));
    expect(messageBody(null)).toBe('');
    expect(messageBody('<html><body></body></html>')).toBe('');
  });
});
