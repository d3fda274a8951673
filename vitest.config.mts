import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Vitest keeps each file's last duration here and starts the longest files first, which balances the workers; in
  // .cache/ with the project's other caches rather than in node_modules (a checkout's own, not shared by a symlink).
  cacheDir: '.cache/vite',
  test: {
    include: ['test/**/*.test.ts'],
    // Synthesizing a whole site loads cdk8s, cdktf and the generated bindings: seconds, not milliseconds,
    // on a loaded 2-core CI machine. Speed is measured by `npm run bench`, never asserted here.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One module registry per worker for every file: cdk8s, cdktf, the bindings and the validators load once per
    // worker instead of once per file, and test/support/compiled.ts compiles each committed site once per worker.
    // So no file mocks a module (vi.mock would reach every later file of its worker): spy on the real one and restore
    // it, as test/output-folder.test.ts does with node:fs.
    pool: 'threads',
    isolate: false,
    // One worker per core: vitest's default leaves one core to its main process, which on a 2-core machine ran every
    // file in one worker while the other core idled (the main process is busy only while transforming at the start).
    // At most 4: each worker holds the compiler's modules and its compiled sites (the run's RSS was 1.3 GB with 2).
    maxWorkers: Math.min(4, availableParallelism()),
    // Every module's transform kept on disk by its content, so a run after a small edit transforms only what changed
    // (test/network-flows.test.ts alone: transforms 3.1 s -> 1.1 s, user CPU 7.6 s -> 6.2 s, measured at load 7).
    experimental: { fsModuleCache: true, fsModuleCachePath: '.cache/vitest-modules' },
  },
});
