import { z } from 'zod';
import { ELEMENTS, type BackupSet, type Element, type Environment, type Site } from '@shared/models';
import { nameProblem, windowsNameProblem } from '../paths/path-rules';

/**
 * The mirror's layout on disk, the one place its names and its manifest are defined (the mirror writes them,
 * `mirror verify` and `pull --from-mirror` read them):
 *
 * ```
 * DIR/.lifeboat-mirror                          marks DIR as a Lifeboat mirror (JSON: version, createdAt)
 * DIR/<site>/<env>/<YYYY-MM-DDTHH-MM-SSZ>/      one backup set, named by when Pantheon scheduled it (UTC)
 *     <archive file names as Pantheon named them>
 *     lifeboat-mirror.json                      the manifest: written last, once every archive is verified
 *     lifeboat-mirror.partial.json              while the set is being downloaded (the same shape, complete: false)
 * ```
 *
 * A set is complete only when its manifest (not the partial one) reads, says `complete: true`, and names the
 * archives it has. Anything else in these folders is not Lifeboat's and is never deleted.
 */

/** The file that marks a folder as a Lifeboat mirror's root. */
export const MIRROR_ROOT_MARK = '.lifeboat-mirror';
/** A complete set's manifest. */
export const MIRROR_MANIFEST = 'lifeboat-mirror.json';
/** A set being downloaded: its manifest so far (the archives are `.part` files until verified). */
export const MIRROR_PARTIAL = 'lifeboat-mirror.partial.json';
/** The lock file of one environment's folder: two runs never write the same environment at once. */
export const MIRROR_ENV_LOCK = '.lifeboat-mirror.lock';

/** The folder of one backup set: its scheduled time in UTC, readable and sorting by time (`2026-11-30T02-15-00Z`). */
export function setFolderName(scheduledFor: number): string {
  return new Date(scheduledFor * 1000)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/:/g, '-');
}

/** A set folder's name as {@link setFolderName} makes them, optionally with a `-N` suffix when two share a second. */
export const SET_FOLDER_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z(-\d{1,3})?$/;

/**
 * A file name the manifest may name: one path segment, no control characters, not `.`/`..`, not hidden, and
 * ending as Pantheon's archives do. Manifests are read from disk and may have been edited by anyone: a name
 * that could lead out of the set's folder is refused before any path is built from it.
 */
const archiveFileName = z
  .string()
  .min(1)
  .max(255)
  // eslint-disable-next-line no-control-regex
  .regex(/^[^/\\\u0000-\u001f\u007f]+$/, 'An archive name is a single file name.')
  .refine((n) => n !== '.' && n !== '..' && !n.startsWith('.'), 'An archive name is a plain file name.')
  .refine((n) => /\.(tar\.gz|tgz|sql\.gz|gz)$/.test(n), 'An archive name ends in .tar.gz or .sql.gz.')
  .refine(
    // On every system, not only Windows: a mirror is a folder a person may carry to another computer, and
    // Pantheon's names never have these (`:`, `?`, `CON.tar.gz`, …).
    (n) => windowsNameProblem(n) === null,
    'An archive name is one every system can hold (Windows included).',
  );

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'A sha256 is 64 lowercase hex digits.');

/** One mirrored archive, as the manifest records it. */
export const MirroredArchiveSchema = z.object({
  element: z.enum(ELEMENTS),
  filename: archiveFileName,
  size: z.number().int().nonnegative(),
  /** Computed while the archive was downloaded, over exactly the bytes on disk. */
  sha256: sha256Hex,
  /**
   * The storage's MD5 (base64, from `x-goog-hash`) when it sent one: the download checked the bytes against the
   * storage's hashes of the object (its CRC32C, else this MD5), so it is the MD5 of these bytes.
   */
  md5: z.string().nullable(),
  /** Pantheon's catalog entry for it: when it finished (epoch seconds) and its catalog key. */
  date: z.number().nullable(),
  id: z.string(),
});
export type MirroredArchive = z.infer<typeof MirroredArchiveSchema>;

/**
 * A set's manifest. Site and environment are kept whole (as the API client mapped them) so a restore from the
 * mirror needs nothing from Pantheon: the deploy tag, the multidevs (branches) and the site's framework.
 */
export const MirrorManifestSchema = z.object({
  version: z.literal(1),
  complete: z.boolean(),
  site: z.object({
    id: z.string().min(1),
    name: z.string().min(1),
    label: z.string(),
    framework: z.string(),
  }),
  env: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/),
  /** The account (email, or id when none is known) the archives were downloaded through. */
  account: z.string(),
  backup: z.object({
    /** Pantheon's catalog folder id. */
    folder: z.string().min(1),
    /** When Pantheon scheduled it (epoch seconds), and the same as ISO-8601. */
    scheduledFor: z.number(),
    date: z.string(),
    initiator: z.enum(['manual', 'automated']),
  }),
  /** The environment's deploy tag (`pantheon_live_13`) and ref when the mirror ran; null when unknown. */
  deployTag: z.string().nullable(),
  targetRef: z.string().nullable(),
  targetCommit: z.string().nullable(),
  /** The site's multidev environment names (their branches exist in the code archive). */
  multidevs: z.array(z.string()),
  archives: z.array(MirroredArchiveSchema),
  /** ISO-8601: when the set was started and (complete) when its last archive was verified. */
  startedAt: z.string(),
  completedAt: z.string().nullable(),
  /** `Lifeboat 0.1.0`. */
  writtenBy: z.string(),
});
export type MirrorManifest = z.infer<typeof MirrorManifestSchema>;

/** A site's name as a folder name: Pantheon's are lowercase letters, digits and dashes; this refuses any path. */
const SITE_FOLDER = /^(?!\.)[A-Za-z0-9._-]{1,128}$/;

/**
 * Why `<root>/<site>/<env>/` cannot be the mirror's folders of that environment on `platform`, or null: a name
 * that is not one, or one that system cannot hold (a site or a multidev named `con` or `aux` on Windows).
 */
export function mirrorFoldersProblem(
  siteName: string,
  env: string,
  platform: NodeJS.Platform = process.platform,
): string | null {
  if (!MirrorManifestSchema.shape.env.safeParse(env).success) return `"${env}" is not an environment name.`;
  if (!SITE_FOLDER.test(siteName)) return `"${siteName}" cannot be a folder name in the mirror.`;
  for (const name of [siteName, env]) {
    const why = nameProblem(name, platform);
    if (why) return `"${name}" cannot be a folder name in the mirror on this system: ${why}.`;
  }
  return null;
}

/** The catalog's backup set as the manifest recorded it (what a restore from the mirror plans with). */
export function backupSetOf(m: MirrorManifest): BackupSet {
  const archives: Partial<Record<Element, BackupSet['archives'][Element]>> = {};
  for (const a of m.archives)
    archives[a.element] = {
      id: a.id,
      element: a.element,
      filename: a.filename,
      folder: m.backup.folder,
      size: a.size,
      finished: true,
      date: a.date,
      ttl: 0,
      expiresAt: null,
    };
  return {
    folder: m.backup.folder,
    scheduledFor: m.backup.scheduledFor,
    initiator: m.backup.initiator,
    archives,
    finished: true,
    totalSize: m.archives.reduce((n, a) => n + a.size, 0),
  };
}

/** The site as the manifest recorded it, filled out to the shared model (fields a restore does not use are empty). */
export function siteOf(m: MirrorManifest): Site {
  return {
    id: m.site.id,
    name: m.site.name,
    label: m.site.label,
    framework: m.site.framework,
    planName: '',
    owner: '',
    region: '',
    frozen: false,
    created: 0,
    upstreamLabel: '',
    organizations: [],
    tags: [],
    accountId: '',
  };
}

/** The environment as the manifest recorded it (its deploy ref decides what a restore checks out). */
export function environmentOf(m: MirrorManifest): Environment {
  return {
    id: m.env,
    siteId: m.site.id,
    multidev: !['dev', 'test', 'live'].includes(m.env),
    initialized: true,
    deployTag: m.deployTag,
    targetRef: m.targetRef,
    targetCommit: m.targetCommit,
    domain: '',
    connectionMode: 'git',
    phpVersion: null,
    locked: false,
    createdAt: null,
  };
}
