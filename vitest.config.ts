import { defineConfig } from 'vitest/config';

export default defineConfig({
  define: { global: 'globalThis' },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    passWithNoTests: true,
  },
});
