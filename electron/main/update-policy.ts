/**
 * The decisions behind the desktop app's updates, without Electron (so they are tested under plain Node): whether
 * this copy of Lifeboat may update itself, what each updater event makes of the state, what an updater error means
 * in words, and whether a restart now would stop someone's work. updates.ts only wires electron-updater to them.
 */
import type { Job, UpdateState } from '@shared/models';
import { redact } from '../services/log/redact';

/** What decides whether this copy of the app can update itself. */
export interface UpdateFacts {
  /** Electron's `app.isPackaged`: false when run from a checkout (development). */
  readonly packaged: boolean;
  readonly platform: NodeJS.Platform;
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Linux only: the `package-type` file electron-builder puts in the resources of a deb (or rpm, pacman) install,
   * null when there is none. electron-updater picks its Linux updater from it, or from `APPIMAGE`.
   */
  readonly linuxPackageType: string | null;
}

/**
 * Why this copy of Lifeboat does not update itself, or null when it does: development, switched off, or an install
 * electron-updater cannot replace (the Windows portable exe, a Linux build that is neither the AppImage nor the deb).
 */
export function updatesOffReason(facts: UpdateFacts): string | null {
  if (!facts.packaged)
    return 'Updates are off in development: this Lifeboat runs from a checkout (git pull and npm ci update it).';
  const off = facts.env.LIFEBOAT_NO_UPDATES?.trim().toLowerCase();
  if (off && off !== '0' && off !== 'false')
    return 'Updates are switched off here (the LIFEBOAT_NO_UPDATES environment variable is set).';
  if (facts.platform === 'win32' && facts.env.PORTABLE_EXECUTABLE_DIR)
    return 'This portable Lifeboat does not update itself: download the new version from the releases page.';
  if (facts.platform === 'linux' && !facts.env.APPIMAGE && facts.linuxPackageType !== 'deb')
    return (
      'This Lifeboat was not installed from the AppImage or the .deb, so it cannot update itself: update it the ' +
      'way it was installed.'
    );
  return null;
}

/** The state before anything happened: off with its reason, or idle. */
export function initialUpdateState(current: string, offReason: string | null): UpdateState {
  return offReason ? { status: 'unavailable', current, reason: offReason } : { status: 'idle', current };
}

/** What electron-updater reports, as the state machine takes it. */
export type UpdaterEvent =
  | { readonly type: 'checking' }
  | { readonly type: 'available'; readonly version: string }
  | { readonly type: 'not-available'; readonly version?: string }
  | { readonly type: 'progress'; readonly percent: number }
  | { readonly type: 'downloaded'; readonly version: string }
  | { readonly type: 'error'; readonly error: unknown };

/** True while a check or a download is under way, or an update waits for the restart: nothing to start then. */
export const isBusy = (s: UpdateState): boolean =>
  s.status === 'checking' || s.status === 'available' || s.status === 'downloading' || s.status === 'ready';

/** The state after one updater event. An update that is ready stays ready whatever a later check says. */
export function reduceUpdate(state: UpdateState, event: UpdaterEvent): UpdateState {
  const { current } = state;
  if (state.status === 'unavailable') return state;
  if (state.status === 'ready' && event.type !== 'downloaded') return state;
  switch (event.type) {
    case 'checking':
      return { status: 'checking', current };
    case 'available':
      return {
        status: 'available',
        current,
        version: event.version,
        reason: `Lifeboat ${event.version} is available: it is downloading in the background.`,
      };
    case 'not-available':
      return { status: 'up-to-date', current, reason: `Lifeboat ${current} is the newest version.` };
    case 'progress': {
      if (state.status !== 'available' && state.status !== 'downloading') return state;
      const percent = Math.max(
        0,
        Math.min(100, Math.floor(Number.isFinite(event.percent) ? event.percent : 0)),
      );
      return {
        status: 'downloading',
        current,
        ...(state.version ? { version: state.version } : {}),
        percent,
        reason: `Downloading Lifeboat ${state.version ?? 'update'}: ${percent}%.`,
      };
    }
    case 'downloaded':
      return {
        status: 'ready',
        current,
        version: event.version,
        reason: `Lifeboat ${event.version} is ready: restart Lifeboat to update.`,
        ...(state.status === 'ready' && state.restartPending ? { restartPending: true } : {}),
      };
    case 'error': {
      const { status, reason } = describeUpdateError(event.error);
      const during =
        state.status === 'available' || state.status === 'downloading'
          ? `Lifeboat ${state.version ?? 'update'} could not be downloaded. `
          : '';
      return { status, current, reason: status === 'error' ? during + reason : reason };
    }
  }
}

const OFFLINE =
  /net::ERR_(INTERNET_DISCONNECTED|NAME_NOT_RESOLVED|NAME_RESOLUTION_FAILED|NETWORK_CHANGED|NETWORK_ACCESS_DENIED|ADDRESS_UNREACHABLE|TIMED_OUT|CONNECTION_\w+|PROXY_\w+|TUNNEL_CONNECTION_FAILED)|\b(ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH)\b/;

/**
 * What an electron-updater error means for a person, and the state it leaves: `unavailable` for a build with no
 * update source, `up-to-date` when no release is published (a draft is invisible to updates until it is), `error`
 * otherwise, with what to do. Only the first line of an unknown message is used, redacted (a download's redirect
 * may be a signed URL); its stack and any XML or JSON it carries stay in the log.
 */
export function describeUpdateError(error: unknown): {
  status: 'error' | 'unavailable' | 'up-to-date';
  reason: string;
} {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    message?: unknown;
    statusCode?: unknown;
  };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : typeof error === 'string' ? error : '';
  const status =
    typeof e.statusCode === 'number' ? e.statusCode : Number(/HttpError: (\d{3})/.exec(message)?.[1]);
  if (
    code === 'ERR_UPDATER_UNSUPPORTED_PROVIDER' ||
    code === 'ERR_UPDATER_INVALID_PROVIDER_CONFIGURATION' ||
    (code === 'ENOENT' && message.includes('app-update.yml'))
  )
    return {
      status: 'unavailable',
      reason:
        'This build of Lifeboat has no release to update from (it was built without one): download new versions ' +
        'by hand.',
    };
  if (OFFLINE.test(message) || OFFLINE.test(code))
    return {
      status: 'error',
      reason:
        'Lifeboat could not reach GitHub to look for updates (is this computer offline?). It looks again at the ' +
        'next start, or choose Check for updates.',
    };
  if (
    code === 'ERR_UPDATER_CHANNEL_FILE_NOT_FOUND' ||
    code === 'ERR_UPDATER_ASSET_NOT_FOUND' ||
    code === 'ERR_UPDATER_ZIP_FILE_NOT_FOUND'
  )
    return {
      status: 'error',
      reason:
        'The newest release has no update for this system yet (its update files are missing). Try again later, ' +
        'or download it from the releases page.',
    };
  if (
    code === 'ERR_UPDATER_INVALID_SIGNATURE' ||
    code === 'ERR_CHECKSUM_MISMATCH' ||
    /code signature|signature .*(did not|not) (pass|match|valid)/i.test(message)
  )
    return {
      status: 'error',
      reason:
        'The downloaded update could not be verified (its signature or checksum did not match), so it was not ' +
        'installed. Download the new version from the releases page.',
    };
  if (/read-only volume/i.test(message))
    return {
      status: 'error',
      reason:
        'Lifeboat runs from the disk image, where it cannot update itself: drag it into Applications and open it ' +
        'from there.',
    };
  if (status === 403 || status === 429 || /rate limit/i.test(message))
    return {
      status: 'error',
      reason:
        'GitHub is limiting requests from this network just now. Lifeboat looks again at the next start.',
    };
  if (status >= 500 && status < 600)
    return {
      status: 'error',
      reason: `GitHub answered the update check with an error (HTTP ${status}). Try again later.`,
    };
  if (
    code === 'ERR_UPDATER_NO_PUBLISHED_VERSIONS' ||
    code === 'ERR_UPDATER_LATEST_VERSION_NOT_FOUND' ||
    code === 'ERR_UPDATER_RELEASE_NOT_FOUND' ||
    // An empty releases feed: electron-updater 6 reports it as a missing XML element, with this message; and a
    // feed with no latest release behind it (only prereleases) as an invalid feed wrapping this one.
    /No published versions|Unable to find latest version/i.test(message)
  )
    return {
      status: 'up-to-date',
      reason:
        'No newer release of Lifeboat is published: you have the newest one there is. (A release still being ' +
        'prepared is a draft, which updates do not see.)',
    };
  if (status === 404)
    return {
      status: 'error',
      reason:
        'The releases this build updates from were not found on GitHub (HTTP 404). Download new versions from ' +
        'the releases page.',
    };
  const first = redact(message.split('\n')[0] ?? '')
    .trim()
    .slice(0, 200);
  return {
    status: 'error',
    reason: `The update check failed${first ? `: ${first}` : ''}${/[.!?]$/.test(first) ? '' : '.'}`,
  };
}

const KIND_WORDS: Record<Job['kind'], string> = {
  'create-backup': 'backup',
  download: 'download',
  restore: 'restore',
  'pantheon-restore': 'restore on Pantheon',
  mirror: 'mirror',
};

/**
 * Why restarting now would lose work, or null when nothing runs. `active` is every queued or running job the
 * journal lists, other Lifeboat processes' too (a scheduled mirror may run from the app's own binary, which the
 * installer replaces); null when they could not be listed, which is no licence to restart either.
 */
export function restartBlocker(active: readonly Pick<Job, 'kind' | 'title'>[] | null): string | null {
  if (active === null)
    return 'Lifeboat could not tell whether jobs are running, so it did not restart. Try again in a moment.';
  if (active.length === 0) return null;
  const named = active
    .slice(0, 3)
    .map((j) => `${KIND_WORDS[j.kind] ?? 'job'}: ${j.title}`)
    .join('; ');
  const more = active.length > 3 ? `; and ${active.length - 3} more` : '';
  const one = active.length === 1;
  return (
    `${one ? 'A job is' : `${active.length} jobs are`} still running (${named}${more}): restarting now would ` +
    `stop ${one ? 'it' : 'them'}. Restart when ${one ? 'it finishes' : 'they finish'}, or cancel ` +
    `${one ? 'it' : 'them'} in Jobs first.`
  );
}

/** True for a job that would be stopped by quitting: queued or running. */
export const isActiveJob = (job: Pick<Job, 'state'>): boolean =>
  job.state === 'queued' || job.state === 'running';
