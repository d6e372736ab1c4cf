// The whole environment of a pwsh the connector starts: a short allowlist of the runner's variables, no secrets.
import { childEnv } from '../../util/child-env.js';

// Besides the essentials every child gets (child-env.ts): the module path, and the TLS and proxy settings a
// self-hosted runner may depend on. .NET's own DOTNET_* settings (where the runtime is) go on too. Secrets stay out.
const PWSH_VARIABLES = [
  'PSModulePath', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy',
  // Windows runners.
  'ProgramFiles', 'ProgramFiles(x86)', 'ProgramW6432', 'CommonProgramFiles',
];

/** The allowlisted variables of `source`, with PowerShell's and PnP's telemetry and update checks off. */
export function powershellEnv(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const dotnet = Object.keys(source).filter((name) => name.startsWith('DOTNET_'));
  return {
    ...childEnv([...PWSH_VARIABLES, ...dotnet], source),
    POWERSHELL_TELEMETRY_OPTOUT: '1',
    POWERSHELL_UPDATECHECK: 'Off',
    PNPPOWERSHELL_UPDATECHECK: 'Off',
    PNPPOWERSHELL_DISABLETELEMETRY: 'true',
  };
}
