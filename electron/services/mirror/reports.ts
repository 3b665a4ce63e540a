import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MirrorReport } from '@shared/models';

/**
 * Whole mirror reports, kept in the data folder (`<data>/mirror-reports/`) by every run — the app's jobs, the CLI
 * and the scheduled CLI alike — so the app's Mirror screen shows the last run whoever started it.
 */
const REPORTS = 'mirror-reports';
/** Reports kept (the newest). */
export const MIRROR_REPORTS_KEPT = 30;

/** A kept report, with who ran it. */
export interface SavedMirrorReport {
  readonly report: MirrorReport;
  /** `app`: a job of the app; `cli`: `lifeboat mirror` (by hand or by the OS scheduler). */
  readonly source: 'app' | 'cli';
  readonly path: string;
}

/** Saves a run's report (readable only by this user) and keeps the newest {@link MIRROR_REPORTS_KEPT}; its path. */
export async function saveMirrorReport(
  dataDir: string,
  report: MirrorReport,
  source: 'app' | 'cli',
): Promise<string> {
  const dir = join(dataDir, REPORTS);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Named by when it started (sorting by time), then who ran it, so two runs of one second do not collide.
  const file = join(dir, `${report.startedAt.replace(/[:.]/g, '-')}-${source}-${process.pid}.json`);
  await writeFile(file, `${JSON.stringify({ source, report }, null, 2)}\n`, { mode: 0o600 });
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  for (const old of names.slice(0, Math.max(0, names.length - MIRROR_REPORTS_KEPT)))
    await rm(join(dir, old), { force: true });
  return file;
}

/**
 * The newest kept report that reads as one (a damaged or foreign file is passed over), or null. Reports written
 * before the source was recorded (the report itself at the top level) read as the app's.
 */
export async function latestMirrorReport(dataDir: string): Promise<SavedMirrorReport | null> {
  const dir = join(dataDir, REPORTS);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names
    .filter((n) => n.endsWith('.json'))
    .sort()
    .reverse()) {
    const path = join(dir, name);
    try {
      const v = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
      const wrapped = v.report && typeof v.report === 'object';
      const report = (wrapped ? v.report : v) as MirrorReport;
      if (typeof report.startedAt !== 'string' || !Array.isArray(report.sites) || !report.totals) continue;
      return { report, source: v.source === 'cli' ? 'cli' : 'app', path };
    } catch {
      // not a report (cut short, or somebody else's file): the next older one
    }
  }
  return null;
}
