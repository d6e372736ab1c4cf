// Dead-code check (`npm run knip`): unused files, exports, types and dependencies, and import cycles, count as errors.
import type { KnipConfig } from 'knip';

const config: KnipConfig = {
  // The vitest, eslint and package.json-script entry points (tests, global setup, bench, chaos, stack CLI) are found
  // by knip's plugins; listed here are only those no tool names. The simulator's main.ts is spawned as a process.
  entry: ['src/index.ts!', 'scripts/*.{mjs,ts}', 'test/stack/simulator/main.ts'],
  project: ['src/**/*.ts!', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.{mjs,ts}'],
  // System programs the test stack, the benchmark and the screenshot script run, not npm packages.
  ignoreBinaries: ['openssl', 'chromium', 'mkfifo'],
  // knip's default issue types, and import cycles, which it leaves out by default.
  include: [
    'files',
    'dependencies',
    'unlisted',
    'binaries',
    'unresolved',
    'exports',
    'nsExports',
    'types',
    'nsTypes',
    'enumMembers',
    'namespaceMembers',
    'duplicates',
    'cycles',
  ],
};

export default config;
