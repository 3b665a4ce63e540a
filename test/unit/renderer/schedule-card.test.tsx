// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ScheduleCard } from '../../../renderer/src/components/ScheduleCard';
import { siteKey } from '../../../renderer/src/store';
import { clientFor, DANA } from '../../helpers/sandbox';
import { realBridge, type RealBridge } from './real-bridge';

// Tokyo: no daylight saving time, and 9 hours ahead, so the sandbox's 16:00 UTC is 01:00 the next day.
vi.hoisted(() => {
  process.env.TZ = 'Asia/Tokyo';
});

let app: RealBridge;
beforeAll(async () => {
  app = await realBridge();
}, 60_000);
afterAll(async () => {
  await app?.close();
});
afterEach(cleanup);

describe('automatic backup schedule in local time', { timeout: 60_000 }, () => {
  it("shows Pantheon's UTC hour and weekly day in the local zone, named, and saves a changed local day as UTC", async () => {
    const site = await app.site('acme-blog');
    const client = clientFor(app.sandbox, DANA);
    const pantheonSite = await client.getSite('acme-blog');
    expect(await client.getSchedule(pantheonSite, 'live')).toMatchObject({ dailyHourUtc: 16, weeklyDay: 5 });

    render(<ScheduleCard siteKey={siteKey(app.accountId, site.id)} env="live" frozen={false} />);
    const card = await screen.findByRole('region', { name: 'Automatic backups' });
    await within(card).findByText(/^Daily at/, undefined, { timeout: 15_000 });
    expect(card.textContent).toContain('Daily at 01:00, kept a week; weekly on Saturday, kept 32 days.');
    expect(card.textContent).toContain(
      'Times in Asia/Tokyo (UTC+09:00); Pantheon keeps them in UTC (16:00, Friday).',
    );
    expect(card.textContent).not.toContain('16:00 UTC');

    fireEvent.click(within(card).getByRole('button', { name: 'Change…' }));
    const day = within(card).getByRole<HTMLSelectElement>('combobox', { name: /Weekly on/ });
    expect(day.value).toBe('6');
    fireEvent.change(day, { target: { value: '1' } });
    fireEvent.click(within(card).getByRole('button', { name: 'Save' }));
    await within(card).findByText(/weekly on Monday/, undefined, { timeout: 15_000 });
    // Monday 01:00 in Tokyo is Sunday 16:00 UTC: Pantheon's weekly day is Sunday, the hour unchanged.
    expect(await client.getSchedule(pantheonSite, 'live')).toMatchObject({ dailyHourUtc: 16, weeklyDay: 0 });
  });
});
