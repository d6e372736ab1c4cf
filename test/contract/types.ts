// What a contract case is: a call as Microsoft's or PnP's documentation shows it, and the answer documented for it.
import type { z } from 'zod';

/** People, groups and sites of the test tenant a case may name (resolved from the loaded fixture at run time). */
export interface ContractTenant {
  /** A user by fixture key: object id, UPN, mail. */
  user(key: string): { id: string; userPrincipalName: string; mail: string };
  /** An Entra group by display name. */
  group(displayName: string): { id: string; displayName: string };
  /** The id of a user's (fixture key) first authentication method of a type (`phone`, `fido2`…). */
  authMethod(key: string, type: string): string;
  /** The Identity of a user's (fixture key) mobile device, by its friendly name. */
  mobileDevice(key: string, friendlyName: string): string;
  /** The OneDrive site URL of a user (fixture key) who has one. */
  oneDrive(key: string): string;
  /** `https://<tenant>-admin.sharepoint.com` */
  sharepointAdminUrl: string;
  tenantId: string;
  organization: string;
}

/** The documented answer: its status, the headers it must carry, the shape of its body. */
export interface DocumentedResponse {
  status: number;
  /** Header names the answer must carry (e.g. `Retry-After` on a 429). */
  headers?: string[];
  /**
   * The documented body: required properties and their types, refusals by their error `code`. A zod object keeps
   * properties it does not name, so a body with more than the documentation promises still matches.
   */
  body?: z.ZodType;
}

interface CaseBase {
  /** What the case shows, e.g. "get a user by userPrincipalName with $select". */
  name: string;
  /** The documentation page the request and the answer were written from. */
  doc: string;
  /** The log signatures (test/stack/simulator/signature.ts) of the calls this case makes as documented. */
  covers: string[];
  /**
   * Application permissions to run with instead of the stack app's (a refusal for a missing permission).
   * Absent: the permissions the action's README asks for.
   */
  roles?: string[];
}

interface GraphRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Below the version root, values already in place: `/users/jdoe@contoso.test`. Encoded by the runner per segment. */
  path: string[];
  /** OData query options by name (`$select`), values as the documentation writes them; URL-encoded by the runner. */
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
}

/** Microsoft Graph v1.0 (and its JSON batching endpoint), called over HTTPS with the app's token. */
export interface GraphCase extends CaseBase {
  service: 'graph';
  request: (t: ContractTenant) => GraphRequest;
  response: DocumentedResponse;
  /** Simulator faults to set for this case (e.g. throttling); cleared afterwards. */
  faults?: Record<string, unknown>;
}

/** Entra ID's v2.0 token endpoint, called with a client assertion signed by the app's certificate. */
export interface TokenCase extends CaseBase {
  service: 'entra';
  request: {
    /** Form fields besides `client_assertion`, which the runner signs (with `assertion` changes, if any). */
    form: (t: ContractTenant, clientId: string) => Record<string, string>;
    /** Tenant segment of the URL: the tenant id by default. */
    tenant?: (t: ContractTenant) => string;
  };
  response: DocumentedResponse;
}

interface CmdletCall {
  cmdlet: string;
  parameters: Record<string, unknown>;
  /** SharePoint: the site the cmdlet runs on (its connection), instead of the admin site. */
  site?: string;
}

/** An Exchange Online or PnP.PowerShell cmdlet, run in pwsh through the stand-in module with parameters as data. */
export interface CmdletCase extends CaseBase {
  service: 'exchange' | 'sharepoint';
  /** Changes to the parameters the action connects with (Connect-ExchangeOnline, Connect-PnPOnline). */
  connect?: Record<string, unknown>;
  /** Calls that bring the tenant to the state the case needs (their answers are not checked). */
  setup?: (t: ContractTenant) => CmdletCall[];
  request: (t: ContractTenant) => CmdletCall;
  response:
    | {
        /** Each output object matches this shape. */
        output: z.ZodType;
        /** How many objects the cmdlet writes, when the case decides it. */
        count?: number;
        /** Warnings the cmdlet writes (each pattern must match one). Absent: none checked. */
        warnings?: RegExp[];
        /** Lines the cmdlet writes to the verbose stream when run with -Verbose (each pattern must match one). */
        verbose?: RegExp[];
      }
    | {
        /** The cmdlet fails: the exception type and the message, as documented. */
        error: { type?: RegExp; message: RegExp };
      };
}

export type ContractCase = GraphCase | TokenCase | CmdletCase;
