import { defineConfig } from '@playwright/test';
import { CHROMIUM } from './test/helpers/chromium';

/**
 * End-to-end tests. `e2e` drives the real UI on the real engine through the browser host in Debian's
 * Chromium; `electron` runs the same journeys in the desktop app wherever an Electron binary exists.
 */
export default defineConfig({
  testDir: 'test',
  timeout: 90_000,
  expect: { timeout: 15_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    // An action that cannot happen (its element never shows, or the page crashed) fails within this, naming what it
    // waited for, instead of using up the whole test's time; long operations wait with expect and their own timeout.
    actionTimeout: 15_000,
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    launchOptions: CHROMIUM,
    trace: 'off',
  },
  projects: [
    { name: 'e2e', testMatch: 'e2e/**/*.spec.ts' },
    { name: 'electron', testMatch: 'e2e-electron/**/*.spec.ts' },
  ],
});
