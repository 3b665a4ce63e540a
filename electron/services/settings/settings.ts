import { homedir } from 'node:os';
import { join } from 'node:path';
import { schemas } from '@shared/api/schemas';
import type { MirrorProfile, Settings, Theme } from '@shared/models';
import { checkCommandLine, OPEN_SETTING } from '../copies/open';
import type { SecretStore } from '../secrets/secret-store';
import { JsonFile } from './json-file';

interface StoredSettings {
  readonly defaultRestoreDir?: string;
  readonly parallelDownloads?: number;
  readonly database?: { host: string; port: number; socket: string | null; user: string } | null;
  readonly theme?: Theme;
  readonly favourites?: string[];
  readonly editorCommand?: string | null;
  readonly terminalCommand?: string | null;
  /** The mirror as the person set it up on the Mirror screen (not part of Settings: its own methods). */
  readonly mirror?: unknown;
  /** When the app's timer last started the saved mirror (ISO-8601). */
  readonly mirrorLastRunAt?: string;
}

/** The keychain entry holding the local database password. */
export const DB_PASSWORD_KEY = 'database-password';

/** A stored command: a hand-edited settings.json may hold anything there; only a non-empty string is one. */
const commandOf = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

const settingsFile = (dataDir: string): JsonFile<StoredSettings> =>
  new JsonFile(join(dataDir, 'settings.json'), () => ({}));

/**
 * The editor and terminal commands, read without the keychain: `lifeboat copies open` needs nothing else, and
 * a command that opens a folder has no reason to ask for the database password.
 */
export async function openCommands(
  dataDir: string,
): Promise<Pick<Settings, 'editorCommand' | 'terminalCommand'>> {
  const s = await settingsFile(dataDir).read();
  return { editorCommand: commandOf(s.editorCommand), terminalCommand: commandOf(s.terminalCommand) };
}

/** Settings in `settings.json` beside the accounts; the database password stays in the keychain. */
export class SettingsService {
  private readonly file: JsonFile<StoredSettings>;

  constructor(
    dataDir: string,
    private readonly secrets: SecretStore,
    private readonly onChange?: (s: Settings) => void,
  ) {
    this.file = settingsFile(dataDir);
  }

  private async resolve(s: StoredSettings): Promise<Settings> {
    const hasPassword = s.database
      ? (await this.secrets.get(DB_PASSWORD_KEY).catch(() => null)) !== null
      : false;
    return {
      defaultRestoreDir: s.defaultRestoreDir ?? join(homedir(), 'Lifeboat'),
      parallelDownloads: s.parallelDownloads ?? 3,
      database: s.database ? { ...s.database, hasPassword } : null,
      theme: s.theme ?? 'system',
      favourites: s.favourites ?? [],
      editorCommand: commandOf(s.editorCommand),
      terminalCommand: commandOf(s.terminalCommand),
    };
  }

  async get(): Promise<Settings> {
    return this.resolve(await this.file.read());
  }

  async update(
    patch: Partial<Omit<StoredSettings, 'favourites'>> & { favourites?: readonly string[] },
  ): Promise<Settings> {
    // A command line that cannot be split into words is refused when it is saved, not when it is first used.
    if (patch.editorCommand) checkCommandLine(patch.editorCommand, OPEN_SETTING.editor);
    if (patch.terminalCommand) checkCommandLine(patch.terminalCommand, OPEN_SETTING.terminal);
    const next = await this.file.update((cur) => {
      const merged: Record<string, unknown> = { ...cur };
      for (const [k, v] of Object.entries(patch)) if (v !== undefined) merged[k] = v;
      return merged as StoredSettings;
    });
    const s = await this.resolve(next);
    this.onChange?.(s);
    return s;
  }

  /** Stores (or with an empty string, forgets) the database password in the keychain. */
  async setDatabasePassword(password: string): Promise<Settings> {
    if (password === '') await this.secrets.delete(DB_PASSWORD_KEY);
    else await this.secrets.set(DB_PASSWORD_KEY, password);
    const s = await this.get();
    this.onChange?.(s);
    return s;
  }

  /**
   * The saved mirror profile, or null when there is none. The file may have been edited by hand: a profile that
   * is not valid any more reads as none, rather than running something else.
   */
  async mirrorProfile(): Promise<MirrorProfile | null> {
    const stored = (await this.file.read()).mirror;
    if (stored === undefined || stored === null) return null;
    const parsed = schemas.mirrorProfile.safeParse(stored);
    return parsed.success ? parsed.data : null;
  }

  /** Saves the mirror profile (validated by the caller against schemas.mirrorProfile). */
  async saveMirrorProfile(profile: MirrorProfile): Promise<MirrorProfile> {
    await this.file.update((cur) => ({ ...cur, mirror: profile }));
    return profile;
  }

  /** When the app's timer last started the saved mirror (ms since the epoch), or null. */
  async mirrorLastRun(): Promise<number | null> {
    const at = Date.parse((await this.file.read()).mirrorLastRunAt ?? '');
    return Number.isFinite(at) ? at : null;
  }

  async setMirrorLastRun(at: number): Promise<void> {
    await this.file.update((cur) => ({ ...cur, mirrorLastRunAt: new Date(at).toISOString() }));
  }

  /** The password for imports, from the keychain. */
  databasePassword(): Promise<string | null> {
    return this.secrets.get(DB_PASSWORD_KEY);
  }
}
