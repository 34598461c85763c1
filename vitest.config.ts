import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'seeds/**/*.test.ts'],
    exclude: ['e2e/**', 'node_modules/**'],
    pool: 'forks',
    // Test files share a worker process and its loaded modules (about a second per file saved). Each
    // file still gets its own database, and no test mocks modules or changes process.env.
    isolate: false,
    // Builds nothing itself: names this run's demo templates and removes them afterwards.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
