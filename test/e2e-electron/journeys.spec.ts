import { join } from 'node:path';
import { _electron as electron } from '@playwright/test';
import { electronBinary } from '../../electron/host/electron-binary';
import { ROOT, test, trashHome } from '../e2e/fixtures';
import { journeys } from '../e2e/journeys';

const binary = electronBinary();

// The same journeys in the desktop app: its window, its preload bridge, its IPC.
for (const journey of journeys) {
  test(`desktop: ${journey.name}`, async ({ sandbox, work }) => {
    test.skip(
      !binary,
      'No Electron binary on this machine (Electron downloads it from outside the npm registry), so the desktop app cannot start here; the same journeys ran in Chromium through the browser host.',
    );
    const u = new URL(sandbox.url);
    const app = await electron.launch({
      executablePath: binary!,
      args: [join(ROOT, 'out', 'main', 'index.js')],
      env: {
        ...process.env,
        LIFEBOAT_DATA_DIR: join(work, 'data'),
        TERMINUS_PROTOCOL: 'http',
        TERMINUS_HOST: u.hostname,
        TERMINUS_PORT: u.port,
        XDG_DATA_HOME: trashHome(join(work, 'data')),
      },
    });
    try {
      const page = await app.firstWindow();
      await journey.run({
        page,
        sandbox,
        work,
        screenshots: false,
        open: async () => void (await page.waitForLoadState('domcontentloaded')),
      });
    } finally {
      await app.close();
    }
  });
}
