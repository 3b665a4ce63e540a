#!/usr/bin/env node
// The `lifeboat` command. In a checkout it runs the TypeScript source through tsx, so no build is needed;
// in a package it runs the bundle that `npm run build` writes to out/main/cli.js.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

process.env.LIFEBOAT_CLI_ENTRY = '1';
const source = fileURLToPath(new URL('../electron/cli/index.ts', import.meta.url));
const built = new URL('../out/main/cli.js', import.meta.url);
let tsx = null;
if (existsSync(source)) {
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    tsx = null;
  }
}
if (tsx) {
  tsx.register();
  await import(source);
} else if (existsSync(fileURLToPath(built))) {
  await import(built.href);
} else {
  process.stderr.write('lifeboat: not built. Run `npm ci && npm run build` first.\n');
  process.exit(1);
}
