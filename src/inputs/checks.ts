// The mistakes in the inputs that only show when they are read together, and the values derived from several inputs.
import type { Cloud } from '../inputs-types.js';
import { stepsUsing } from '../steps/index.js';
import type { Values } from './fields.js';
import { INPUT, inputMessage as message, SECRET_INPUTS, type InputName } from './names.js';
import { stagedSteps } from './stages.js';

// Tenants get a first domain of <name>.onmicrosoft.com (.us in GCC High and DoD, .partner.onmschina.cn in China).
const INITIAL_DOMAIN = /^([a-z0-9-]+)\.(onmicrosoft\.com|onmicrosoft\.us|partner\.onmschina\.cn)$/i;
const SHAREPOINT_DOMAIN: Record<Cloud, string> = {
  global: 'sharepoint.com',
  usgov: 'sharepoint.com',
  usgovhigh: 'sharepoint.us',
  usgovdod: 'sharepoint-mil.us',
  china: 'sharepoint.cn',
};

const names = (list: InputName[]): string => list.join(', ');

/** Inputs that only make sense together: all set, or all empty. */
function together(raw: Record<string, string>, group: InputName[], what: string, absent: string): string | undefined {
  const set = group.filter((name) => (raw[name] ?? '').trim() !== '');
  if (set.length === 0 || set.length === group.length) return undefined;
  const empty = group.filter((name) => !set.includes(name));
  const secrets = empty.filter((name) => SECRET_INPUTS.has(name));
  const hint = secrets.length > 0 ? ` (${names(secrets)} is a secret; pull requests from forks get no secrets)` : '';
  return message(
    empty[0],
    `${what} is configured only in part: ${names(set)} set but ${names(empty)} empty${hint}. ` +
      `Set all of ${names(group)}, or none (${absent})`,
  );
}

/** The mistakes that only show when inputs are read together. */
export function crossCheck(raw: Record<string, string>, values: Partial<Values>): string[] {
  const errors: string[] = [];
  const ldap = together(
    raw,
    [INPUT.ldapUrl, INPUT.ldapBindDn, INPUT.ldapPassword, INPUT.ldapBaseDn],
    'Active Directory',
    'then no AD step runs',
  );
  if (ldap) errors.push(ldap);
  const entra = together(
    raw,
    [INPUT.tenantId, INPUT.clientId, INPUT.certificate],
    'Entra ID',
    'then no cloud step runs',
  );
  if (entra) errors.push(entra);

  if (values[INPUT.ldapTlsVerify] === false && values[INPUT.ldapCa]) {
    errors.push(
      message(
        INPUT.ldapTlsVerify,
        'is false while ldap-ca is set: verification with the CA is what ldap-ca is for. Remove one of them',
      ),
    );
  }
  const certificatePem = values[INPUT.certificate];
  if (certificatePem && /-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(certificatePem) && !values[INPUT.certificatePassword]) {
    errors.push(message(INPUT.certificatePassword, 'is empty but the private key in certificate is encrypted'));
  }

  const stages = values[INPUT.stages];
  if (stages && (raw[INPUT.steps] ?? '').trim() !== '') {
    errors.push(message(INPUT.stages, 'is set together with steps: each stage names its steps, so remove steps'));
  }
  if (values[INPUT.undoFrom] && values[INPUT.users]?.trim()) {
    errors.push(message(INPUT.users, 'is set together with undo-from: an undo acts on the users of the record, and reads the CSV only to see who is still requested. Leave users empty'));
  }
  const stepList = stages ? stagedSteps(stages) : (values[INPUT.steps] ?? []);
  if (stepList.includes('ad-move') && !values[INPUT.ldapDisabledOu]) {
    errors.push(message(INPUT.ldapDisabledOu, 'is empty but steps include ad-move, which moves accounts there'));
  }
  if (stepList.includes('rename') && (raw[INPUT.displayNameFormat] ?? '').trim() === '') {
    errors.push(message(INPUT.displayNameFormat, 'is empty but steps include rename, which makes the new display name from it'));
  }
  if (stepList.includes('entra-block') && !values[INPUT.blockGroup]) {
    errors.push(message(INPUT.blockGroup, 'is empty but steps include entra-block, which adds leavers to it'));
  }
  if (stepList.includes('mailbox-autoreply') && !values[INPUT.autoreplyMessage]) {
    errors.push(message(INPUT.autoreplyMessage, 'is empty but steps include mailbox-autoreply, which sets it as the automatic reply'));
  }

  if (values[INPUT.notify] === 'delegate') {
    if (!raw[INPUT.notifyFrom]?.trim()) errors.push(message(INPUT.notifyFrom, 'is empty but notify is delegate: set the UPN of the mailbox the mails are sent from'));
    if (!raw[INPUT.tenantId]?.trim()) errors.push(message(INPUT.notify, 'is delegate but Entra ID is not configured: the mails are sent through Microsoft Graph'));
  }

  if (values[INPUT.tenantId] && values[INPUT.clientId] && values[INPUT.certificate]) {
    const organization = organizationOf(values);
    const exchangeSteps = stepsUsing('exchange', stepList);
    if (!organization && exchangeSteps.length > 0) {
      errors.push(
        message(
          INPUT.organization,
          `is empty but steps include ${exchangeSteps.join(', ')}, which connect to Exchange Online with it: ` +
            "set it to the tenant's first domain (contoso.onmicrosoft.com)",
        ),
      );
    }
    if (stepList.includes('onedrive-access') && !sharepointAdminUrlOf(values, organization)) {
      const why = organization
        ? `cannot be derived from organization "${organization}", which is not a *.onmicrosoft.com domain`
        : 'is empty and there is no organization to derive it from';
      errors.push(
        message(INPUT.sharepointAdminUrl, `${why}; onedrive-access needs it (https://contoso-admin.sharepoint.com)`),
      );
    }
  }
  return errors;
}

/** `organization`, or the tenant id when that is the tenant's first domain. */
export function organizationOf(values: Partial<Values>): string | undefined {
  const tenantId = values[INPUT.tenantId];
  return values[INPUT.organization] ?? (tenantId && INITIAL_DOMAIN.test(tenantId) ? tenantId : undefined);
}

/** `sharepoint-admin-url`, or https://<tenant>-admin.<SharePoint domain of the cloud> from the first domain. */
export function sharepointAdminUrlOf(values: Partial<Values>, organization: string | undefined): string | undefined {
  const explicit = values[INPUT.sharepointAdminUrl];
  if (explicit) return explicit;
  const tenantName = organization?.match(INITIAL_DOMAIN)?.[1]?.toLowerCase();
  if (!tenantName) return undefined;
  return `https://${tenantName}-admin.${SHAREPOINT_DOMAIN[values[INPUT.cloud] ?? 'global']}`;
}
