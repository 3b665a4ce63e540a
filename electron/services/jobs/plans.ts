import { join } from 'node:path';
import { z } from 'zod';
import { backupNameOfFolder } from '@shared/dates';
import { schemas } from '@shared/api/schemas';
import type { Element, Job } from '@shared/models';
import type { DbConnection } from '../database/mysql';
import { andList } from '@shared/format';
import { pipeName, pipePath } from '@shared/named-pipe';
import { mirrorTitle } from './titles';

/**
 * What a job's plan holds: the contract request the app would make for it, plus where it ran, so a retry runs
 * the same thing against the same servers. Plans are plain files every Lifeboat process reads: never a
 * password or a token (see assertNoSecrets).
 */

/** A database server as a plan records it: where and as whom, never the password. */
export const journaledConnectionSchema = z
  .object({
    host: z.string().trim().min(1).max(255).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    socket: z.string().trim().min(1).max(4096).optional(),
    /** A named pipe (Windows); absent in plans written before they were supported. */
    pipe: z.string().trim().min(1).max(300).optional(),
    user: z.string().trim().min(1).max(80),
  })
  .refine(
    (c) => c.socket !== undefined || c.host !== undefined || c.pipe !== undefined,
    'A database server needs a host, a socket or a named pipe.',
  );

export type JournaledConnection = z.infer<typeof journaledConnectionSchema>;

/**
 * The Pantheon API the job used (the account's, or the `--api-url` of a command run with a machine token), so
 * a retry can tell it would reach another one. Absent in plans written before it was recorded.
 */
const origin = { apiUrl: z.url().max(2048).optional() };

const importDatabase = schemas.restore.shape.importDatabase.unwrap();

/** The plan schemas, by job kind. */
export const planSchemas = {
  restore: schemas.restore.extend({
    ...origin,
    importDatabase: importDatabase
      .extend({
        /**
         * The server the job imports into. Absent in plans written before it was recorded; the runner then
         * uses the app's Settings, for the app's jobs only (see engine.ts).
         */
        connection: journaledConnectionSchema.optional(),
      })
      .optional(),
  }),
  download: schemas.download.extend(origin),
  'create-backup': schemas.backupsCreate.extend(origin),
  'pantheon-restore': schemas.backupsRestoreOnPantheon.extend(origin),
  /** The profile as it was run: every account's sites, so no one account's origin. */
  mirror: schemas.mirrorProfile,
} as const satisfies Record<Job['kind'], z.ZodType>;

/** A plan as the runner of its kind reads it. */
export type PlanOf<K extends Job['kind']> = z.infer<(typeof planSchemas)[K]>;

/** The plan of a job, checked against its kind's schema; null when it is not one this version can run. */
export function parsePlan<K extends Job['kind']>(kind: K, plan: unknown): PlanOf<K> | null {
  const schema = planSchemas[kind] as z.ZodType | undefined;
  const parsed = schema?.safeParse(plan);
  return parsed?.success ? (parsed.data as PlanOf<K>) : null;
}

/**
 * The `importDatabase` of a restore's plan for a database import: the name, whether to replace, and the
 * server without its password (the runner reads that from Settings' keychain entry or the environment).
 */
export function journaledDatabase(db: {
  readonly connection: DbConnection;
  readonly name?: string;
  readonly replace?: boolean;
}): NonNullable<PlanOf<'restore'>['importDatabase']> {
  return {
    ...(db.name ? { name: db.name } : {}),
    replace: db.replace ?? false,
    connection: journaledConnection(db.connection),
  };
}

/** A connection as a plan records it: no password, no client program. */
export function journaledConnection(c: DbConnection): JournaledConnection {
  return {
    user: c.user,
    ...(c.pipe
      ? { pipe: c.pipe }
      : c.socket
        ? { socket: c.socket }
        : { host: c.host ?? '127.0.0.1', port: c.port ?? 3306 }),
  };
}

/** True when two connections reach the same server as the same user (a named pipe, a socket, or a host and port). */
export function sameServer(a: JournaledConnection, b: JournaledConnection): boolean {
  if (a.user !== b.user) return false;
  // Windows ignores case in pipe names, and `\\.\pipe\MySQL` is `MySQL`.
  if (a.pipe !== undefined || b.pipe !== undefined)
    return (
      a.pipe !== undefined &&
      b.pipe !== undefined &&
      pipeName(a.pipe).toLowerCase() === pipeName(b.pipe).toLowerCase()
    );
  if (a.socket !== undefined || b.socket !== undefined) return a.socket === b.socket;
  return a.host === b.host && (a.port ?? 3306) === (b.port ?? 3306);
}

/** `root@/run/mysqld.sock`, `root@127.0.0.1:3306`, `root@\\.\pipe\MySQL`: a server for messages. */
export const serverName = (c: JournaledConnection): string =>
  `${c.user}@${c.pipe !== undefined ? pipePath(c.pipe) : (c.socket ?? `${c.host}:${c.port ?? 3306}`)}`;

/** Terminus's order for a restore on Pantheon, the order its workflows run in. */
const PANTHEON_RESTORE_ORDER: readonly Element[] = ['code', 'files', 'database'];

/** The elements of a restore on Pantheon as words, in the order they are restored: `code and database`. */
export const pantheonRestoreWhat = (elements: readonly Element[]): string =>
  andList(PANTHEON_RESTORE_ORDER.filter((e) => elements.includes(e)));

/**
 * What a restore on Pantheon replaces, from its plan: `the database of acme-blog.dev ON PANTHEON from the
 * backup of Nov 29, 00:00`. `siteName` is the site as Pantheon names it now (the plan may hold its id).
 */
export function pantheonRestoreSummary(plan: PlanOf<'pantheon-restore'>, siteName: string): string {
  return `the ${pantheonRestoreWhat(plan.elements)} of ${siteName}.${plan.env} ON PANTHEON from the ${backupNameOfFolder(plan.folder)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const backupWords = (backup: string): string =>
  backup === 'latest'
    ? 'newest backup'
    : backup === 'new'
      ? 'new backup made first'
      : backupNameOfFolder(backup);

/**
 * What a job does, in a sentence derived from its kind and plan alone (never from its title, which is only a
 * label): what `lifeboat jobs` shows, so a title cannot disguise what a retry would do. Null when the plan is
 * not one this version can run.
 */
export function describeJob(kind: Job['kind'], plan: unknown): string | null {
  switch (kind) {
    case 'restore': {
      const p = parsePlan('restore', plan);
      if (!p) return null;
      const what = andList(p.elements);
      const into = p.folderName ? join(p.targetDir, p.folderName) : p.targetDir;
      const db = p.importDatabase;
      const server = db ? (db.connection ? serverName(db.connection) : 'the server in Settings') : '';
      // An update refreshes the copy already in that folder; a restore makes a new one.
      const verb = p.updateInPlace ? `Update the copy at ${into} with` : 'Restore';
      return `${verb} the ${what} of ${p.site}.${p.env} from the ${backupWords(p.backup)}${p.updateInPlace ? '' : ` into ${into}`}${
        db
          ? `; import the database into ${db.name ?? 'a new database'} on ${server}${db.replace ? ', replacing it' : ''}`
          : ''
      }`;
    }
    case 'download': {
      const p = parsePlan('download', plan);
      if (!p) return null;
      return `Download the ${p.element} archive of ${p.site}.${p.env} from the ${backupWords(p.folder)} into ${p.targetDir}`;
    }
    case 'create-backup': {
      const p = parsePlan('create-backup', plan);
      if (!p) return null;
      return `Back up the ${andList(p.elements)} of ${p.site}.${p.env} on Pantheon, kept ${p.keepForDays} days`;
    }
    case 'pantheon-restore': {
      const p = parsePlan('pantheon-restore', plan);
      if (!p) return null;
      // Without the network the site is the one the plan names; `jobs retry` asks Pantheon before it asks.
      const site = UUID.test(p.siteId) ? `${p.confirmSiteName} (site ${p.siteId})` : p.siteId;
      return `Restore ${pantheonRestoreSummary(p, site)}`;
    }
    case 'mirror': {
      const p = parsePlan('mirror', plan);
      if (!p) return null;
      return mirrorTitle(p);
    }
    default:
      return null;
  }
}

/**
 * True when a job's title is consistent with what its plan does: it starts with the kind's verb and names the
 * plan's site and environment. A hand-written or stale title that says otherwise is shown beside the plan.
 */
export function titleFitsPlan(kind: Job['kind'], plan: unknown, title: string): boolean {
  const onPantheon = /\bon pantheon\b/i.test(title);
  switch (kind) {
    case 'restore': {
      const p = parsePlan('restore', plan);
      return Boolean(p) && /^Restore\b/.test(title) && !onPantheon && title.includes(`${p!.site}.${p!.env}`);
    }
    case 'download': {
      const p = parsePlan('download', plan);
      return (
        Boolean(p) &&
        /^Download\b/.test(title) &&
        title.includes(`the ${p!.element} archive`) &&
        title.includes(`${p!.site}.${p!.env}`)
      );
    }
    case 'create-backup': {
      const p = parsePlan('create-backup', plan);
      return Boolean(p) && /^Back up\b/.test(title) && title.includes(`${p!.site}.${p!.env}`);
    }
    case 'pantheon-restore': {
      const p = parsePlan('pantheon-restore', plan);
      return (
        Boolean(p) &&
        /^Restore\b/.test(title) &&
        onPantheon &&
        (title.includes(`${p!.siteId}.${p!.env}`) || title.includes(`${p!.confirmSiteName}.${p!.env}`))
      );
    }
    case 'mirror': {
      const p = parsePlan('mirror', plan);
      return Boolean(p) && /^Mirror\b/.test(title) && title.includes(p!.root);
    }
    default:
      return false;
  }
}

/** Where a job's plan says it ran: the account id, and the API URL when recorded. Null for a plan without one. */
export function planOrigin(plan: unknown): { accountId: string; apiUrl?: string } | null {
  if (plan === null || typeof plan !== 'object') return null;
  const { accountId, apiUrl } = plan as { accountId?: unknown; apiUrl?: unknown };
  if (typeof accountId !== 'string' || accountId === '') return null;
  return { accountId, ...(typeof apiUrl === 'string' && apiUrl ? { apiUrl } : {}) };
}
