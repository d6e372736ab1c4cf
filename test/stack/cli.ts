// `npm run stack`: starts the test stack, prints its facts as JSON (or writes them to --facts FILE), stops on SIGINT/SIGTERM.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { baseFixture, makeTenant } from './fixture.js';
import { startStack } from './stack.js';

const { values } = parseArgs({
  options: {
    facts: { type: 'string' },
    dir: { type: 'string' },
    'dc-address': { type: 'string' },
    leavers: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  process.stdout.write(
    'usage: npm run stack -- [--facts FILE] [--dir DIR] [--dc-address 127.0.0.x] [--leavers N]\n' +
      '  Starts the Samba AD DC, the Microsoft 365 simulator, pwsh and the stand-in modules; prints StackFacts as JSON\n' +
      '  (or writes them to FILE) and runs until SIGINT or SIGTERM. --leavers N seeds N generated leavers as well.\n',
  );
  process.exit(0);
}

const leavers = values.leavers === undefined ? 0 : Number(values.leavers);
if (!Number.isInteger(leavers) || leavers < 0) {
  process.stderr.write(`--leavers must be a whole number, not ${values.leavers}\n`);
  process.exit(2);
}

const stack = await startStack({
  dir: values.dir,
  dcAddress: values['dc-address'],
  fixture: leavers ? makeTenant(leavers).fixture : baseFixture(),
}).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

const json = `${JSON.stringify(stack.facts, null, 2)}\n`;
if (values.facts) {
  writeFileSync(values.facts, json, { mode: 0o600 });
  process.stderr.write(`test stack up in ${stack.facts.startupMs.total} ms; facts in ${values.facts}\n`);
} else {
  process.stdout.write(json);
}

let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`${signal}: stopping the test stack\n`);
  stack.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`stopping failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// Keeps the process alive until a signal arrives: the servers' handles alone may be unreferenced.
setInterval(() => undefined, 1 << 30);
