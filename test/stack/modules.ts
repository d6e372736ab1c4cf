// Installs the stand-in ExchangeOnlineManagement and PnP.PowerShell modules, pointed at a running simulator.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'modules');

const STAND_IN_MODULES = ['ExchangeOnlineManagement', 'PnP.PowerShell'] as const;

export interface StandInOptions {
  /** `https://localhost:<port>` of the simulator. */
  simulatorUrl: string;
  /** PEM of the CA that signed the simulator's certificate: the only CA the modules trust. */
  caPem: string;
  /** Sleep at import, to model the real modules' import time in the benchmark. */
  importDelayMs?: number;
}

/**
 * Copies the stand-in modules into `dir` with a `simulator.json` that says where the simulator is and which CA to
 * trust, and returns the folder to put on PSModulePath.
 */
export function installStandInModules(dir: string, options: StandInOptions): string {
  mkdirSync(dir, { recursive: true });
  for (const name of STAND_IN_MODULES) {
    const target = path.join(dir, name);
    cpSync(path.join(SOURCE, name), target, { recursive: true });
    cpSync(path.join(SOURCE, 'SimulatorClient.ps1'), path.join(target, 'SimulatorClient.ps1'));
  }
  const config = {
    simulatorUrl: options.simulatorUrl.replace(/\/+$/, ''),
    caPem: options.caPem,
    importDelayMs: options.importDelayMs ?? 0,
  };
  writeFileSync(path.join(dir, 'simulator.json'), `${JSON.stringify(config, null, 2)}\n`);
  return dir;
}
