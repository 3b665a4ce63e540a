// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SiteView } from '../../../renderer/src/components/SiteView';
import { siteKey } from '../../../renderer/src/store';
import { realBridge, type RealBridge } from './real-bridge';

let app: RealBridge;
beforeAll(async () => {
  // Pantheon's own lean shapes: an environment that has not been deployed says nothing about it.
  app = await realBridge({ mode: 'strict' });
}, 60_000);
afterAll(async () => {
  await app?.close();
});
afterEach(cleanup);

describe('an environment whose state Pantheon did not tell', { timeout: 60_000 }, () => {
  it('is "state unknown", not "not initialized", and its backups are still shown', async () => {
    const site = await app.site('acme-landing');
    // The settings request that would tell whether live is initialized fails.
    app.sandbox.setFaults({
      api: { script: [{ path: '/environments/live/settings', status: 404, times: 100 }] },
    });
    const envs = await app.api.sites.environments({ accountId: app.accountId, site: site.name });
    expect(envs.ok && envs.value.find((e) => e.id === 'live')?.initialized).toBeNull();

    render(<SiteView site={site} siteKey={siteKey(app.accountId, site.id)} />);
    const live = await screen.findByRole('tab', { name: /^live/ }, { timeout: 15_000 });
    expect(live.textContent).toBe('livestate unknown');
    // Live is what the app opens on, unknown or not; its panel lists backups rather than "not initialized".
    expect(live.getAttribute('aria-selected')).toBe('true');
    const panel = screen.getByRole('tabpanel');
    await within(panel).findByRole('heading', { name: 'Backups' }, { timeout: 15_000 });
    expect(panel.textContent).not.toContain('not initialized');
    expect(within(panel).getByRole<HTMLButtonElement>('button', { name: 'Create backup' }).disabled).toBe(
      false,
    );
    expect(within(panel).getByRole<HTMLButtonElement>('button', { name: 'Restore locally' }).disabled).toBe(
      false,
    );
  });
});
