// One schema per input: each turns the raw string of the workflow file into its typed value, or says what is wrong.
import path from 'node:path';
import { z } from 'zod';
import type { Cloud } from '../inputs-types.js';
import type { StepName } from '../model.js';
import { PLACEHOLDERS, unknownPlaceholders } from '../steps/autoreply-message.js';
import { DEFAULT_STEPS, STEP_ORDER } from '../steps/index.js';
import { isIanaZone } from '../sources/dates.js';
import { formatProblems } from '../util/name-format.js';
import { INPUT, type InputName } from './names.js';
import { parseStages } from './stages.js';

const CLOUDS = ['global', 'usgov', 'usgovhigh', 'usgovdod', 'china'] as const satisfies readonly Cloud[];

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

const stages = z.string().transform((value, ctx) => {
  const { stages: parsed, errors } = parseStages(value, (name) => suggestion(name, STEP_ORDER));
  for (const error of errors) ctx.addIssue(error);
  return parsed;
});

const displayNameFormat = z.string().check((payload) => {
  for (const problem of formatProblems(payload.value)) payload.issues.push({ code: 'custom', input: payload.value, message: problem });
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

/** The contract's limit for a value that is not an identity or a reason. */
const MAX_AUTOREPLY = 1024;

// Line breaks and tabs are the text's own; any other control character would travel unseen into every leaver's reply.
const isControl = (char: string): boolean => (char < ' ' && !'\t\n\r'.includes(char)) || char === '\u007F';

const autoreplyTemplate = z.string().check((payload) => {
  const problems: string[] = [];
  if (payload.value.length > MAX_AUTOREPLY) problems.push(`is ${payload.value.length} characters long; at most ${MAX_AUTOREPLY}`);
  if ([...payload.value].some(isControl)) problems.push('contains a control character');
  for (const name of unknownPlaceholders(payload.value)) {
    problems.push(`names the unknown placeholder {${name}}; the placeholders are ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`);
  }
  for (const message of problems) payload.issues.push({ code: 'custom', input: payload.value, message });
});

const caCertificate = z.string().regex(PEM_CERTIFICATE, {
  error: 'must be the PEM of a CA certificate (-----BEGIN CERTIFICATE-----)',
});

/** One schema per input, keyed by its name; each turns the raw string into its typed value. */
export const FIELDS = {
  [INPUT.mode]: withDefault('plan', choice(['plan', 'apply'])),
  [INPUT.csv]: withDefault('offboarding/*.csv', workspacePath),
  [INPUT.users]: optional(text),
  [INPUT.roster]: optional(workspacePath),
  [INPUT.undoFrom]: optional(workspacePath),
  [INPUT.select]: withDefault('auto', choice(['auto', 'changed', 'due', 'all'])),
  [INPUT.lookbackDays]: withDefault('30', integer(1, 36_500)),
  [INPUT.timeZone]: withDefault('UTC', timeZone),
  [INPUT.steps]: withDefault(DEFAULT_STEPS.join(','), steps),
  [INPUT.stages]: optional(stages),
  [INPUT.defaultDelegate]: optional(upn),
  [INPUT.csvDelegate]: withDefault('allow', choice(['allow', 'refuse'])),
  [INPUT.maxUsers]: withDefault('25', integer(1, 1_000_000)),
  [INPUT.canary]: withDefault('0', integer(0, 1_000_000)),
  [INPUT.failureThreshold]: withDefault('25', integer(1, 100)),
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
  [INPUT.notify]: withDefault('none', choice(['none', 'delegate'])),
  [INPUT.notifyFrom]: optional(upn),
  [INPUT.displayNameFormat]: optional(displayNameFormat),
  [INPUT.autoreplyMessage]: optional(autoreplyTemplate),
} satisfies Record<InputName, z.ZodType<unknown, string>>;

export type Values = { [K in InputName]: z.output<(typeof FIELDS)[K]> };
