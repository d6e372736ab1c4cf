// The environment of a program the action starts: an allowlist of the runner's variables, never an input or a secret.

/**
 * The runner hands every action input to the action as an `INPUT_*` variable, the LDAP password and the certificate
 * included; a child inherits the whole environment unless told otherwise. Only what a program needs to run goes on.
 */
const ESSENTIAL = [
  'PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'LC_CTYPE',
  // Windows runners.
  'SystemRoot', 'SystemDrive', 'windir', 'ComSpec', 'PATHEXT', 'TEMP', 'TMP', 'USERPROFILE', 'APPDATA', 'LOCALAPPDATA', 'ProgramData',
];

/** The essential variables of `source`, plus the named ones a particular program reads. */
export function childEnv(extra: readonly string[] = [], source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...ESSENTIAL, ...extra]) {
    const value = source[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
