// `npx vitest` in this folder runs the example tests on the board the lab file names here
// (SUITRIG_BOARD=<name> picks another; environment variables win over this config).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    provide: { suitrig: { lab: 'rig.yaml', board: 'virtual-nrf52840' } },
    // Hardware is slower than a unit test: a test may take minutes; hooks restore the board.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One board, one test at a time.
    fileParallelism: false,
  },
});
