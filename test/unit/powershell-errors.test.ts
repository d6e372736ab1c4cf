// How Exchange's "no such object" is told apart from other failures: by the error's type, never by its text.
import { describe, expect, it } from 'vitest';
import { isExchangeNotFound, PowerShellError } from '../../src/connectors/powershell/errors.js';

const FOUND_TEXT = "Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'x' couldn't be found on 'DB9PR04A07DC003.EURPR04A007.PROD.OUTLOOK.COM'.";

describe('isExchangeNotFound', () => {
  it('is true for the V3 module’s error: a plain exception whose CategoryInfo.Reason is ManagementObjectNotFoundException, whatever its message says', () => {
    for (const message of [FOUND_TEXT, "Impossible d'effectuer l'opération, car l'objet « x » est introuvable.", 'Get-EXOMailbox: something else entirely']) {
      const error = new PowerShellError('Get-EXOMailbox', message, {
        type: 'System.Exception',
        category: 'NotSpecified',
        reason: 'ManagementObjectNotFoundException',
        errorId: '[Server=DB9PR04MB1234,RequestId=5d2e,TimeStamp=Sun, 29 Nov 2026 23:00:00 GMT],Write-ErrorMessage',
      });
      expect(isExchangeNotFound(error), message).toBe(true);
    }
  });

  it('is true when the module throws the typed exception itself (remote PowerShell, Exchange Server)', () => {
    const error = new PowerShellError('Get-Mailbox', 'Couldn’t find it.', { type: 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException', category: 'NotSpecified' });
    expect(isExchangeNotFound(error)).toBe(true);
  });

  it('is false for "couldn\'t be found" text under another type: an ambiguous identity, a REST failure, a missing cmdlet', () => {
    const cases = [
      { type: 'System.Exception', reason: 'ManagementObjectAmbiguousException' },
      { type: 'Microsoft.Exchange.Management.RestApiClient.RestClientException', reason: 'RestClientException' },
      { type: 'System.Management.Automation.CommandNotFoundException', reason: 'CommandNotFoundException', category: 'ObjectNotFound' },
    ];
    for (const details of cases) {
      expect(isExchangeNotFound(new PowerShellError('Get-EXOMailbox', FOUND_TEXT, { errorId: FOUND_TEXT, ...details })), details.reason).toBe(false);
    }
  });

  it('is false for anything that is not a PowerShell error', () => {
    expect(isExchangeNotFound(new Error(FOUND_TEXT))).toBe(false);
  });
});
