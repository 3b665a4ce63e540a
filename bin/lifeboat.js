#!/usr/bin/env node
// The `lifeboat` command. In a checkout (electron/cli/index.ts is there) it runs the TypeScript source through
// tsx, so no build is needed, or the build when tsx is not installed. The npm package ships no sources, only the
// bundle that `npm pack` builds (prepack) into out/main/cli.js, so an installed lifeboat never looks for tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

process.env.LIFEBOAT_CLI_ENTRY = '1';
const source = fileURLToPath(new URL('../electron/cli/index.ts', import.meta.url));
const built = new URL('../out/main/cli.js', import.meta.url);
const checkout = existsSync(source);
let tsx = null;
if (checkout) {
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    // A checkout installed without devDependencies: the build, if there is one.
    tsx = null;
  }
}
if (tsx) {
  // The checkout's tsconfig (its @shared/* paths), wherever the command is run from: tsx would read the
  // current folder's.
  tsx.register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
  await import(source);
} else if (existsSync(fileURLToPath(built))) {
  await import(built.href);
} else if (checkout) {
  process.stderr.write('lifeboat: not built. Run `npm ci` (or `npm run build`) in the checkout first.\n');
  process.exit(1);
} else {
  process.stderr.write(
    `lifeboat: this installation is incomplete: ${fileURLToPath(built)} is missing. Install lifeboat again.\n`,
  );
  process.exit(1);
}
