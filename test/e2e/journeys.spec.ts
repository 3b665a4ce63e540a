import { test } from './fixtures';
import { journeys } from './journeys';

// The real UI on the real engine, through the browser host, in Debian's Chromium.
for (const journey of journeys) {
  test(journey.name, async ({ page, host, sandbox, work }) => {
    await journey.run({
      page,
      sandbox,
      work,
      screenshots: true,
      open: async () => void (await page.goto(host.url)),
    });
  });
}
