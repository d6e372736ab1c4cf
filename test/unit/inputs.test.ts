// Input validation: defaults, one clear message per mistake, configurations that only make sense together.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseInputs, readInputs } from '../../src/inputs.js';
import { INPUT, OUTPUT } from '../../src/inputs/names.js';

const CERTIFICATE_PEM =
  '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n' +
  '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n';
const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAKHBfpeg\n-----END CERTIFICATE-----\n';

const AD = {
  'ldap-url': 'ldaps://dc1.corp.contoso.test',
  'ldap-bind-dn': 'CN=svc-offboard,OU=Service,DC=corp,DC=contoso,DC=test',
  'ldap-password': 'Pa55w0rd!',
  'ldap-base-dn': 'DC=corp,DC=contoso,DC=test',
};
const ENTRA = {
  'tenant-id': '8f3c1c2e-5a4b-4c7e-9d1f-2b6a7e9c0d11',
  'client-id': '0b7e5f1d-2c3a-4e8b-9a6d-1f2e3c4b5a69',
  certificate: CERTIFICATE_PEM,
  organization: 'contoso.onmicrosoft.com',
};

const errorsOf = (raw: Record<string, string>) => parseInputs(raw).errors;
const inputsOf = (raw: Record<string, string>, env: { RUNNER_TEMP?: string } = {}) => {
  const result = parseInputs(raw, env);
  expect(result.errors).toEqual([]);
  if (!result.inputs) throw new Error('no inputs');
  return result.inputs;
};

describe('parseInputs', () => {
  it('fills every default when no input is given', () => {
    expect(inputsOf({}, { RUNNER_TEMP: '/runner/_temp' })).toEqual({
      mode: 'plan',
      csv: 'offboarding/*.csv',
      select: 'auto',
      lookbackDays: 30,
      timeZone: 'UTC',
      steps: ['ad-disable', 'entra-disable', 'entra-revoke', 'mailbox-access', 'onedrive-access'],
      csvDelegate: 'allow',
      maxUsers: 25,
      canary: 0,
      failureThreshold: 25,
      protected: [],
      failOn: 'error',
      summary: 'full',
      resultsFile: '/runner/_temp/offboarding-results.json',
      pwsh: 'pwsh',
      powershellSessions: 2,
      mailboxAutomapping: true,
    });
  });

  it('puts the results file in the system temporary directory when RUNNER_TEMP is unset', () => {
    expect(inputsOf({}).resultsFile).toBe(path.join(os.tmpdir(), 'offboarding-results.json'));
  });

  it('suggests apply for the mode typo aply', () => {
    expect(errorsOf({ mode: 'aply' })).toEqual(['Input "mode": "aply" is not one of plan, apply. Did you mean "apply"?']);
  });

  it('reads mode in any case', () => {
    expect(inputsOf({ mode: 'Apply' }).mode).toBe('apply');
  });

  it('names an unknown step, the closest step and every valid step', () => {
    expect(errorsOf({ steps: 'ad-disable, entra_revok' })).toEqual([
      'Input "steps": unknown step "entra_revok". Did you mean "entra-revoke"? The steps are ad-disable, ad-stamp, ' +
        'ad-groups, entra-disable, entra-block, entra-revoke, mailbox-access, onedrive-access, mailbox-forward, mailbox-autoreply, mailbox-shared, ' +
        'mailbox-hide, licenses, ad-move',
    ]);
  });

  it('returns steps in the order they are applied, without duplicates, from newlines or commas', () => {
    expect(inputsOf({ steps: 'entra-revoke\nad-disable, ad-stamp\nad-disable,' }).steps).toEqual([
      'ad-disable',
      'ad-stamp',
      'entra-revoke',
    ]);
  });

  it('reads protected as a list separated by newlines or commas', () => {
    expect(inputsOf({ protected: 'break-glass@contoso.test, svc-sync\nDomain Admins\n' }).protected).toEqual([
      'break-glass@contoso.test',
      'svc-sync',
      'Domain Admins',
    ]);
  });

  it('rejects a time zone that is not an IANA zone', () => {
    expect(errorsOf({ 'time-zone': 'Europe/Berln' })).toEqual([
      'Input "time-zone": "Europe/Berln" is not an IANA time zone (for example Europe/Berlin, America/New_York or UTC)',
    ]);
  });

  it('rejects a fixed offset as a time zone', () => {
    expect(errorsOf({ 'time-zone': '+01:00' })).toHaveLength(1);
  });

  it('rejects a max-users that is not a number', () => {
    expect(errorsOf({ 'max-users': 'ten' })).toEqual(['Input "max-users": "ten" is not a whole number']);
  });

  it.each([
    ['0', 'Input "powershell-sessions": must be at least 1'],
    ['9', 'Input "powershell-sessions": must be at most 8'],
  ])('rejects powershell-sessions %s', (value, message) => {
    expect(errorsOf({ 'powershell-sessions': value })).toEqual([message]);
  });

  it.each(['1', '8'])('accepts powershell-sessions %s', (value) => {
    expect(inputsOf({ 'powershell-sessions': value }).powershellSessions).toBe(Number(value));
  });

  it.each([
    ['canary', '-1', 'Input "canary": "-1" is not a whole number'],
    ['canary', '2.5', 'Input "canary": "2.5" is not a whole number'],
    ['failure-threshold', '0', 'Input "failure-threshold": must be at least 1'],
    ['failure-threshold', '101', 'Input "failure-threshold": must be at most 100'],
    ['failure-threshold', '25%', 'Input "failure-threshold": "25%" is not a whole number'],
  ])('rejects %s %s', (name, value, message) => {
    expect(errorsOf({ [name]: value })).toEqual([message]);
  });

  it('reads canary and failure-threshold, 100 included', () => {
    expect(inputsOf({ canary: '3', 'failure-threshold': '100' })).toMatchObject({ canary: 3, failureThreshold: 100 });
  });

  it('reads booleans as true or false in any case', () => {
    const inputs = inputsOf({ ...AD, 'ldap-tls-verify': 'FALSE', 'mailbox-automapping': 'True' });
    expect(inputs.ldap?.tlsVerify).toBe(false);
    expect(inputs.mailboxAutomapping).toBe(true);
  });

  it('rejects a boolean that is neither true nor false', () => {
    expect(errorsOf({ 'mailbox-automapping': 'yes' })).toEqual(['Input "mailbox-automapping": "yes" is not true or false']);
  });

  it('reads csv-delegate refuse, and rejects another value with a suggestion', () => {
    expect(inputsOf({ 'csv-delegate': 'Refuse' }).csvDelegate).toBe('refuse');
    expect(errorsOf({ 'csv-delegate': 'refus' })).toEqual(['Input "csv-delegate": "refus" is not one of allow, refuse. Did you mean "refuse"?']);
  });

  it('rejects a default-delegate that is not a UPN', () => {
    expect(errorsOf({ 'default-delegate': 'Jane Boss' })).toEqual([
      'Input "default-delegate": "Jane Boss" is not a UPN (name@domain)',
    ]);
  });

  it('rejects a csv path outside the workspace', () => {
    expect(errorsOf({ csv: '../other/*.csv' })).toEqual([
      'Input "csv": "../other/*.csv" must be relative to the workspace (no leading / and no ..)',
    ]);
  });

  it('leaves AD and Entra out when they are not configured', () => {
    const inputs = inputsOf({});
    expect(inputs.ldap).toBeUndefined();
    expect(inputs.entra).toBeUndefined();
  });

  it('reads a complete AD configuration', () => {
    expect(inputsOf({ ...AD, 'ldap-ca': CA_PEM, 'ldap-disabled-ou': 'OU=Disabled Users,DC=corp,DC=contoso,DC=test' }).ldap).toEqual({
      url: 'ldaps://dc1.corp.contoso.test',
      bindDn: AD['ldap-bind-dn'],
      password: AD['ldap-password'],
      baseDn: AD['ldap-base-dn'],
      ca: CA_PEM.trim(),
      tlsVerify: true,
      disabledOu: 'OU=Disabled Users,DC=corp,DC=contoso,DC=test',
    });
  });

  it('accepts an ldap:// URL without a message, since StartTLS is then required', () => {
    const result = parseInputs({ ...AD, 'ldap-url': 'ldap://dc1.corp.contoso.test:389' });
    expect(result.errors).toEqual([]);
    expect(result.inputs?.ldap?.url).toBe('ldap://dc1.corp.contoso.test:389');
  });

  it('rejects an LDAP URL of another scheme', () => {
    expect(errorsOf({ ...AD, 'ldap-url': 'https://dc1.corp.contoso.test' })).toEqual([
      'Input "ldap-url": "https://dc1.corp.contoso.test" must be ldaps://host[:port] or ldap://host[:port] (StartTLS is then required)',
    ]);
  });

  it('rejects ldap-tls-verify false together with ldap-ca', () => {
    expect(errorsOf({ ...AD, 'ldap-ca': CA_PEM, 'ldap-tls-verify': 'false' })).toEqual([
      'Input "ldap-tls-verify": is false while ldap-ca is set: verification with the CA is what ldap-ca is for. Remove one of them',
    ]);
  });

  it('names what is missing from a partial AD configuration', () => {
    expect(errorsOf({ 'ldap-url': AD['ldap-url'], 'ldap-base-dn': AD['ldap-base-dn'] })).toEqual([
      'Input "ldap-bind-dn": Active Directory is configured only in part: ldap-url, ldap-base-dn set but ' +
        'ldap-bind-dn, ldap-password empty (ldap-password is a secret; pull requests from forks get no secrets). ' +
        'Set all of ldap-url, ldap-bind-dn, ldap-password, ldap-base-dn, or none (then no AD step runs)',
    ]);
  });

  it('names what is missing from a partial Entra configuration', () => {
    expect(errorsOf({ 'tenant-id': ENTRA['tenant-id'] })).toEqual([
      'Input "client-id": Entra ID is configured only in part: tenant-id set but client-id, certificate empty ' +
        '(certificate is a secret; pull requests from forks get no secrets). ' +
        'Set all of tenant-id, client-id, certificate, or none (then no cloud step runs)',
    ]);
  });

  it('requires ldap-disabled-ou when steps include ad-move', () => {
    expect(errorsOf({ steps: 'ad-disable, ad-move' })).toEqual([
      'Input "ldap-disabled-ou": is empty but steps include ad-move, which moves accounts there',
    ]);
  });

  it('requires block-group when steps include entra-block', () => {
    expect(errorsOf({ steps: 'entra-block' })).toEqual([
      'Input "block-group": is empty but steps include entra-block, which adds leavers to it',
    ]);
  });

  it('reads a complete Entra configuration and derives the SharePoint admin URL', () => {
    expect(inputsOf(ENTRA).entra).toEqual({
      tenantId: ENTRA['tenant-id'],
      clientId: ENTRA['client-id'],
      certificate: CERTIFICATE_PEM.trim(),
      organization: 'contoso.onmicrosoft.com',
      sharepointAdminUrl: 'https://contoso-admin.sharepoint.com',
      cloud: 'global',
    });
  });

  it.each([
    ['global', 'contoso.onmicrosoft.com', 'https://contoso-admin.sharepoint.com'],
    ['usgov', 'contoso.onmicrosoft.com', 'https://contoso-admin.sharepoint.com'],
    ['usgovhigh', 'contoso.onmicrosoft.us', 'https://contoso-admin.sharepoint.us'],
    ['usgovdod', 'contoso.onmicrosoft.us', 'https://contoso-admin.sharepoint-mil.us'],
    ['china', 'contoso.partner.onmschina.cn', 'https://contoso-admin.sharepoint.cn'],
  ])('derives the SharePoint admin URL in the %s cloud from %s', (cloud, organization, url) => {
    expect(inputsOf({ ...ENTRA, cloud, organization }).entra?.sharepointAdminUrl).toBe(url);
  });

  it('prefers an explicit sharepoint-admin-url', () => {
    const inputs = inputsOf({ ...ENTRA, 'sharepoint-admin-url': 'https://localhost:8443/sharepoint/' });
    expect(inputs.entra?.sharepointAdminUrl).toBe('https://localhost:8443/sharepoint');
  });

  it('takes organization from a tenant-id that is the first domain', () => {
    const inputs = inputsOf({ ...ENTRA, 'tenant-id': 'fabrikam.onmicrosoft.com', organization: '' });
    expect(inputs.entra).toMatchObject({
      organization: 'fabrikam.onmicrosoft.com',
      sharepointAdminUrl: 'https://fabrikam-admin.sharepoint.com',
    });
  });

  it('requires organization when Exchange steps run and the tenant id is a GUID', () => {
    expect(errorsOf({ ...ENTRA, organization: '', steps: 'mailbox-access' })).toEqual([
      'Input "organization": is empty but steps include mailbox-access, which connect to Exchange Online with it: ' +
        "set it to the tenant's first domain (contoso.onmicrosoft.com)",
    ]);
  });

  it('requires sharepoint-admin-url for onedrive-access when organization is a custom domain', () => {
    expect(errorsOf({ ...ENTRA, organization: 'contoso.com', steps: 'onedrive-access' })).toEqual([
      'Input "sharepoint-admin-url": cannot be derived from organization "contoso.com", which is not a ' +
        '*.onmicrosoft.com domain; onedrive-access needs it (https://contoso-admin.sharepoint.com)',
    ]);
  });

  it('rejects an encrypted private key without certificate-password', () => {
    const encrypted = CERTIFICATE_PEM.replace(/PRIVATE KEY/g, 'ENCRYPTED PRIVATE KEY');
    expect(errorsOf({ ...ENTRA, certificate: encrypted })).toEqual([
      'Input "certificate-password": is empty but the private key in certificate is encrypted',
    ]);
  });

  it('never quotes a secret back in a message', () => {
    const errors = errorsOf({ ...ENTRA, certificate: 'not-a-pem-s3cr3t' });
    expect(errors).toEqual([
      'Input "certificate": must be PEM text with both the certificate (BEGIN CERTIFICATE) and its private key (BEGIN PRIVATE KEY)',
    ]);
  });

  it('reports one message per mistake, each naming its input', () => {
    const errors = errorsOf({
      mode: 'aply',
      'time-zone': 'Mars/Olympus_Mons',
      'max-users': 'many',
      steps: 'ad-disable, ad-move',
      'ldap-url': 'dc1.corp.contoso.test',
    });
    expect(errors.map((error) => /^Input "([^"]+)"/.exec(error)?.[1])).toEqual([
      'mode',
      'time-zone',
      'max-users',
      'ldap-url',
      'ldap-bind-dn',
      'ldap-disabled-ou',
    ]);
  });
});

describe('input and output names', () => {
  it('are exactly those action.yml declares', () => {
    const action = parse(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')) as {
      inputs: Record<string, unknown>;
      outputs: Record<string, unknown>;
    };
    expect(Object.values(INPUT).sort()).toEqual(Object.keys(action.inputs).sort());
    expect(Object.values(OUTPUT).sort()).toEqual(Object.keys(action.outputs).sort());
  });
});

describe('readInputs', () => {
  it('masks each secret as soon as it is read, and nothing else', () => {
    const raw: Record<string, string> = {
      ...AD,
      ...ENTRA,
      'certificate-password': 'key-passphrase',
      'github-token': 'ghs_abc',
      'default-delegate': 'boss@contoso.test',
    };
    const log: string[] = [];
    readInputs(
      (name) => {
        log.push(`read ${name}`);
        return raw[name] ?? '';
      },
      (secret) => log.push(`mask ${secret}`),
    );
    for (const name of [INPUT.ldapPassword, INPUT.certificate, INPUT.certificatePassword, INPUT.githubToken]) {
      expect(log[log.indexOf(`read ${name}`) + 1]).toBe(`mask ${raw[name]}`);
    }
    // The certificate's lines are masked one by one too: a single line printed alone is hidden as well.
    const keyLines = CERTIFICATE_PEM.split('\n').filter((line) => line.length >= 8 && !line.startsWith('-----'));
    expect(keyLines).toEqual(['MIIBszCCAVmgAwIBAgIU', 'MIGHAgEAMBMGByqGSM49']);
    const afterCertificate = log.slice(log.indexOf(`read ${INPUT.certificate}`) + 2, log.indexOf(`read ${INPUT.certificate}`) + 2 + keyLines.length);
    expect(afterCertificate).toEqual(keyLines.map((line) => `mask ${line}`));
    expect(log.filter((entry) => entry.startsWith('mask'))).toHaveLength(4 + keyLines.length);
  });

  it('reads every input once and validates them', () => {
    const reads: string[] = [];
    const result = readInputs(
      (name) => {
        reads.push(name);
        return name === INPUT.mode ? 'apply' : '';
      },
      () => undefined,
      { RUNNER_TEMP: '/runner/_temp' },
    );
    expect(reads).toEqual(Object.values(INPUT));
    expect(result.inputs?.mode).toBe('apply');
  });

  it('does not mask an empty secret', () => {
    const masked: string[] = [];
    readInputs(
      () => '',
      (secret) => masked.push(secret),
    );
    expect(masked).toEqual([]);
  });
});
