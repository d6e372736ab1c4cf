// Entra ID's v2.0 token endpoint for app-only sign-in with a certificate, as the Microsoft identity platform documents it.
import { z } from 'zod';
import type { TokenCase } from './types.js';

const CLIENT_CREDENTIALS = 'https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow';

/**
 * "Error response example": `error`, `error_description`, `error_codes`, `timestamp`, `trace_id`, `correlation_id`;
 * the case names the `error` and the AADSTS code.
 */
const entraError = (error: string, code: number): z.ZodType =>
  z.object({
    error: z.literal(error),
    error_description: z.string().startsWith(`AADSTS${code}:`),
    error_codes: z.array(z.number()).refine((c) => c.includes(code), `error_codes holds ${code}`),
    timestamp: z.string(),
    trace_id: z.string(),
    correlation_id: z.string(),
  });

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export const TOKEN_CASES: TokenCase[] = [
  {
    service: 'entra',
    name: 'client credentials with a certificate assertion: a Bearer token',
    // "Second case: Access token request with a certificate": scope, client_id, client_assertion_type
    // (urn:ietf:params:oauth:client-assertion-type:jwt-bearer), client_assertion, grant_type=client_credentials;
    // "Successful response example": { "token_type": "Bearer", "expires_in": 3599, "access_token": "…" }.
    doc: CLIENT_CREDENTIALS,
    covers: ['entra POST /{tenant}/oauth2/v2.0/token client_credentials+client_assertion'],
    request: {
      form: (_t, clientId) => ({ scope: 'https://graph.microsoft.com/.default', client_id: clientId, client_assertion_type: ASSERTION_TYPE, grant_type: 'client_credentials' }),
    },
    response: { status: 200, body: z.object({ token_type: z.literal('Bearer'), expires_in: z.number().int().positive(), access_token: z.string().min(1) }) },
  },
  {
    service: 'entra',
    name: 'the tenant may be named by its primary domain',
    // "{tenant}: The directory tenant the application plans to operate against, in GUID or domain-name format."
    doc: CLIENT_CREDENTIALS,
    covers: ['entra POST /{tenant}/oauth2/v2.0/token client_credentials+client_assertion'],
    request: {
      tenant: (t) => t.organization,
      form: (_t, clientId) => ({ scope: 'https://outlook.office365.com/.default', client_id: clientId, client_assertion_type: ASSERTION_TYPE, grant_type: 'client_credentials' }),
    },
    response: { status: 200, body: z.object({ token_type: z.literal('Bearer'), access_token: z.string().min(1) }) },
  },
  {
    service: 'entra',
    name: 'a scope without /.default: 400 invalid_scope',
    // scope: "The value passed for the scope parameter in this request should be the resource identifier
    // (application ID URI) of the resource you want, affixed with the .default suffix"; "invalid_scope: The scope
    // requested by the app is invalid."
    doc: CLIENT_CREDENTIALS,
    covers: ['entra POST /{tenant}/oauth2/v2.0/token client_credentials+client_assertion'],
    request: {
      form: (_t, clientId) => ({ scope: 'https://graph.microsoft.com/User.Read.All', client_id: clientId, client_assertion_type: ASSERTION_TYPE, grant_type: 'client_credentials' }),
    },
    response: { status: 400, body: z.object({ error: z.literal('invalid_scope'), error_description: z.string(), error_codes: z.array(z.number()) }) },
  },
  {
    service: 'entra',
    name: 'a tenant that does not exist: 400 AADSTS90002',
    // AADSTS90002 InvalidTenantName: "The tenant name wasn't found in the data store. Check to make sure you have the
    // correct tenant ID." (Microsoft Entra authentication and authorization error codes).
    doc: 'https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes',
    covers: ['entra POST /{tenant}/oauth2/v2.0/token client_credentials+client_assertion'],
    request: {
      tenant: () => 'fabrikam-nowhere.onmicrosoft.com',
      form: (_t, clientId) => ({ scope: 'https://graph.microsoft.com/.default', client_id: clientId, client_assertion_type: ASSERTION_TYPE, grant_type: 'client_credentials' }),
    },
    response: { status: 400, body: entraError('invalid_request', 90002) },
  },
  {
    service: 'entra',
    name: 'an application the tenant does not know: 400 unauthorized_client AADSTS700016',
    // AADSTS700016 UnauthorizedClient_DoesNotMatchRequest: "The application wasn't found in the directory/tenant."
    doc: 'https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes',
    covers: ['entra POST /{tenant}/oauth2/v2.0/token client_credentials+client_assertion'],
    request: {
      form: () => ({ scope: 'https://graph.microsoft.com/.default', client_id: '6f1e5c1a-0000-4000-8000-000000000001', client_assertion_type: ASSERTION_TYPE, grant_type: 'client_credentials' }),
    },
    response: { status: 400, body: entraError('unauthorized_client', 700016) },
  },
];
