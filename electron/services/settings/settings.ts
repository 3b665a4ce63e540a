import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { schemas } from '@shared/api/schemas';
import type { MirrorProfile, Settings, Theme, ToolPaths } from '@shared/models';
import { checkCommandLine, OPEN_SETTING } from '../copies/open';
import { LifeboatError } from '../errors';
import type { SecretStore } from '../secrets/secret-store';
import { configureTools, resetTools } from '../tools/tools';
import { JsonFile } from './json-file';

interface StoredSettings {
  readonly defaultRestoreDir?: string;
  readonly parallelDownloads?: number;
  readonly database?: {
    host: string;
    port: number;
    socket: string | null;
    /** Absent in files written before named pipes (Windows) were supported. */
    pipe?: string | null;
    user: string;
  } | null;
  readonly theme?: Theme;
  readonly favourites?: string[];
  readonly editorCommand?: string | null;
  readonly terminalCommand?: string | null;
  /** Paths of git and the database client set by hand (absent in files written before there were any). */
  readonly tools?: { readonly git?: string | null; readonly mysqlClient?: string | null };
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

/** The tool paths of a stored settings file: a hand-edited one may hold anything; only a non-empty string is one. */
const toolPathsOf = (t: unknown): ToolPaths => {
  const v = (typeof t === 'object' && t !== null ? t : {}) as Record<string, unknown>;
  return { git: commandOf(v.git), mysqlClient: commandOf(v.mysqlClient) };
};

/** The tool paths set in Settings → Tools, read without the keychain (what the tool lookup needs). */
export async function savedToolPaths(dataDir: string): Promise<ToolPaths> {
  return toolPathsOf((await settingsFile(dataDir).read()).tools);
}

/** Refuses a tool path that is not a full path: it would be looked for from whatever folder Lifeboat runs in. */
function checkToolPaths(tools: NonNullable<StoredSettings['tools']>): void {
  const example =
    process.platform === 'win32'
      ? 'C:\\Program Files\\Git\\cmd\\git.exe'
      : process.platform === 'darwin'
        ? '/opt/homebrew/bin/git'
        : '/usr/bin/git';
  for (const [key, label] of [
    ['git', 'git'],
    ['mysqlClient', 'database client'],
  ] as const) {
    const path = tools[key];
    if (path && !isAbsolute(path))
      throw new LifeboatError(
        'invalid-request',
        `The ${label} path must be a full path (such as ${example}), not "${path}".`,
      );
  }
}

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
    // The engine's one tool lookup reads the paths set here (see tools/tools.ts).
    configureTools({ saved: () => savedToolPaths(dataDir) });
  }

  private async resolve(s: StoredSettings): Promise<Settings> {
    const hasPassword = s.database
      ? (await this.secrets.get(DB_PASSWORD_KEY).catch(() => null)) !== null
      : false;
    return {
      defaultRestoreDir: s.defaultRestoreDir ?? join(homedir(), 'Lifeboat'),
      parallelDownloads: s.parallelDownloads ?? 3,
      database: s.database ? { ...s.database, pipe: s.database.pipe ?? null, hasPassword } : null,
      theme: s.theme ?? 'system',
      favourites: s.favourites ?? [],
      editorCommand: commandOf(s.editorCommand),
      terminalCommand: commandOf(s.terminalCommand),
      tools: toolPathsOf(s.tools),
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
    if (patch.tools) checkToolPaths(patch.tools);
    const next = await this.file.update((cur) => {
      const merged: Record<string, unknown> = { ...cur };
      for (const [k, v] of Object.entries(patch)) if (v !== undefined) merged[k] = v;
      // A patch of one tool's path keeps the other's.
      if (patch.tools) {
        const tools: Record<string, unknown> = { ...toolPathsOf(cur.tools) };
        for (const [k, v] of Object.entries(patch.tools)) if (v !== undefined) tools[k] = v;
        merged.tools = tools;
      }
      return merged as StoredSettings;
    });
    if (patch.tools) resetTools();
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
