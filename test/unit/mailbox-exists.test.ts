// The OPATH filter of the batched mailbox read: values escaped so that each term matches its own UPN and nothing else.
import { describe, expect, it } from 'vitest';
import { opathString, upnFilter } from '../../src/steps/mailbox-exists.js';
import { opathFilter } from '../stack/simulator/opath.js';
import { INJECTION_CORPUS } from '../integration/powershell-helpers.js';

describe('opathString', () => {
  it('doubles every single quotation mark PowerShell counts as one', () => {
    expect(opathString("d'arcy")).toBe("'d''arcy'");
    expect(opathString('a\u2018b\u2019c\u201Ad\u201Be')).toBe("'a\u2018\u2018b\u2019\u2019c\u201A\u201Ad\u201B\u201Be'");
    expect(opathString('plain@contoso.test')).toBe("'plain@contoso.test'");
  });
});

describe('upnFilter', () => {
  it('joins one UserPrincipalName term per UPN with -or', () => {
    expect(upnFilter(['a@contoso.test', "o'b@contoso.test"])).toBe("UserPrincipalName -eq 'a@contoso.test' -or UserPrincipalName -eq 'o''b@contoso.test'");
  });

  it('matches exactly the UPNs it names, hostile ones included, as an OPATH parser reads it', () => {
    const values = [...INJECTION_CORPUS, "d'arcy.o'neil@contoso.test", 'jdoe@contoso.test'];
    const test = opathFilter(upnFilter(values), ['UserPrincipalName']);
    for (const value of values) expect(test({ UserPrincipalName: value })).toBe(true);
    for (const other of ['ceo@contoso.test', 'x', "d'arcy", '']) expect(test({ UserPrincipalName: other })).toBe(false);
  });
});
