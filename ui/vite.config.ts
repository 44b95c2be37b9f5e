/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';

// Day separators and clock times are computed in local time; pin the zone the tests run in so a
// midnight boundary means the same thing on every machine.
process.env.TZ = 'Asia/Shanghai';

export default defineConfig({
  plugins: [svelte(), svelteTesting()],
  resolve: {
    alias: {
      $lib: fileURLToPath(new URL('./src/lib', import.meta.url)),
    },
  },
  clearScreen: false,
  server: {
    host: 'localhost',
    port: 1420,
    strictPort: true,
  },
  build: {
    target: 'es2021',
    outDir: 'dist',
    emptyOutDir: true,
    // The webview loads everything from the app bundle; keep assets as files (strict CSP).
    assetsInlineLimit: 0,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['./src/test-setup.ts'],
    // Component styles are applied in tests, so layout rules (a label that must not wrap, a button
    // row that sticks) can be asserted through getComputedStyle.
    css: true,
    restoreMocks: true,
  },
});
