import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

const alias = { '@shared': resolve(import.meta.dirname, 'shared') };

export default defineConfig({
  main: {
    resolve: { alias },
    build: {
      // electron-vite leaves `dependencies` external and bundles the rest. So got, zod, simple-git, tar and
      // picomatch are devDependencies: got is ESM-only (bundling keeps it loadable however Electron resolves
      // packages), and one chunk loads far faster than hundreds of module files (the CLI's start went from 0.30 to
      // 0.18 s, most of it resolving and compiling zod's and got's modules). The runtime `dependencies` (what the
      // npm package and the app install) are the native ones (keytar, @node-rs/crc32), trash and yaml. ws is
      // only the browser host's (a checkout's `npm run start:web`), a devDependency kept external here for the
      // optional native add-ons it probes with require.
      externalizeDeps: { include: ['ws'] },
      rollupOptions: {
        input: {
          index: resolve(import.meta.dirname, 'electron/main/index.ts'),
          // The standalone sandbox, the CLI, the browser host and the launcher are plain Node entry points built with the main bundle so they share
          // chunks; it never imports 'electron'.
          sandbox: resolve(import.meta.dirname, 'electron/sandbox/cli.ts'),
          cli: resolve(import.meta.dirname, 'electron/cli/index.ts'),
          host: resolve(import.meta.dirname, 'electron/host/index.ts'),
          // The engine's own process (out/main/engine.js), started by the app (utilityProcess) and the host (fork).
          engine: resolve(import.meta.dirname, 'electron/host/engine-process.ts'),
          launch: resolve(import.meta.dirname, 'electron/host/launch.ts'),
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
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'renderer'),
    resolve: { alias },
    plugins: [react()],
    build: {
      minify: true,
      // Prints each file's gzipped size: the renderer bundle's weight is watched.
      reportCompressedSize: true,
      rollupOptions: { input: { index: resolve(import.meta.dirname, 'renderer/index.html') } },
    },
  },
});
