// The test stack reports how long each of its parts took to start.
import { expect, it } from 'vitest';
import { stackFacts } from '../helpers/stack.js';

it('records a start-up time for each part of the stack', () => {
  const { startupMs } = stackFacts();
  console.log(`stack start-up (ms): ${JSON.stringify(startupMs)}`);
  for (const part of ['pki', 'samba', 'simulator', 'pwsh', 'total'] as const) expect(startupMs[part]).toBeGreaterThan(0);
  expect(startupMs.total).toBeGreaterThanOrEqual(Math.max(startupMs.samba, startupMs.simulator, startupMs.pwsh));
});
