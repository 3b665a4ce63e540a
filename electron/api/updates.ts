import type { AppApi } from '@shared/api/contract';
import { validate } from '@shared/api/schemas';
import type { UpdateState } from '@shared/models';
import { ok, type Result } from '@shared/result';

/** Why the engine's own answer says no: only the packaged desktop app updates itself. */
export const UPDATES_ELSEWHERE =
  'Updates are managed by the desktop app. This Lifeboat runs in the browser from a checkout ' +
  '(npm run start:web): update it with git pull and npm ci.';

/**
 * The `app` domain as the engine answers it: `unavailable`, with the reason. This is what the browser host serves;
 * the desktop app replaces the whole domain with its updater (electron/main/updates.ts), so its windows never see it.
 */
export function updatesElsewhere(current: string): AppApi['app'] {
  const state: UpdateState = { status: 'unavailable', current, reason: UPDATES_ELSEWHERE };
  return {
    updateState: async () => ok(state),
    checkForUpdates: async () => ok(state),
    async restartToUpdate(req): Promise<Result<UpdateState>> {
      const v = validate('restartToUpdate', req);
      if (!v.ok)
        return { ok: false, error: { code: 'invalid-request', message: v.message, retryable: false } };
      return { ok: false, error: { code: 'invalid-request', message: UPDATES_ELSEWHERE, retryable: false } };
    },
  };
}
