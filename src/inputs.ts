// Reads the action's inputs once, masks the secrets, and validates them into one typed `Inputs` value.
import os from 'node:os';
import path from 'node:path';
import * as core from '@actions/core';
import { z } from 'zod';
import type { Cloud, EntraInputs, Inputs, LdapInputs } from './inputs-types.js';
import type { StepName } from './model.js';
import { isIanaZone } from './sources/dates.js';
import { DEFAULT_STEPS, STEP_ORDER, stepsUsing } from './steps/index.js';

/** Input names as written in action.yml. */
export const INPUT = {
  mode: 'mode',
  csv: 'csv',
  users: 'users',
  roster: 'roster',
  select: 'select',
  lookbackDays: 'lookback-days',
  timeZone: 'time-zone',
  steps: 'steps',
  defaultDelegate: 'default-delegate',
  maxUsers: 'max-users',
  protected: 'protected',
  failOn: 'fail-on',
  summary: 'summary',
  resultsFile: 'results-file',
  githubToken: 'github-token',
  ldapUrl: 'ldap-url',
  ldapBindDn: 'ldap-bind-dn',
  ldapPassword: 'ldap-password',
  ldapBaseDn: 'ldap-base-dn',
  ldapCa: 'ldap-ca',
  ldapTlsVerify: 'ldap-tls-verify',
  ldapDisabledOu: 'ldap-disabled-ou',
  tenantId: 'tenant-id',
  clientId: 'client-id',
  certificate: 'certificate',
  certificatePassword: 'certificate-password',
  organization: 'organization',
  sharepointAdminUrl: 'sharepoint-admin-url',
  cloud: 'cloud',
  authorityHost: 'authority-host',
  graphEndpoint: 'graph-endpoint',
  pwsh: 'pwsh',
  powershellSessions: 'powershell-sessions',
  mailboxAutomapping: 'mailbox-automapping',
  blockGroup: 'block-group',
} as const;
export type InputName = (typeof INPUT)[keyof typeof INPUT];

/** Output names as written in action.yml. */
export const OUTPUT = {
  resultsFile: 'results-file',
  selected: 'selected',
  changed: 'changed',
  unchanged: 'unchanged',
  failed: 'failed',
  results: 'results',
} as const;

/** Inputs whose values are masked in the log as soon as they are read. */
export const SECRET_INPUTS: ReadonlySet<InputName> = new Set([
  INPUT.ldapPassword,
  INPUT.certificate,
  INPUT.certificatePassword,
  INPUT.githubToken,
]);

const CLOUDS = ['global', 'usgov', 'usgovhigh', 'usgovdod', 'china'] as const satisfies readonly Cloud[];

// Tenants get a first domain of <name>.onmicrosoft.com (.us in GCC High and DoD, .partner.onmschina.cn in China).
const INITIAL_DOMAIN = /^([a-z0-9-]+)\.(onmicrosoft\.com|onmicrosoft\.us|partner\.onmschina\.cn)$/i;
const SHAREPOINT_DOMAIN: Record<Cloud, string> = {
  global: 'sharepoint.com',
  usgov: 'sharepoint.com',
  usgovhigh: 'sharepoint.us',
  usgovdod: 'sharepoint-mil.us',
  china: 'sharepoint.cn',
};

const UPN = /^[^@\s]+@[^@\s]+$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----/;
const PEM_PRIVATE_KEY = /-----BEGIN (ENCRYPTED |RSA |EC )?PRIVATE KEY-----/;

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** `Did you mean "apply"?` when a known value is a small typo away. */
function suggestion(value: string, known: readonly string[]): string {
  const typed = value.toLowerCase().replace(/_/g, '-');
  let best: { name: string; cost: number } | undefined;
  for (const name of known) {
    const cost = distance(typed, name);
    if (cost <= Math.max(2, Math.floor(name.length / 3)) && (!best || cost < best.cost)) best = { name, cost };
  }
  return best ? ` Did you mean "${best.name}"?` : '';
}

const splitList = (value: string): string[] =>
  value
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** A string input whose empty value means `fallback` (the default as a user would type it). */
const withDefault = <T>(fallback: string, schema: z.ZodType<T, string>) =>
  z
    .string()
    .transform((value) => (value.trim() === '' ? fallback : value.trim()))
    .pipe(schema);

/** A string input that is absent when empty. */
const optional = <T>(schema: z.ZodType<T, string>) =>
  z.string().transform((value, ctx): T | undefined => {
    const trimmed = value.trim();
    if (trimmed === '') return undefined;
    const result = schema.safeParse(trimmed);
    if (result.success) return result.data;
    for (const issue of result.error.issues) ctx.addIssue(issue.message);
    return z.NEVER;
  });

const choice = <const T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((value) => value.toLowerCase())
    .pipe(
      z.enum(values, {
        error: (issue) =>
          `"${String(issue.input)}" is not one of ${values.join(', ')}.${suggestion(String(issue.input), values)}`,
      }),
    );

const bool = z.stringbool({
  truthy: ['true'],
  falsy: ['false'],
  case: 'insensitive',
  error: (issue) => `"${String(issue.input)}" is not true or false`,
});

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { error: (issue) => `"${String(issue.input)}" is not a whole number` })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, { error: `must be at least ${min}` })
        .max(max, { error: `must be at most ${max}` }),
    );

const text = z.string();

const workspacePath = z.string().refine((value) => !path.isAbsolute(value) && !value.split(/[\\/]/).includes('..'), {
  error: (issue) => `"${String(issue.input)}" must be relative to the workspace (no leading / and no ..)`,
});

const https = z.string().transform((value, ctx) => {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    ctx.addIssue(`"${value}" is not a URL`);
    return z.NEVER;
  }
  if (url.protocol !== 'https:') {
    ctx.addIssue(`"${value}" must be an https:// URL`);
    return z.NEVER;
  }
  return url.href.replace(/\/+$/, '');
});

const ldapUrl = z.string().transform((value, ctx) => {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'ldaps:' && url.protocol !== 'ldap:') || url.hostname === '') {
    ctx.addIssue(`"${value}" must be ldaps://host[:port] or ldap://host[:port] (StartTLS is then required)`);
    return z.NEVER;
  }
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.username !== '') {
    ctx.addIssue(`"${value}" must name only the server (ldaps://host[:port]); the search base goes in ldap-base-dn`);
    return z.NEVER;
  }
  return value.replace(/\/+$/, '');
});

const timeZone = z.string().refine(isIanaZone, {
  error: (issue) =>
    `"${String(issue.input)}" is not an IANA time zone (for example Europe/Berlin, America/New_York or UTC)`,
});

const steps = z.string().transform((value, ctx): StepName[] => {
  const names = splitList(value).map((name) => name.toLowerCase());
  const known: readonly string[] = STEP_ORDER;
  const unknown = names.filter((name) => !known.includes(name));
  for (const name of unknown) {
    ctx.addIssue(`unknown step "${name}".${suggestion(name, STEP_ORDER)} The steps are ${STEP_ORDER.join(', ')}`);
  }
  if (names.length === 0) ctx.addIssue('names no step');
  return STEP_ORDER.filter((step) => names.includes(step));
});

const upn = z.string().regex(UPN, { error: (issue) => `"${String(issue.input)}" is not a UPN (name@domain)` });

const tenant = z.string().refine((value) => GUID.test(value) || DOMAIN.test(value), {
  error: (issue) => `"${String(issue.input)}" is not a tenant id (a GUID) or a domain (contoso.onmicrosoft.com)`,
});

const domain = z.string().regex(DOMAIN, { error: (issue) => `"${String(issue.input)}" is not a domain name` });

// Secrets are never quoted back in a message.
const certificate = z.string().check((payload) => {
  if (!PEM_CERTIFICATE.test(payload.value) || !PEM_PRIVATE_KEY.test(payload.value)) {
    payload.issues.push({
      code: 'custom',
      input: payload.value,
      message: 'must be PEM text with both the certificate (BEGIN CERTIFICATE) and its private key (BEGIN PRIVATE KEY)',
    });
  }
});

const caCertificate = z.string().regex(PEM_CERTIFICATE, {
  error: 'must be the PEM of a CA certificate (-----BEGIN CERTIFICATE-----)',
});

/** One schema per input, keyed by its name; each turns the raw string into its typed value. */
const FIELDS = {
  [INPUT.mode]: withDefault('plan', choice(['plan', 'apply'])),
  [INPUT.csv]: withDefault('offboarding/*.csv', workspacePath),
  [INPUT.users]: optional(text),
  [INPUT.roster]: optional(workspacePath),
  [INPUT.select]: withDefault('auto', choice(['auto', 'changed', 'due', 'all'])),
  [INPUT.lookbackDays]: withDefault('30', integer(1, 36_500)),
  [INPUT.timeZone]: withDefault('UTC', timeZone),
  [INPUT.steps]: withDefault(DEFAULT_STEPS.join(','), steps),
  [INPUT.defaultDelegate]: optional(upn),
  [INPUT.maxUsers]: withDefault('25', integer(1, 1_000_000)),
  [INPUT.protected]: z.string().transform(splitList),
  [INPUT.failOn]: withDefault('error', choice(['error', 'never'])),
  [INPUT.summary]: withDefault('full', choice(['full', 'redacted'])),
  [INPUT.resultsFile]: optional(text),
  [INPUT.githubToken]: optional(text),
  [INPUT.ldapUrl]: optional(ldapUrl),
  [INPUT.ldapBindDn]: optional(text),
  [INPUT.ldapPassword]: optional(text),
  [INPUT.ldapBaseDn]: optional(text),
  [INPUT.ldapCa]: optional(caCertificate),
  [INPUT.ldapTlsVerify]: withDefault('true', bool),
  [INPUT.ldapDisabledOu]: optional(text),
  [INPUT.tenantId]: optional(tenant),
  [INPUT.clientId]: optional(text),
  [INPUT.certificate]: optional(certificate),
  [INPUT.certificatePassword]: optional(text),
  [INPUT.organization]: optional(domain),
  [INPUT.sharepointAdminUrl]: optional(https),
  [INPUT.cloud]: withDefault('global', choice(CLOUDS)),
  [INPUT.authorityHost]: optional(https),
  [INPUT.graphEndpoint]: optional(https),
  [INPUT.pwsh]: withDefault('pwsh', text),
  [INPUT.powershellSessions]: withDefault('2', integer(1, 8)),
  [INPUT.mailboxAutomapping]: withDefault('true', bool),
  [INPUT.blockGroup]: optional(text),
} satisfies Record<InputName, z.ZodType<unknown, string>>;

type Values = { [K in InputName]: z.output<(typeof FIELDS)[K]> };

const message = (name: InputName, text: string): string => `Input "${name}": ${text}`;
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
function crossCheck(raw: Record<string, string>, values: Partial<Values>): string[] {
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

  const stepList = values[INPUT.steps] ?? [];
  if (stepList.includes('ad-move') && !values[INPUT.ldapDisabledOu]) {
    errors.push(message(INPUT.ldapDisabledOu, 'is empty but steps include ad-move, which moves accounts there'));
  }
  if (stepList.includes('entra-block') && !values[INPUT.blockGroup]) {
    errors.push(message(INPUT.blockGroup, 'is empty but steps include entra-block, which adds leavers to it'));
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
function organizationOf(values: Partial<Values>): string | undefined {
  const tenantId = values[INPUT.tenantId];
  return values[INPUT.organization] ?? (tenantId && INITIAL_DOMAIN.test(tenantId) ? tenantId : undefined);
}

/** `sharepoint-admin-url`, or https://<tenant>-admin.<SharePoint domain of the cloud> from the first domain. */
function sharepointAdminUrlOf(values: Partial<Values>, organization: string | undefined): string | undefined {
  const explicit = values[INPUT.sharepointAdminUrl];
  if (explicit) return explicit;
  const tenantName = organization?.match(INITIAL_DOMAIN)?.[1]?.toLowerCase();
  if (!tenantName) return undefined;
  return `https://${tenantName}-admin.${SHAREPOINT_DOMAIN[values[INPUT.cloud] ?? 'global']}`;
}

/**
 * Validates raw input strings (as `core.getInput` returns them; missing means empty) into `Inputs`, or returns one
 * message per mistake, each naming its input. Pure: tests call it without the toolkit.
 */
export function parseInputs(
  raw: Record<string, string>,
  env: { RUNNER_TEMP?: string } = {},
): { inputs?: Inputs; errors: string[] } {
  const errors: string[] = [];
  const values: Partial<Values> = {};
  for (const name of Object.values(INPUT)) {
    const result = FIELDS[name].safeParse(raw[name] ?? '');
    if (result.success) (values as Record<string, unknown>)[name] = result.data; // keyed by the same name as its schema
    else errors.push(...result.error.issues.map((issue) => message(name, issue.message)));
  }
  errors.push(...crossCheck(raw, values));
  if (errors.length > 0) return { errors };
  const v = values as Values;

  const [url, bindDn, password, baseDn] = [v[INPUT.ldapUrl], v[INPUT.ldapBindDn], v[INPUT.ldapPassword], v[INPUT.ldapBaseDn]];
  const ldap: LdapInputs | undefined =
    url && bindDn && password && baseDn
      ? {
          url,
          bindDn,
          password,
          baseDn,
          ca: v[INPUT.ldapCa],
          tlsVerify: v[INPUT.ldapTlsVerify],
          disabledOu: v[INPUT.ldapDisabledOu],
        }
      : undefined;
  const [tenantId, clientId, certificatePem] = [v[INPUT.tenantId], v[INPUT.clientId], v[INPUT.certificate]];
  const organization = organizationOf(v);
  const entra: EntraInputs | undefined =
    tenantId && clientId && certificatePem
      ? {
          tenantId,
          clientId,
          certificate: certificatePem,
          certificatePassword: v[INPUT.certificatePassword],
          organization,
          sharepointAdminUrl: sharepointAdminUrlOf(v, organization),
          cloud: v[INPUT.cloud],
          authorityHost: v[INPUT.authorityHost],
          graphEndpoint: v[INPUT.graphEndpoint],
        }
      : undefined;

  const inputs: Inputs = {
    mode: v[INPUT.mode],
    csv: v[INPUT.csv],
    users: v[INPUT.users],
    roster: v[INPUT.roster],
    select: v[INPUT.select],
    lookbackDays: v[INPUT.lookbackDays],
    timeZone: v[INPUT.timeZone],
    steps: v[INPUT.steps],
    defaultDelegate: v[INPUT.defaultDelegate],
    maxUsers: v[INPUT.maxUsers],
    protected: v[INPUT.protected],
    failOn: v[INPUT.failOn],
    summary: v[INPUT.summary],
    resultsFile:
      v[INPUT.resultsFile] ?? path.join(env.RUNNER_TEMP || os.tmpdir(), 'offboarding-results.json'),
    githubToken: v[INPUT.githubToken],
    ldap,
    entra,
    pwsh: v[INPUT.pwsh],
    powershellSessions: v[INPUT.powershellSessions],
    mailboxAutomapping: v[INPUT.mailboxAutomapping],
    blockGroup: v[INPUT.blockGroup],
  };
  return { inputs, errors: [] };
}

/**
 * Reads every input once through `get` (core.getInput by default), masks each secret with `mask` as soon as it is
 * read, then validates with parseInputs.
 */
export function readInputs(
  get: (name: string) => string = (name) => core.getInput(name),
  mask: (secret: string) => void = (secret) => core.setSecret(secret),
  env: { RUNNER_TEMP?: string } = { RUNNER_TEMP: process.env.RUNNER_TEMP },
): { inputs?: Inputs; errors: string[] } {
  const raw: Record<string, string> = {};
  for (const name of Object.values(INPUT)) {
    const value = get(name);
    if (SECRET_INPUTS.has(name) && value.trim() !== '') mask(value);
    raw[name] = value;
  }
  return parseInputs(raw, env);
}
