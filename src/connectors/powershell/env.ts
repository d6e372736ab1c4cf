// The whole environment of a pwsh the connector starts: a short allowlist of the runner's variables, no secrets.

// The variables pwsh and .NET need to run, plus the proxy settings a self-hosted runner may depend on. Secrets stay out.
const PASS_THROUGH = [
  'PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'LC_CTYPE', 'PSModulePath', 'SSL_CERT_FILE', 'SSL_CERT_DIR',
  'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy',
  // Windows runners.
  'SystemRoot', 'SystemDrive', 'windir', 'ComSpec', 'PATHEXT', 'TEMP', 'TMP', 'USERPROFILE', 'APPDATA', 'LOCALAPPDATA',
  'ProgramData', 'ProgramFiles', 'ProgramFiles(x86)', 'ProgramW6432', 'CommonProgramFiles',
];

/** The allowlisted variables of `source`, with PowerShell's and PnP's telemetry and update checks off. */
export function powershellEnv(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined) continue;
    if (PASS_THROUGH.includes(name) || name.startsWith('DOTNET_')) env[name] = value;
  }
  env.POWERSHELL_TELEMETRY_OPTOUT = '1';
  env.POWERSHELL_UPDATECHECK = 'Off';
  env.PNPPOWERSHELL_UPDATECHECK = 'Off';
  env.PNPPOWERSHELL_DISABLETELEMETRY = 'true';
  return env;
}
