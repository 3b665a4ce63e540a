// @vitest-environment jsdom
// Settings → Tools (issue 12 §3), on the real engine: it shows which git and database client Lifeboat uses (path
// and version, found on this computer), saves a path typed there, and shows the engine's own error for one that
// points at nothing until it is cleared.
import { join } from 'node:path';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SettingsView, useSettingsDraft } from '../../../renderer/src/components/Settings';
import { useStore } from '../../../renderer/src/store';
import { stubMatchMedia } from './match-media';
import { realBridge, type RealBridge } from './real-bridge';
import { onPath } from '../../helpers/platform';

let app: RealBridge;
/** This machine's git, as a shell finds it on PATH (what the engine finds first too). */
const realGit = onPath('git') ?? 'git';

beforeAll(async () => {
  app = await realBridge();
}, 60_000);
afterAll(async () => {
  await app?.close();
});
beforeEach(async () => {
  stubMatchMedia();
  useSettingsDraft.setState({ draft: {} });
  await act(() => useStore.getState().loadSettings());
});
afterEach(cleanup);

const gitField = () => screen.getByLabelText<HTMLInputElement>('git');
const gitStatus = () => document.getElementById('settings-git-status')!;

describe('Settings → Tools', { timeout: 60_000 }, () => {
  it('shows the git found with its version, and the engine’s error for a saved path that points at nothing', async () => {
    render(<SettingsView />);
    await waitFor(() => expect(gitStatus().textContent).not.toBe('Looking…'));
    expect(gitStatus().textContent).toMatch(
      new RegExp(`^Using ${realGit.replace(/[/.]/g, '\\$&')} \\(git version \\d[^)]*\\), found on PATH\\.$`),
    );
    expect(gitField().value).toBe('');
    expect(gitField().getAttribute('aria-describedby')).toContain('settings-git-status');

    const nowhere = join(app.dataDir, 'no-such-git');
    fireEvent.change(gitField(), { target: { value: nowhere } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(gitStatus().textContent).toContain('nothing is there'));
    // The engine's message, whole.
    const answer = await app.api.tools.find();
    expect(answer.ok && answer.value.git.error?.message).toBe(gitStatus().textContent);
    expect(gitStatus().textContent).toMatch(
      /^Settings → Tools says git is at .*no-such-git, but nothing is there\./,
    );
    expect(gitField().getAttribute('aria-invalid')).toBe('true');
    expect((await app.engine.settings.get()).tools).toEqual({ git: nowhere, mysqlClient: null });

    // Cleared: Lifeboat looks for it again.
    fireEvent.change(gitField(), { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(gitStatus().textContent).toMatch(/found on PATH\.$/));
    expect((await app.engine.settings.get()).tools).toEqual({ git: null, mysqlClient: null });
    expect(gitField().getAttribute('aria-invalid')).toBeNull();
  });

  it('saves the path of the real git, used as set', async () => {
    render(<SettingsView />);
    fireEvent.change(gitField(), { target: { value: realGit } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(gitStatus().textContent).toMatch(/the path saved here\.$/));
    expect(gitStatus().textContent).toContain(`Using ${realGit} (git version`);
    await app.engine.settings.update({ tools: { git: null } });
  });
});
