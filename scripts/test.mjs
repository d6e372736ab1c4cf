// `npm test`: installs what is missing on a fresh clone (dependencies, then Samba and PowerShell), then runs vitest on Node 24.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LOCAL_NODE = path.join(ROOT, 'node_modules', '.bin', 'node');
const VITEST = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const DOTNET_TOOLS = path.join(os.homedir(), '.dotnet', 'tools');
/** What the test stack runs: the Samba DC and its tools, openssl for its PKI, pwsh for the PowerShell connectors. */
const STACK_COMMANDS = ['samba', 'samba-tool', 'winbindd', 'ldapsearch', 'openssl', 'pwsh'];

const say = (text) => process.stdout.write(`npm test: ${text}\n`);
const fail = (text) => {
  process.stderr.write(`npm test: ${text}\n`);
  process.exit(1);
};

/**
 * node_modules matches package-lock.json when npm's own record of what it installed (node_modules/.package-lock.json)
 * has every package of the lock at its version. Optional packages are left out: npm skips those of other platforms.
 */
function dependenciesInstalled() {
  const hiddenLock = path.join(ROOT, 'node_modules', '.package-lock.json');
  if (!existsSync(hiddenLock) || !existsSync(LOCAL_NODE) || !existsSync(VITEST)) return false;
  const wanted = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')).packages;
  const installed = JSON.parse(readFileSync(hiddenLock, 'utf8')).packages;
  return Object.entries(wanted).every(([name, entry]) => name === '' || entry.optional || installed[name]?.version === entry.version);
}

function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The stack's commands not found on PATH, the sbin folders or (for pwsh) the .NET tools folder. */
function missingStackCommands() {
  const folders = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/bin', '/sbin', DOTNET_TOOLS];
  return STACK_COMMANDS.filter((command) => !folders.some((folder) => folder !== '' && executable(path.join(folder, command))));
}

/** True when every test the arguments name is a unit test, which needs no stack. */
function unitTestsOnly(args) {
  const project = args.flatMap((arg, i) => (arg === '--project' ? [args[i + 1]] : arg.startsWith('--project=') ? [arg.slice(10)] : []));
  if (project.length > 0) return project.every((name) => name === 'unit');
  const files = args.filter((arg, i) => !arg.startsWith('-') && !(args[i - 1] ?? '').startsWith('-'));
  return files.length > 0 && files.every((file) => path.relative(ROOT, path.resolve(file)).startsWith(`test${path.sep}unit${path.sep}`));
}

const args = process.argv.slice(2);

if (!dependenciesInstalled()) {
  say('node_modules is missing or does not match package-lock.json: npm ci');
  const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: ROOT, stdio: 'inherit' });
  if (npm.status !== 0) fail('npm ci failed: see the output above.');
}

if (!unitTestsOnly(args)) {
  const missing = missingStackCommands();
  if (missing.length > 0) {
    if (process.getuid?.() !== 0) {
      fail(
        `the test stack needs ${missing.join(', ')}, which are not installed. Install them once as root with ` +
          '`sudo bash scripts/install-prereqs.sh` (Samba AD DC, winbind, ldap-utils, openssl, PowerShell 7), then run npm test again. ' +
          'Unit tests alone need none of it: npm test -- --project unit',
      );
    }
    say(`the test stack needs ${missing.join(', ')}: bash scripts/install-prereqs.sh`);
    const install = spawnSync('bash', [path.join(ROOT, 'scripts', 'install-prereqs.sh')], { cwd: ROOT, stdio: 'inherit' });
    if (install.status !== 0) fail('scripts/install-prereqs.sh failed: see the output above.');
  }
}

// Node 24 from node_modules runs vitest, whatever `node` the shell found first; pwsh installed as a .NET tool is found.
const env = { ...process.env, PATH: [path.join(ROOT, 'node_modules', '.bin'), DOTNET_TOOLS, process.env.PATH].join(path.delimiter) };
const child = spawn(LOCAL_NODE, [VITEST, 'run', ...args], { cwd: ROOT, env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + os.constants.signals[signal] : 1)));
