// Runs the simulator as its own process: `main.ts <options.json>`; prints {"url": …} on one line, stops on SIGTERM.
import { readFileSync } from 'node:fs';
import { startSimulator } from './index.js';
import type { SimulatorOptions } from './types.js';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: main.ts <options.json>  (SimulatorOptions as JSON)\n');
  process.exit(2);
}
const options = JSON.parse(readFileSync(file, 'utf8')) as SimulatorOptions; // written by the stack from a SimulatorOptions
const simulator = await startSimulator(options);
process.stdout.write(`${JSON.stringify({ url: simulator.url, pid: process.pid })}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  simulator.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
