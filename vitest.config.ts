// Two projects: pure logic (no servers) and everything that runs against the test stack.
import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // @actions/workflow-parser imports its schema JSON without `with { type: 'json' }`, which Node refuses.
          server: { deps: { inline: ['@actions/workflow-parser'] } },
        },
        // Its source maps name sources it does not ship; dropped, so that Vite does not warn about each file.
        plugins: [
          {
            name: 'workflow-parser-without-source-maps',
            load: (id: string) =>
              /[\\/]@actions[\\/]workflow-parser[\\/]dist[\\/].*\.js$/.test(id)
                ? readFileSync(id, 'utf8').replace(/^\/\/# sourceMappingURL=.*$/m, '')
                : undefined,
          },
        ],
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          setupFiles: ['test/setup-trust.ts'],
          // One shared stack (a DC, a simulator): files run one after another so their assertions on server state hold.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
