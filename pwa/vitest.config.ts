import { defineConfig } from 'vitest/config';

// Separate from vite.config.ts: the unit tests cover shared, DOM-free modules
// and need neither the PWA plugin nor a browser environment.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});
