import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Says once, before any test, when the real-firmware or PostgreSQL-server tests will be skipped and why.
    globalSetup: ['test/helpers/global-setup.ts'],
    // Two cores: keep workers to two so CPU-bound suites do not starve timing-sensitive ones.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
