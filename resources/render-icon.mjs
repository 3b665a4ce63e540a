#!/usr/bin/env node
// Renders resources/icon.svg to resources/icon.png, 1024×1024 with a transparent background (`npm run icons`).
// electron-builder makes the macOS .icns, the Windows .ico and the Linux sizes from that one PNG, so the SVG stays
// the only source. Chromium draws it (playwright-core with the system's Chromium: no browser is downloaded);
// CHROMIUM_PATH points elsewhere than Debian's /usr/bin/chromium, e.g. on a Mac.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const SIZE = 1024;
const here = dirname(fileURLToPath(import.meta.url));
const svg = readFileSync(join(here, 'icon.svg'), 'utf8');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  // The flags Chromium needs on the project's Linux machines (root, no GPU, no background network).
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: SIZE, height: SIZE }, deviceScaleFactor: 1 });
  // The SVG scales from its viewBox to fill the page exactly; nothing around it, so the corners stay transparent.
  await page.setContent(
    `<!doctype html><html><body style="margin:0;background:transparent">${svg.replace(
      '<svg ',
      `<svg width="${SIZE}" height="${SIZE}" style="display:block" `,
    )}</body></html>`,
  );
  const png = await page.screenshot({
    omitBackground: true,
    clip: { x: 0, y: 0, width: SIZE, height: SIZE },
  });
  writeFileSync(join(here, 'icon.png'), png);
  process.stdout.write(`resources/icon.png: ${SIZE}×${SIZE}, ${png.length} bytes\n`);
} finally {
  await browser.close();
}
