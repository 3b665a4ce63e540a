import { z } from 'zod';
import { ACCOUNT_COLOURS } from '../models';
import { namedPipeProblem } from '../named-pipe';

/** Request schemas for every contract method that takes a request; main, host and CLI validate against these. */
const siteRef = z.string().trim().min(1, 'A site name or id is required.').max(200);
const envId = z
  .string()
  .trim()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,31}$/,
    'An environment id is lowercase letters, digits and dashes (e.g. live).',
  );
const accountId = z.string().min(1).max(200);
const element = z.enum(['code', 'database', 'files']);
/**
 * A choice of elements, each once: a repeat is dropped (the order kept), so a job's title and plan name exactly
 * what runs (`['database', 'database', 'database']` is the database, not "all").
 */
const elements = (required: string) =>
  z
    .array(element)
    .min(1, required)
    .max(3)
    .transform((list) => [...new Set(list)]);

/** No control characters (a newline, an escape): a name shown in one-line rows and on terminals. */
// eslint-disable-next-line no-control-regex
const ONE_LINE = /^[^\u0000-\u001f\u007f]*$/;

/** An absolute path on any of the platforms: `/srv/mirror`, `C:\Mirror`, `\\server\share`. */
const ABSOLUTE = /^(\/|[A-Za-z]:[\\/]|\\\\)/;

/** A text of a mirror's selection: one line, trimmed; empty ones are dropped. */
const selectionText = (what: string) =>
  z
    .string()
    .trim()
    .max(200, `${what} is at most 200 characters.`)
    .regex(ONE_LINE, `${what} is one line of text, without control characters.`);
const optionalText = (what: string) =>
  selectionText(what)
    .optional()
    .transform((v) => (v ? v : undefined));

/** Which sites a mirror takes (MirrorSelection); an empty form never means every site. */
const mirrorSelection = z
  .object({
    queries: z
      .array(selectionText('A search'))
      // Each is a QUERY of `lifeboat mirror` (any of them); the screen has one search box.
      .max(20, 'At most 20 searches; pick other sites by hand.')
      .default([])
      .transform((l) => [...new Set(l.filter((q) => q !== ''))]),
    sites: z
      .array(
        z
          .string()
          .trim()
          .min(1, 'A site name or id is required.')
          .max(200, 'A site picked by hand is named in at most 200 characters.'),
      )
      .max(5000, 'At most 5000 sites picked by hand.')
      .default([])
      .transform((l) => [...new Set(l)]),
    org: optionalText('An organization'),
    tag: optionalText('A tag'),
    account: optionalText('An account'),
    all: z.boolean().optional(),
  })
  .refine(
    (s) => s.all || s.queries.length > 0 || s.sites.length > 0 || s.org || s.tag || s.account,
    'Say which sites to mirror: a search, an organization, a tag, an account, sites picked by hand, or all sites.',
  );

/** A mirror as the app sets it up and the scheduled CLI command runs it (MirrorProfile). */
/**
 * A Windows named pipe to the database server (see named-pipe.ts), or null; optional, so a form or a script
 * that predates it still validates.
 */
const namedPipe = z
  .string()
  .trim()
  .max(300)
  .nullable()
  .optional()
  .superRefine((v, ctx) => {
    const why = v ? namedPipeProblem(v) : null;
    if (why) ctx.addIssue({ code: 'custom', message: why });
  });

const mirrorProfile = z.object({
  selection: mirrorSelection,
  root: z
    .string()
    .trim()
    .min(1, 'Choose a folder for the mirror.')
    .max(4096, 'That folder path is too long.')
    .refine((p) => ABSOLUTE.test(p), 'The mirror’s folder is an absolute path, such as /home/you/Mirror.')
    .regex(ONE_LINE, 'A folder path is one line, without control characters.'),
  envs: z
    .array(envId)
    .min(1, 'Choose at least one environment (e.g. live).')
    .max(20, 'At most 20 environments.')
    .transform((l) => [...new Set(l)]),
  elements: elements('Choose at least one of code, database and files.'),
  keep: z
    .number({ error: 'Keep a whole number of backup sets.' })
    .int('Keep a whole number of backup sets.')
    .min(1, 'Keep at least 1 backup set per environment.')
    .max(1000, 'Keep at most 1000 backup sets per environment.')
    .optional(),
  keepDays: z
    .number({ error: 'Keep sets a whole number of days.' })
    .int('Keep sets a whole number of days.')
    .min(1, 'Keep sets at least 1 day.')
    .max(3650, 'Keep sets at most 3650 days.')
    .optional(),
  freshWithinHours: z
    .number({ error: 'Give the freshness in whole hours.' })
    .int('Give the freshness in whole hours.')
    .min(1, 'A backup is fresh for at least 1 hour.')
    .max(8760, 'A backup is fresh for at most 8760 hours (a year).')
    .optional(),
  concurrency: z
    .number({ error: 'Sites at once is a whole number.' })
    .int('Sites at once is a whole number.')
    .min(1, 'Work on at least 1 site at a time.')
    .max(16, 'Work on at most 16 sites at a time.'),
  everyHours: z
    .number({ error: 'Run every whole number of hours.' })
    .int('Run every whole number of hours.')
    .min(1, 'Run at most every hour.')
    .max(720, 'Run at least every 720 hours (30 days).')
    .nullable(),
});

/** The request schemas, by contract path. */
export const schemas = {
  accountsAdd: z.object({
    machineToken: z
      .string()
      .trim()
      .min(1, 'Paste a machine token.')
      .max(512, 'That is too long for a machine token.')
      .regex(/^[A-Za-z0-9_-]+$/, 'A machine token has only letters, digits, dashes and underscores.'),
    apiUrl: z.url().optional(),
  }),
  accountsRemove: z.object({ accountId }),
  accountsUpdate: z
    .object({
      accountId,
      label: z
        .string()
        .trim()
        .min(1, 'An account name cannot be empty.')
        .max(80, 'An account name is at most 80 characters.')
        .regex(ONE_LINE, 'An account name is one line of text, without control characters.')
        .optional(),
      colour: z
        .enum(ACCOUNT_COLOURS, { error: `A colour is one of ${ACCOUNT_COLOURS.join(', ')}.` })
        .optional(),
    })
    .refine((r) => r.label !== undefined || r.colour !== undefined, 'Give a new name or a colour.'),
  sitesList: z.object({ refresh: z.boolean().optional() }).optional(),
  sitesEnvironments: z.object({ accountId, site: siteRef }),
  sitesChooseAccount: z.object({ siteId: siteRef, accountId }),
  backupsList: z.object({ accountId, site: siteRef, env: envId }),
  backupsCreate: z.object({
    accountId,
    site: siteRef,
    env: envId,
    elements: elements('Choose at least one of code, database and files.'),
    keepForDays: z
      .number()
      .int()
      .min(1, 'Keep a backup at least 1 day.')
      .max(3650, 'Keep a backup at most 3650 days.'),
  }),
  backupsSchedule: z.object({ accountId, site: siteRef, env: envId }),
  backupsSetSchedule: z.object({
    accountId,
    site: siteRef,
    env: envId,
    enabled: z.boolean(),
    weeklyDay: z.number().int().min(0).max(6).optional(),
    keepWeeklyForDays: z.number().int().min(1).max(365).optional(),
  }),
  workflowsGet: z.object({ accountId, site: siteRef, workflowId: z.string().min(1).max(100) }),
  backupsRestoreOnPantheon: z.object({
    accountId,
    /** The site's name or id. */
    siteId: siteRef,
    env: envId,
    folder: z
      .string()
      .regex(/^\d{9,11}_(backup|automated)$/, 'Choose a backup folder such as 1700000000_backup.'),
    elements: elements('Choose at least one of code, files and database.'),
    /** The site's name, typed by the person: a restore on Pantheon replaces what the environment has. */
    confirmSiteName: z.string().trim().min(1, "Type the site's name to confirm.").max(200),
  }),
  environmentsUncommitted: z.object({ accountId, siteId: siteRef, env: envId }),
  restore: z.object({
    accountId,
    site: siteRef,
    env: envId,
    /** `latest`, `new`, or a backup folder such as 1700000000_backup. */
    backup: z
      .string()
      .regex(/^(latest|new|\d{9,11}_(backup|automated))$/, 'Choose latest, new or a backup folder.'),
    elements: elements('Choose at least one of code, database and files.'),
    targetDir: z.string().trim().min(1, 'Choose a folder to restore into.').max(4096),
    folderName: z
      .string()
      .trim()
      .regex(/^[^/\\\0]+$/, 'A folder name, not a path.')
      .refine((n) => n !== '.' && n !== '..', 'The name of a new folder, not "." or "..".')
      .max(255)
      .optional(),
    branch: z.string().trim().min(1).max(200).optional(),
    intoRepo: z.string().trim().min(1).max(4096).optional(),
    checkoutIntoRepo: z.boolean().optional(),
    importDatabase: z
      .object({
        name: z
          .string()
          .regex(/^[A-Za-z0-9_$]{1,64}$/, 'Letters, digits and _ only, at most 64.')
          .optional(),
        replace: z.boolean().optional(),
      })
      .optional(),
    include: z.array(z.string().max(1000)).max(200).optional(),
    exclude: z.array(z.string().max(1000)).max(200).optional(),
    updateInPlace: z.boolean().optional(),
    /** With updateInPlace: files changed in the copy since its last restore are replaced too (kept aside). */
    replaceLocalEdits: z.boolean().optional(),
    keepForDays: z.number().int().min(1).max(3650).optional(),
  }),
  download: z.object({
    accountId,
    site: siteRef,
    env: envId,
    folder: z.string().regex(/^(latest|\d{9,11}_(backup|automated))$/, 'Choose latest or a backup folder.'),
    element,
    targetDir: z.string().trim().min(1, 'Choose a folder to save into.').max(4096),
    include: z.array(z.string().max(1000)).max(200).optional(),
    exclude: z.array(z.string().max(1000)).max(200).optional(),
  }),
  archiveTree: z.object({
    accountId,
    site: siteRef,
    env: envId,
    folder: z.string().regex(/^\d{9,11}_(backup|automated)$/),
    element: z.enum(['code', 'files']),
  }),
  jobRef: z.object({
    jobId: z.string().uuid(),
    /**
     * For a retry of a restore on Pantheon: the site's name, typed again (the one typed for the first run is not
     * reused); checked against the site as Pantheon names it when the job runs.
     */
    confirmSiteName: z.string().trim().min(1).max(200).optional(),
  }),
  settingsUpdate: z.object({
    defaultRestoreDir: z.string().trim().min(1).max(4096).optional(),
    parallelDownloads: z.number().int().min(1, 'At least 1.').max(6, 'At most 6.').optional(),
    database: z
      .object({
        host: z.string().trim().min(1).max(255),
        port: z.number().int().min(1).max(65535),
        socket: z.string().trim().max(4096).nullable(),
        pipe: namedPipe,
        user: z.string().trim().min(1).max(80),
      })
      .nullable()
      .optional(),
    theme: z.enum(['system', 'light', 'dark']).optional(),
    favourites: z.array(z.string().max(100)).max(5000).optional(),
    editorCommand: z.string().trim().min(1).max(1000).nullable().optional(),
    terminalCommand: z.string().trim().min(1).max(1000).nullable().optional(),
    /** Paths of git and the database client; null (or left out) for each: looked for. */
    tools: z
      .object({
        git: z.string().trim().min(1).max(4096).nullable().optional(),
        mysqlClient: z.string().trim().min(1).max(4096).nullable().optional(),
      })
      .optional(),
  }),
  /** Look for the tools again, forgetting what was found (after installing one). */
  toolsFind: z.object({ again: z.boolean().optional() }).optional(),
  databasePassword: z.object({ password: z.string().max(1024) }),
  /** The database connection as the Settings form has it, saved or not; no password: the keychain's. */
  databaseTest: z.object({
    host: z.string().trim().min(1, 'Give the server’s host, e.g. 127.0.0.1.').max(255),
    port: z.number().int().min(1, 'A port from 1 to 65535.').max(65535, 'A port from 1 to 65535.'),
    socket: z.string().trim().max(4096).nullable(),
    pipe: namedPipe,
    user: z.string().trim().min(1, 'Give the user to connect as.').max(80),
    password: z.string().max(1024).optional(),
  }),
  /**
   * Restart to install a downloaded update: `now` (refused while jobs run), `when-idle` (as soon as none runs), or
   * `cancel` a restart asked for `when-idle`.
   */
  restartToUpdate: z.object({ when: z.enum(['now', 'when-idle', 'cancel']).optional() }).optional(),
  /** One finished job to clear, or none: every finished job. */
  jobsClear: z.object({ jobId: z.string().uuid() }).optional(),
  path: z.object({ path: z.string().min(1).max(4096) }),
  copiesList: z.object({ checkNewer: z.boolean().optional() }).optional(),
  /** A mirror's profile: what to mirror, where, how often (mirror.preview, run, saveProfile, schedule*). */
  mirrorProfile,
  copyRef: z.object({ copyId: z.uuid('That is not a local copy’s id.') }),
  /** Update a copy from a newer backup: a restore of the same copy, its defaults taken from the copy. */
  copyUpdate: z.object({
    copyId: z.uuid('That is not a local copy’s id.'),
    /** `latest` (default) or a backup folder such as 1700000000_backup. */
    backup: z
      .string()
      .regex(/^(latest|\d{9,11}_(backup|automated))$/, 'Choose latest or a backup folder.')
      .optional(),
    /** The new branch; default: a free `lifeboat/<env>-<date>[-N]`. */
    branch: z.string().trim().min(1).max(200).optional(),
    /**
     * The database, when the copy had one imported: into a new database (default: a free `<site>_<env>_<date>[_N]`),
     * or replacing one atomically; null: leave the database alone (the archive is still saved).
     */
    database: z
      .object({
        name: z
          .string()
          .regex(/^[A-Za-z0-9_$]{1,64}$/, 'Letters, digits and _ only, at most 64.')
          .optional(),
        replace: z.boolean().optional(),
      })
      .nullable()
      .optional(),
    /** Files changed in the copy since it was restored are replaced too (they are kept aside either way). */
    replaceLocalEdits: z.boolean().optional(),
  }),
  copyOpen: z.object({
    copyId: z.uuid('That is not a local copy’s id.'),
    with: z.enum(['editor', 'terminal']),
  }),
  copySetup: z.object({
    copyId: z.uuid('That is not a local copy’s id.'),
    /** WordPress: the local URL the site's URLs become; default `http://<copy folder name>.ddev.site` or similar. */
    url: z
      .url({
        protocol: /^https?$/,
        // A host name a computer can have (RFC 1123 labels, as the URL parser lower-cases them) or an IP address.
        hostname: /^(?:(?!-)[a-z0-9-]{1,63}(?<!-)(?:\.(?!-)[a-z0-9-]{1,63}(?<!-))*|\[[0-9a-f:.]+\])$/,
        error: (iss) =>
          iss.note === 'Invalid hostname'
            ? 'Not a host name a computer can have: use letters, digits and hyphens, in parts separated by dots (such as mysite.localhost), or an IP address.'
            : 'A local address such as http://mysite.local.',
      })
      .max(500)
      // Dropped without a word otherwise: a site's address has no user name, password, query or fragment.
      .refine(
        (u) => !/^[a-z][a-z0-9+.-]*:[\\/]*[^/\\?#]*@/i.test(u.trim()) && !/[?#]/.test(u),
        'A site’s address has no user name or password (user:password@), query (?…) or fragment (#…): leave them out.',
      )
      .optional(),
    ddev: z.boolean().optional(),
    lando: z.boolean().optional(),
  }),
} as const;

/** The validated request type of a schema. */
export type RequestOf<K extends keyof typeof schemas> = z.infer<(typeof schemas)[K]>;

/** Validates `input` against a schema; returns the parsed value or a readable message naming the bad field. */
export function validate<K extends keyof typeof schemas>(
  key: K,
  input: unknown,
): { ok: true; value: RequestOf<K> } | { ok: false; message: string } {
  const parsed = schemas[key].safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data as RequestOf<K> };
  const issue = parsed.error.issues[0];
  // A form's message is shown as it is, a sentence for a person; elsewhere the field's path says which one.
  const sentence = SENTENCES.has(key) && /[.)]$/.test(issue?.message ?? '');
  const where = issue && issue.path.length > 0 && !sentence ? `${issue.path.join('.')}: ` : '';
  return { ok: false, message: `${where}${issue?.message ?? 'Invalid request.'}` };
}

/**
 * Schemas whose messages are whole sentences naming what to fix in words a person knows (the Mirror screen's form
 * shows them as they are): "selection: Say which sites…" would put a field's name in front of a person. A message
 * of zod's own (no full stop) keeps its path, the only clue to which value it is about.
 */
const SENTENCES: ReadonlySet<keyof typeof schemas> = new Set(['mirrorProfile']);
