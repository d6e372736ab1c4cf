// Reads the action's inputs once, masks the secrets, and validates them into one typed `Inputs` value.
import os from 'node:os';
import path from 'node:path';
import * as core from '@actions/core';
import { crossCheck, organizationOf, sharepointAdminUrlOf } from './inputs/checks.js';
import { FIELDS, type Values } from './inputs/fields.js';
import { INPUT, inputMessage as message, SECRET_INPUTS } from './inputs/names.js';
import { stagedSteps } from './inputs/stages.js';
import type { EntraInputs, Inputs, LdapInputs } from './inputs-types.js';
import { secretParts } from './util/secret-parts.js';

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

  const stages = v[INPUT.stages];
  const inputs: Inputs = {
    mode: v[INPUT.mode],
    csv: v[INPUT.csv],
    users: v[INPUT.users],
    roster: v[INPUT.roster],
    select: v[INPUT.select],
    lookbackDays: v[INPUT.lookbackDays],
    timeZone: v[INPUT.timeZone],
    steps: stages ? stagedSteps(stages) : v[INPUT.steps],
    stages,
    defaultDelegate: v[INPUT.defaultDelegate],
    csvDelegate: v[INPUT.csvDelegate],
    maxUsers: v[INPUT.maxUsers],
    canary: v[INPUT.canary],
    failureThreshold: v[INPUT.failureThreshold],
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
    notify: v[INPUT.notify],
    notifyFrom: v[INPUT.notifyFrom],
    displayNameFormat: v[INPUT.displayNameFormat],
    autoreplyMessage: v[INPUT.autoreplyMessage],
    undoFrom: v[INPUT.undoFrom],
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
    if (SECRET_INPUTS.has(name) && value.trim() !== '') for (const part of secretParts(value)) mask(part);
    raw[name] = value;
  }
  return parseInputs(raw, env);
}
