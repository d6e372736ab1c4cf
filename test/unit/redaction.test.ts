// `summary: redacted`: no identity of a person in any text of the summary or the plan comment.
import { describe, expect, it } from 'vitest';
import type { UserResult } from '../../src/model.js';
import { buildPlanComment } from '../../src/report/comment.js';
import { IdentityMask } from '../../src/report/redact.js';
import { renderSummary, type SummaryInput } from '../../src/report/summary.js';

/** Jane's identities as the directories hold them, and her delegate's and manager's. */
const JANE = {
  upn: 'jane.doe@contoso.test',
  mail: 'Jane.Doe@Contoso.test',
  sam: 'jdoe',
  displayName: "O'Brien, Jane",
  dn: "CN=O'Brien\\, Jane,OU=Staff,DC=corp,DC=contoso,DC=test",
};
const DELEGATE = 'rhea.sato@contoso.test';
const MANAGER = 'bea.boss@contoso.test';
const KIM = { upn: 'kim.park@contoso.test', sam: 'kpark', dn: 'CN=Kim Park,OU=Admins,DC=corp,DC=contoso,DC=test' };

const everyIdentity = [...Object.values(JANE), DELEGATE, MANAGER, ...Object.values(KIM), 'Kim Park', 'nobody@contoso.test'];

function expectNoIdentity(text: string): void {
  const lower = text.toLowerCase();
  for (const identity of everyIdentity) expect(lower, identity).not.toContain(identity.toLowerCase());
  // The DN's name unescaped, too.
  expect(lower).not.toContain("o'brien, jane");
}

function input(): SummaryInput {
  const failed: UserResult = {
    source: { file: 'offboarding/leavers.csv', line: 2 },
    request: { samAccountName: JANE.sam, delegate: DELEGATE, reason: `jdoe leaves; ask ${MANAGER}` },
    ad: { dn: JANE.dn, samAccountName: JANE.sam },
    entra: { id: '7c1c1e39-3f1a-4f57-9a3b-2b5f0d9c1a11', userPrincipalName: JANE.upn, synced: true },
    delegate: {
      userPrincipalName: DELEGATE,
      source: 'csv',
      requested: DELEGATE,
      manager: { userPrincipalName: MANAGER, source: 'ad-manager' },
      override: true,
    },
    status: 'failed',
    steps: [
      { step: 'ad-disable', status: 'done' },
      {
        step: 'mailbox-access',
        status: 'failed',
        reason: `could not grant ${DELEGATE} access to ${JANE.mail}`,
        error: {
          message: `The operation couldn't be performed because object '${JANE.upn.toUpperCase()}' couldn't be found on 'AM0PR01MB0001'. (${JANE.dn}; ${JANE.displayName})`,
          code: 'ManagementObjectNotFoundException',
        },
      },
    ],
  };
  const guarded: UserResult = {
    source: { file: 'offboarding/leavers.csv', line: 3 },
    request: { userPrincipalName: KIM.upn },
    ad: { dn: KIM.dn, samAccountName: KIM.sam },
    status: 'blocked',
    reason: `protected: ${KIM.upn} is listed in the protected input (CORP\\${KIM.sam}, member of ${KIM.dn})`,
    steps: [
      { step: 'ad-disable', status: 'blocked', reason: `guarded: Kim Park` },
      { step: 'mailbox-access', status: 'blocked' },
    ],
  };
  const mask = new IdentityMask(true);
  mask.add([JANE.mail, JANE.displayName, 'Kim Park', 'nobody@contoso.test']);
  return {
    mode: 'plan',
    outcome: 'failed',
    error: `Could not read ${JANE.upn}`,
    steps: ['ad-disable', 'mailbox-access'],
    users: [failed, guarded],
    inputErrors: [{ file: 'offboarding/leavers.csv', line: 9, message: 'the delegate "nobody@contoso.test" is the leaver: name someone else' }],
    preflight: [],
    notices: [`offboarding/leavers.csv:4: the same person (${JANE.mail}) is also on line 5; acted on once`],
    redacted: true,
    mask,
    resultsFile: '/runner/temp/offboarding-results.json',
  };
}

describe('summary: redacted', () => {
  it('leaves no UPN, mail, sAMAccountName, DN or display name anywhere in the job summary', () => {
    const markdown = renderSummary(input());
    expectNoIdentity(markdown);
    // What stays: the masked forms, the domains, the codes and the line numbers.
    expect(markdown).toContain('- ❌ J.D.@Contoso.test → r.s.@contoso.test ⚠️ · ①❌②');
    expect(markdown).toContain('<td>🛑 blocked <sub>protected</sub></td>');
    expect(markdown).toContain('&#40;CN=O. J.,OU=Staff,DC=corp,DC=contoso,DC=test; O. J.&#41;');
    expect(markdown).toContain('<code>offboarding/leavers.csv&#58;9</code> the delegate &#34;n.@contoso.test&#34; is the leaver');
  });

  it('leaves no identity anywhere in the plan comment', () => {
    expectNoIdentity(buildPlanComment(input()).markdown);
  });

  it('shows every identity when not redacted', () => {
    const markdown = renderSummary({ ...input(), redacted: false, mask: undefined });
    expect(markdown).toContain(JANE.upn);
    expect(markdown).toContain('CN=O&#39;Brien&#92;, Jane');
  });
});

describe('the identity mask', () => {
  const mask = new IdentityMask(true);
  mask.add([JANE.upn, JANE.sam, JANE.dn, JANE.displayName]);

  it('masks each known value in any case, longest first, keeping the domain and the DN containers', () => {
    expect(mask.text(`JANE.DOE@contoso.test (jdoe) at ${JANE.dn}`)).toBe('j.d.@contoso.test (j.) at CN=O. J.,OU=Staff,DC=corp,DC=contoso,DC=test');
  });

  it('finds a display name in its DN-escaped form and on its own', () => {
    expect(mask.text("moved O'Brien\\, Jane; O'Brien, Jane left")).toBe('moved O. J.; O. J. left');
  });

  it('leaves a value inside a longer word alone', () => {
    expect(mask.text('ajdoex, jdoe2 and jdoe.')).toBe('ajdoex, jdoe2 and j..');
  });

  it('masks nothing when disabled', () => {
    const off = new IdentityMask(false);
    off.add([JANE.upn]);
    expect(off.text(JANE.upn)).toBe(JANE.upn);
  });
});
