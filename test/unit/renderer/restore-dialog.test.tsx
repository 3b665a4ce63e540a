// @vitest-environment jsdom
// The restore dialog as it is filled in, on the real engine and the demo sandbox: what stands in the way shows
// next to the field it concerns while the person types (the restore's own preview, asked once typing rests),
// and a name left empty is the engine's default, the first folder that does not exist yet.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RestoreDialog } from '../../../renderer/src/components/dialogs';
import { siteKey } from '../../../renderer/src/store';
import { realBridge, type RealBridge } from './real-bridge';

let app: RealBridge;
let target: string;
beforeAll(async () => {
  app = await realBridge();
}, 60_000);
afterAll(async () => {
  await app?.close();
});
beforeEach(async () => {
  target = await mkdtemp(join(tmpdir(), 'lifeboat-restore-dialog-'));
  // A folder of the default name is there already, with something in it.
  await mkdir(join(target, 'acme-blog-live'));
  await writeFile(join(target, 'acme-blog-live', 'notes.txt'), 'mine');
  return () => rm(target, { recursive: true, force: true });
});
afterEach(cleanup);

async function open() {
  const site = await app.site('acme-blog');
  render(
    <RestoreDialog
      site={site}
      siteKey={siteKey(app.accountId, site.id)}
      env="live"
      onClose={() => undefined}
    />,
  );
  const dialog = screen.getByRole('dialog', { name: 'Restore acme-blog.live locally' });
  const field = (label: string) => within(dialog).getByLabelText<HTMLInputElement>(label);
  const type = (label: string, value: string) => fireEvent.change(field(label), { target: { value } });
  /** The text of what the field's aria-describedby points at, or null. */
  const describedBy = (label: string): string | null => {
    const id = field(label).getAttribute('aria-describedby');
    return id ? (document.getElementById(id)?.textContent ?? null) : null;
  };
  return { dialog, field, type, describedBy };
}

describe('the restore dialog, as it is filled in', { timeout: 60_000 }, () => {
  it('shows a folder that is in the way next to the folder name as it is typed, before any Review', async () => {
    const { dialog, field, type, describedBy } = await open();
    type('Into the folder', target);
    // Left empty, the name is the engine's: the first one free, shown as the path the restore creates.
    await within(dialog).findByText(join(target, 'acme-blog-live-2'), {}, { timeout: 15_000 });
    expect(field('New folder name').placeholder).toBe('acme-blog-live-2');
    expect(describedBy('New folder name')).toBeNull();

    type('New folder name', 'acme-blog-live');
    await waitFor(() => expect(describedBy('New folder name')).toContain('already exists and is not empty'), {
      timeout: 15_000,
    });
    expect(field('New folder name').getAttribute('aria-invalid')).toBe('true');
    expect(within(dialog).getByRole('status').textContent).toBe('One thing to fix before the restore.');
    // Nothing was reviewed: the plan is not shown, and Review is still what the form offers.
    expect(within(dialog).queryByRole('heading', { name: 'What will happen' })).toBeNull();
    expect(within(dialog).getByRole('button', { name: 'Review' })).toBeTruthy();

    // Typing on: the problem stays, quieter, until the next answer says it is gone (no blinking per keystroke).
    type('New folder name', 'acme-blog-redesign');
    const kept = document.getElementById(field('New folder name').getAttribute('aria-describedby')!)!;
    expect(kept.textContent).toContain('already exists');
    expect(kept.className).toContain('stale');
    await within(dialog).findByText(join(target, 'acme-blog-redesign'), {}, { timeout: 15_000 });
    expect(describedBy('New folder name')).toBeNull();
    expect(field('New folder name').getAttribute('aria-invalid')).toBeNull();
  });

  it('places a refused value by its field: a path typed as the folder name', async () => {
    const { type, describedBy, field } = await open();
    type('Into the folder', target);
    type('New folder name', 'a/b');
    await waitFor(() => expect(describedBy('New folder name')).toBe('A folder name, not a path.'), {
      timeout: 15_000,
    });
    expect(field('Into the folder').getAttribute('aria-describedby')).toBe(
      field('New folder name').getAttribute('aria-describedby'),
    );
  });

  it("Review shows the plan the form says, and Start only once it is the form's", async () => {
    const { dialog, type } = await open();
    type('Into the folder', target);
    type('New folder name', 'fresh');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Review' }));
    await within(dialog).findByRole('heading', { name: 'What will happen' }, { timeout: 15_000 });
    expect(within(dialog).getByRole('button', { name: 'Start restore' })).toBeTruthy();
    expect(dialog.textContent).toContain(`${join(target, 'fresh')}/ (new folder)`);
    // A change after the review asks for a new one.
    type('New folder name', 'fresher');
    expect(within(dialog).queryByRole('heading', { name: 'What will happen' })).toBeNull();
    expect(within(dialog).getByRole('button', { name: 'Review' })).toBeTruthy();
  });
});
