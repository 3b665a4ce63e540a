import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

const alias = { '@shared': resolve(import.meta.dirname, 'shared') };

export default defineConfig({
  main: {
    resolve: { alias },
    build: {
      // got is ESM-only; bundling it keeps the main bundle loadable however Electron resolves packages.
      externalizeDeps: { exclude: ['got'] },
      rollupOptions: {
        input: {
          index: resolve(import.meta.dirname, 'electron/main/index.ts'),
          // The browser host, the CLI and the standalone sandbox are plain Node entry points built with
          // the main bundle so they share its chunks; none of them imports 'electron'.
          host: resolve(import.meta.dirname, 'electron/host/index.ts'),
          cli: resolve(import.meta.dirname, 'electron/cli/index.ts'),
          sandbox: resolve(import.meta.dirname, 'electron/sandbox/cli.ts'),
        },
      },
    },
  },
  preload: {
    resolve: { alias },
    build: {
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'electron/preload/index.ts') },
        // A sandboxed preload must be a single CommonJS file.
        output: { format: 'cjs', entryFileNames: '[name].cjs', inlineDynamicImports: true },
      },
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'renderer'),
    resolve: { alias },
    plugins: [react()],
    build: {
      rollupOptions: { input: { index: resolve(import.meta.dirname, 'renderer/index.html') } },
    },
  },
});
