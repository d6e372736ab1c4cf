// Starts the test stack once per run of the integration project, hands its facts to the tests, and stops it after.
import type { TestProject } from 'vitest/node';
import type {} from './helpers/stack.js';
import { startStack } from './stack/stack.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // A part that cannot start throws here with the part's name and the reason: the run fails, nothing is skipped.
  const stack = await startStack();
  const { startupMs } = stack.facts;
  console.log(
    `test stack up in ${startupMs.total} ms (PKI ${startupMs.pki}, Samba ${startupMs.samba} [provision ${stack.samba.startupMs.provision}, ` +
      `start ${stack.samba.startupMs.start}, Exchange schema ${stack.samba.startupMs.schema}, seed ${stack.samba.startupMs.seed}], simulator ${startupMs.simulator}, pwsh ${startupMs.pwsh}); ` +
      `DC ${stack.facts.ldap.url}, simulator ${stack.facts.simulator.url}`,
  );
  project.provide('stack', stack.facts);
  return async () => {
    await stack.stop();
  };
}
