import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Synthesizing a whole site loads cdk8s, cdktf and the generated bindings: seconds, not milliseconds,
    // on a loaded 2-core CI machine. Speed is measured by `npm run bench`, never asserted here.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
