import { test } from './fixtures';
import { journeys } from './journeys';

// Set LIFEBOAT_E2E_CPU_THROTTLE=N to run the page N times slower, as on a busy machine: races between what the
// journeys do and what the page is still loading show up here rather than now and then in CI.
const throttle = Number(process.env.LIFEBOAT_E2E_CPU_THROTTLE ?? 0);

// The real UI on the real engine, through the browser host, in Debian's Chromium.
for (const journey of journeys) {
  test(journey.name, async ({ page, host, sandbox, work }) => {
    if (throttle > 1) {
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
    }
    await journey.run({
      page,
      sandbox,
      work,
      screenshots: true,
      open: async () => void (await page.goto(host.url)),
    });
  });
}
