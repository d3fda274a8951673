import { defineConfig } from 'vitest/config';

/** Test files that mock modules (vi.mock) need a module registry of their own. */
const ISOLATED = ['test/output-folder.test.ts'];

export default defineConfig({
  test: {
    // Synthesizing a whole site loads cdk8s, cdktf and the generated bindings: seconds, not milliseconds,
    // on a loaded 2-core CI machine. Speed is measured by `npm run bench`, never asserted here.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: ISOLATED,
          // One module registry per worker for every file: cdk8s, cdktf, the bindings and the validators load once
          // per worker instead of once per file (most of the suite's time was loading them 45 times).
          pool: 'threads',
          isolate: false,
        },
      },
      { extends: true, test: { name: 'isolated', include: ISOLATED, pool: 'forks' } },
    ],
  },
});
