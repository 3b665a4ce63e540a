import type { ToolsFound, ToolStatus } from '@shared/api/contract';
import type { ToolPaths } from '@shared/models';
import { toAppError } from '../errors';
import { findTool, type FoundTool, type ToolName, type ToolSetting } from './find-tool';

/*
 * The one lookup of git and the database client for the whole engine, once per process: every git command,
 * import and setup step asks here. Paths given to this process (the CLI's --git / --mysql-client) beat the
 * saved settings (Settings → Tools), which beat looking for them.
 */

/** Where the saved settings' tool paths come from, and the paths given to this process. */
interface ToolConfig {
  readonly saved: (() => Promise<ToolPaths>) | null;
  readonly given: Partial<Record<ToolName, ToolSetting>>;
}

let config: ToolConfig = { saved: null, given: {} };
let savedPaths: Promise<ToolPaths> | null = null;
/** The lookup of each tool, with the inputs it was made for: a changed PATH or setting looks again. */
const lookups = new Map<ToolName, { readonly key: string; readonly result: Promise<FoundTool> }>();
/** The last tool each lookup found, for what must name a program without waiting (see {@link knownTool}). */
const known = new Map<ToolName, FoundTool>();

/** How messages name the saved settings (the message names the tool). */
const SETTING_NAME = 'Settings → Tools';

/**
 * Sets where saved tool paths are read from (the settings file of the engine's data folder) and the paths given
 * to this process (`given`, by the CLI, with the option's name); what is left out stays. Looks again next time.
 */
export function configureTools(change: {
  readonly saved?: () => Promise<ToolPaths>;
  readonly given?: Partial<Record<ToolName, ToolSetting>>;
}): void {
  config = {
    saved: change.saved ?? config.saved,
    given: change.given ?? config.given,
  };
  resetTools();
}

/** Forgets what was found (a setting changed, or "look again" after installing): the next use looks again. */
export function resetTools(): void {
  savedPaths = null;
  lookups.clear();
}

/** The setting a lookup must use: the path given to this process, else the saved one, else none. */
async function settingOf(tool: ToolName): Promise<ToolSetting | null> {
  const given = config.given[tool];
  if (given) return given;
  if (!config.saved) return null;
  if (!savedPaths) {
    const read = config.saved();
    savedPaths = read;
    // A settings file that cannot be read is said each time, not remembered.
    read.catch(() => {
      if (savedPaths === read) savedPaths = null;
    });
  }
  const saved = (await savedPaths)[tool === 'git' ? 'git' : 'mysqlClient'];
  return saved ? { path: saved, name: SETTING_NAME } : null;
}

/**
 * The program to run for a tool, found once per process (again after {@link resetTools}, or when PATH changed).
 * Rejects with a `missing-tool` error naming what is missing, where Lifeboat looked and how to install it; that
 * is not remembered, so installing the tool and trying again works without a restart.
 */
export async function locateTool(tool: ToolName): Promise<FoundTool> {
  const setting = await settingOf(tool);
  const env = process.env;
  const onlyPath = env.LIFEBOAT_TOOL_SEARCH === 'path';
  const key = JSON.stringify([setting, env.PATH ?? env.Path ?? '', env.PATHEXT ?? '', onlyPath]);
  const hit = lookups.get(tool);
  if (hit?.key === key) return hit.result;
  const result = findTool(tool, { setting, onlyPath });
  lookups.set(tool, { key, result });
  result.then(
    (found) => known.set(tool, found),
    () => {
      if (lookups.get(tool)?.result === result) lookups.delete(tool);
    },
  );
  return result;
}

/**
 * The path of a tool as last found in this process, or null before the first lookup: for what must name the
 * program synchronously (a simple-git instance), behind an asynchronous step that has looked it up.
 */
export function knownTool(tool: ToolName): string | null {
  return known.get(tool)?.path ?? null;
}

/** Both tools as the Settings screen shows them: found (path and version) or why not. */
export async function toolsFound(options: { readonly again?: boolean } = {}): Promise<ToolsFound> {
  if (options.again) resetTools();
  const status = async (tool: ToolName): Promise<ToolStatus> => {
    try {
      const f = await locateTool(tool);
      return { found: { path: f.path, version: f.version, via: f.via }, error: null };
    } catch (e) {
      return { found: null, error: toAppError(e) };
    }
  };
  const [git, mysqlClient] = await Promise.all([status('git'), status('mysql-client')]);
  return { git, mysqlClient };
}
