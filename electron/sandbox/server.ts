import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchiveLibrary, deployTagOf, type ArchiveElement, type BuiltArchive } from './archives';
import {
  entriesOf,
  plannedHistory,
  sortCatalog,
  strictEntry,
  strictExtraSets,
  type CatalogEntry,
  type PlannedSet,
} from './catalog';
import type { Faults, ScriptedFault } from './faults';
import { createRandom } from './prng';
import { demoSeed, seedByName, type DiffstatEntry, type Seed, type SeedSite, type SeedUser } from './seed';

/**
 * How faithfully the sandbox mimics Pantheon. 'rich' (default) answers with complete, convenient objects; 'strict'
 * answers only in the lean shapes recorded from the real API (missing optional keys, optional endpoints absent,
 * awkward catalog entries), so the client is tested against what Pantheon really sends.
 */
export type SandboxMode = (typeof SANDBOX_MODE_NAMES)[number];

/** The modes, for a command line to validate `--mode` against. */
export const SANDBOX_MODE_NAMES = ['rich', 'strict'] as const;

/** How to start a sandbox. */
export interface SandboxOptions {
  readonly seed?: Seed | 'demo' | 'big';
  /** 'rich' (default) or 'strict' (the real API's lean shapes). */
  readonly mode?: SandboxMode;
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Where built archives are cached between runs. */
  readonly cacheDir?: string;
  readonly urlLifetimeSeconds?: number;
  readonly sessionLifetimeSeconds?: number;
  /** How long each workflow step takes. */
  readonly workflowStepMs?: number;
  /** Whether `start` names the first item of the next page (inclusive) or the last of the previous one. */
  readonly pagingStartInclusive?: boolean;
  /**
   * How far the sandbox's clock is from this machine's, in seconds (negative: behind). It moves everything the
   * server dates: sessions and their `expires_at`, the `Date` header, signed URLs' `Expires`, workflow and catalog
   * times. A large negative skew makes `expires_at` already past by the client's clock while the server still
   * honours the session.
   */
  readonly clockSkewSeconds?: number;
  /** Status for a rejected machine token: 401 (2017+), 500 (2016 cassette) or 400 (2024 report). */
  readonly badTokenStatus?: 400 | 401 | 500;
  readonly faults?: Faults;
  /**
   * The secret the `/__sandbox/*` admin API requires in its `X-Sandbox-Admin` header. Default: the
   * LIFEBOAT_SANDBOX_ADMIN_TOKEN variable (so a parent process can set it for a sandbox it spawns), else random.
   */
  readonly adminToken?: string;
}

/** One request as the sandbox saw it, for tests that assert what was (re)tried. */
export interface RequestLogEntry {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly status: number;
  readonly range?: string;
  readonly authorization?: string;
  readonly userAgent?: string;
  readonly at: number;
  /** The connection was cut after the headers (a drop fault). */
  readonly dropped?: boolean;
  /** Body bytes written, for archive downloads. */
  readonly bytesSent?: number;
}

/** A restore workflow that succeeded: what an environment was restored from. */
export interface RestoreRecord {
  readonly site: string;
  readonly env: string;
  readonly element: ArchiveElement;
  readonly folder: string;
  readonly filename: string;
  readonly workflowId: string;
  /** Server time (seconds) the restore finished. */
  readonly at: number;
}

/** A running sandbox. */
export interface Sandbox {
  readonly url: string;
  /** The API base, ending in `/api/`. */
  readonly apiUrl: string;
  readonly seed: Seed;
  readonly mode: SandboxMode;
  /** Every restore that succeeded, oldest first (also at `GET /__sandbox/restores`). */
  readonly restores: readonly RestoreRecord[];
  /**
   * Sets the uncommitted SFTP changes of a dev or multidev environment (an empty object: none), as the diffstat
   * endpoint reports them; the environment is in SFTP mode from then on.
   */
  setDiffstat(siteName: string, env: string, files: Readonly<Record<string, DiffstatEntry>>): void;
  /** Each user's email with a machine token that logs in as them. */
  readonly accounts: readonly {
    readonly email: string;
    readonly machineToken: string;
    readonly userId: string;
  }[];
  readonly requests: RequestLogEntry[];
  /** This run's secret for the `/__sandbox/*` admin API, sent as the `X-Sandbox-Admin` header. */
  readonly adminToken: string;
  setFaults(faults: Faults): void;
  /** Invalidate every session issued so far, as if they had expired. */
  expireSessions(): void;
  /** The built archive behind a site's environment, for checksums in tests. */
  archive(siteName: string, env: string, element: ArchiveElement): Promise<BuiltArchive>;
  /** Serves the file at `path` as that archive from now on (hostile-input tests); the catalog follows. */
  serveArchive(siteName: string, env: string, element: ArchiveElement, path: string): void;
  /**
   * Deploys to test or live, as the Dashboard's Deploy does: the next `pantheon_test_N` / `pantheon_live_N` tag (a
   * live deploy promotes what test has, deploying to test first when live has it already), which the environment
   * then names as its target and its code archive carries. Returns the new tag.
   */
  deploy(siteName: string, env: 'test' | 'live'): string;
  /** Wait until every running workflow has finished. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

interface Session {
  readonly userId: string;
  readonly expiresAt: number;
  revoked: boolean;
}

interface WorkflowRecord {
  data: Record<string, unknown>;
  done: Promise<void>;
}

interface Issued {
  readonly issuedAt: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
    readonly raw = false,
  ) {
    super(typeof body === 'string' ? body : `HTTP ${status}`);
  }
}

const json = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
};

const text = (res: ServerResponse, status: number, body: string, type = 'text/plain'): void => {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > 1 << 20) throw new HttpError(413, 'Request body too large.');
    chunks.push(c);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'Request body is not valid JSON.');
  }
}

const STANDARD_ENVS = ['dev', 'test', 'live'];

/** Restore workflow types and the element each restores (§7). */
const RESTORE_TYPES = new Map<string, ArchiveElement>([
  ['restore_code', 'code'],
  ['restore_files', 'files'],
  ['restore_database', 'database'],
]);

/** Environment workflows a frozen site refuses with 403. */
const FROZEN_REFUSED = ['do_export', 'do_import', 'deploy', ...RESTORE_TYPES.keys()];

/** Starts the Pantheon-compatible sandbox on loopback. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const given =
    typeof options.seed === 'string'
      ? (seedByName(options.seed) ?? demoSeed())
      : (options.seed ?? demoSeed());
  // This sandbox's own sites: a deploy (see `deploy`) changes them here only, never another sandbox's seed.
  const seed: Seed = { ...given, sites: given.sites.map((s) => ({ ...s })) };
  const mode: SandboxMode = options.mode ?? 'rich';
  if (mode !== 'rich' && mode !== 'strict') throw new Error(`Unknown sandbox mode "${String(mode)}".`);
  const strict = mode === 'strict';
  const library = new ArchiveLibrary(options.cacheDir ?? join(tmpdir(), 'lifeboat-sandbox-cache'));
  const urlLifetime = options.urlLifetimeSeconds ?? 3600;
  const sessionLifetime = options.sessionLifetimeSeconds ?? 28 * 86400;
  const stepMs = options.workflowStepMs ?? 1500;
  const inclusive = options.pagingStartInclusive ?? true;
  const badTokenStatus = options.badTokenStatus ?? 401;
  const skewMs = (options.clockSkewSeconds ?? 0) * 1000;
  if (!Number.isFinite(skewMs)) throw new Error('clockSkewSeconds must be a finite number.');
  /** The server's clock, in milliseconds: this machine's, moved by the configured skew. */
  const nowMs = (): number => Date.now() + skewMs;
  const nowS = (): number => nowMs() / 1000;
  const signingKey = randomBytes(32);
  let faults: Faults = options.faults ?? {};
  let apiRoll = createRandom(faults.api?.seed ?? 1);
  let storeRoll = createRandom(faults.store?.seed ?? 2);
  // Scripted faults waiting on a workflow (`afterWorkflow`) that has now finished.
  let armed = new Set<ScriptedFault>();

  const usersById = new Map(seed.users.map((u) => [u.id, u]));
  const userByToken = new Map<string, SeedUser>();
  for (const u of seed.users) for (const t of u.machineTokens) userByToken.set(t, u);
  const sitesById = new Map(seed.sites.map((s) => [s.id, s]));
  const sitesByName = new Map(seed.sites.map((s) => [s.name, s]));
  const orgsById = new Map(seed.orgs.map((o) => [o.id, o]));
  const sessions = new Map<string, Session>();
  const workflows = new Map<string, WorkflowRecord>();
  const catalogs = new Map<string, Promise<Record<string, CatalogEntry>>>();
  const schedules = new Map<string, Record<string, { hour: number | null; ttl: number } | null>>();
  const issuedUrls = new Map<string, Issued>();
  const timers = new Set<NodeJS.Timeout>();
  const requests: RequestLogEntry[] = [];
  const restores: RestoreRecord[] = [];
  const bodyBytes = new WeakMap<ServerResponse, number>();
  const startedAt = Math.floor(nowS());
  // Uncommitted SFTP changes by `${site id}/${env}`; an environment listed here is in SFTP mode.
  const diffstats = new Map<string, Readonly<Record<string, DiffstatEntry>>>();
  for (const site of seed.sites)
    for (const [env, files] of Object.entries(site.uncommitted ?? {}))
      diffstats.set(`${site.id}/${env}`, files);

  const envsOf = (site: SeedSite): string[] => [...STANDARD_ENVS, ...site.multidevs];

  const orgRole = (userId: string, orgId: string): string | undefined => orgsById.get(orgId)?.members[userId];
  const canSee = (userId: string, site: SeedSite): boolean =>
    site.members.includes(userId) ||
    site.orgs.some((o) => {
      const role = orgRole(userId, o.orgId);
      return role !== undefined && role !== 'unprivileged';
    });

  const upstreamIdOf = (site: SeedSite): string =>
    site.framework === 'wordpress'
      ? 'e8fe8550-1ab9-4964-8838-2b9abdccf4bf'
      : '21e1fada-199c-492b-97bd-0b36b53a9da0';
  const upstreamUrlOf = (site: SeedSite): string =>
    `https://github.com/pantheon-systems/${site.framework === 'wordpress' ? 'WordPress' : 'drops-7'}`;
  const holderOf = (site: SeedSite): Record<string, unknown> => {
    const org = site.orgs[0] ? orgsById.get(site.orgs[0].orgId) : undefined;
    const owner = usersById.get(site.ownerId);
    return org
      ? { id: org.id, profile: { name: org.name, machine_name: org.machineName } }
      : { id: owner?.id, email: owner?.email };
  };
  const frozenFields = (site: SeedSite): Record<string, unknown> =>
    site.frozen ? { frozen: true, last_frozen_at: site.created + 86400 * 30 } : {};
  const lastCodePush = (site: SeedSite) => ({
    timestamp: new Date((site.created + 86400 * 3) * 1000).toISOString().slice(0, 19),
    user_uuid: null,
  });

  const siteObject = (site: SeedSite): Record<string, unknown> => {
    const org = site.orgs[0] ? orgsById.get(site.orgs[0].orgId) : undefined;
    return {
      id: site.id,
      name: site.name,
      label: site.label,
      created: site.created,
      created_by_user_id: site.ownerId,
      framework: site.framework,
      owner: site.ownerId,
      holder_id: org?.id ?? site.ownerId,
      holder_type: org ? 'organization' : 'user',
      plan_name: site.planName,
      service_level: site.planName === 'Sandbox' ? 'free' : 'basic',
      php_version: '82',
      preferred_zone: 'us-central1',
      preferred_zone_label: 'United States',
      last_code_push: lastCodePush(site),
      upstream: {
        id: upstreamIdOf(site),
        label:
          site.framework === 'wordpress'
            ? 'WordPress'
            : site.framework === 'drupal8'
              ? 'Drupal 10'
              : 'Drupal 7',
        machine_name: site.framework,
        url: upstreamUrlOf(site),
        branch: 'master',
        framework: site.framework,
        type: 'core',
      },
      holder: holderOf(site),
      settings: { max_num_cdes: 10, allow_domains: true, ssl_enabled: null, drush_version: 8 },
      // Older membership payloads only had attributes.label; send both as the real API did.
      attributes: { label: site.label },
      base_domain: null,
      add_ons: [],
      ...frozenFields(site),
    };
  };

  /**
   * A site inside a membership, as the 2016 recording of `users/{id}/memberships/sites` has it: no top-level
   * `label` (only `attributes.label`), an upstream without label, no settings; `frozen` only when frozen.
   */
  const strictMembershipSite = (site: SeedSite): Record<string, unknown> => {
    const org = site.orgs[0] ? orgsById.get(site.orgs[0].orgId) : undefined;
    return {
      created_by_user_id: site.ownerId,
      holder_id: org?.id ?? site.ownerId,
      name: site.name,
      created: site.created,
      last_code_push: lastCodePush(site),
      framework: site.framework,
      holder_type: org ? 'organization' : 'user',
      service_level: site.planName === 'Sandbox' ? 'free' : 'basic',
      plan_name: site.planName,
      php_version: '82',
      upstream: { url: upstreamUrlOf(site), product_id: upstreamIdOf(site), branch: 'master' },
      owner: site.ownerId,
      attributes: { label: site.label },
      holder: holderOf(site),
      id: site.id,
      preferred_zone: 'us-central1',
      preferred_zone_label: 'United States',
      product_id: upstreamIdOf(site),
      ...frozenFields(site),
    };
  };

  /** `GET sites/{id}` as recorded in 2016: a label, settings, but no region label. */
  const strictSiteDetail = (site: SeedSite): Record<string, unknown> => {
    const org = site.orgs[0] ? orgsById.get(site.orgs[0].orgId) : undefined;
    return {
      created: site.created,
      created_by_user_id: site.ownerId,
      framework: site.framework,
      holder_id: org?.id ?? site.ownerId,
      holder_type: org ? 'organization' : 'user',
      last_code_push: lastCodePush(site),
      name: site.name,
      owner: site.ownerId,
      php_version: '82',
      preferred_zone: 'us-central1',
      service_level: site.planName === 'Sandbox' ? 'free' : 'basic',
      plan_name: site.planName,
      upstream: { url: upstreamUrlOf(site), product_id: upstreamIdOf(site), branch: 'master' },
      label: site.label,
      id: site.id,
      holder: holderOf(site),
      settings: { allow_domains: false, max_num_cdes: 10, drush_version: 8, ssl_enabled: null },
      base_domain: null,
      attributes: { label: site.label },
      add_ons: [],
      ...frozenFields(site),
    };
  };

  const membershipSite = (site: SeedSite) => (strict ? strictMembershipSite(site) : siteObject(site));

  const isInitialized = (site: SeedSite, env: string): boolean =>
    !(env === 'live' && site.liveDeploys === 0) && !(env === 'test' && site.testDeploys === 0);
  const sftpMode = (site: SeedSite, env: string): boolean =>
    diffstats.has(`${site.id}/${env}`) || env === 'dev';
  const targetOf = (site: SeedSite, env: string): { target_ref: string; target_commit: string } => {
    const tag = deployTagOf(site, env);
    const ref = tag
      ? `refs/tags/${tag}`
      : site.multidevs.includes(env)
        ? `refs/heads/${env}`
        : 'refs/heads/master';
    return { target_ref: ref, target_commit: createHmac('sha1', site.id).update(ref).digest('hex') };
  };

  const envObject = (site: SeedSite, env: string): Record<string, unknown> => {
    if (strict) return strictEnvObject(site, env);
    const initialized = isInitialized(site, env);
    const base: Record<string, unknown> = {
      dns_zone: 'pantheonsite.io',
      environment_created: site.created + (STANDARD_ENVS.indexOf(env) + 1) * 60,
      on_server_development: sftpMode(site, env),
      php_version: '82',
      php_major_minor_version: '8.2',
      styx_cluster: 'styx-01.pantheon.io',
      key: `${site.id}!${env}`,
      preferred_pool: null,
      is_initialized: initialized,
      environment_variables: { php_version: 8.2 },
      quicksilver_configuration: {},
      diffstat: {},
      lock: { username: null, password: null, locked: env === 'test' && site.name.endsWith('-shop') },
      maintenance: { enabled: false },
    };
    if (!initialized) return base;
    return { ...base, ...targetOf(site, env) };
  };

  /**
   * An environment as the 2016 recordings have it: test and live carry no `is_initialized` and no
   * `on_server_development`; an uninitialized one simply has no target ref or commit.
   */
  const strictEnvObject = (site: SeedSite, env: string): Record<string, unknown> => {
    const standard = env === 'test' || env === 'live';
    const randseed = createHmac('sha1', site.id).update(`randseed:${env}`).digest('hex').slice(0, 32);
    const head: Record<string, unknown> = standard
      ? {}
      : { watchers: 0, diffstat: {}, on_server_development: sftpMode(site, env) };
    const created = site.created + (STANDARD_ENVS.indexOf(env) + 1) * 60;
    const lock = { username: null, password: null, locked: env === 'test' && site.name.endsWith('-shop') };
    const target = isInitialized(site, env) ? targetOf(site, env) : undefined;
    return {
      ...head,
      environment_created: created,
      dns_zone: 'pantheonsite.io',
      randseed: randseed.toUpperCase(),
      ...(target ? { target_ref: target.target_ref } : {}),
      lock,
      ...(target ? { target_commit: target.target_commit } : {}),
      styx_cluster: 'styx-01.pantheon.io',
    };
  };

  const catalogFor = (site: SeedSite, env: string): Promise<Record<string, CatalogEntry>> => {
    const key = `${site.id}/${env}`;
    let p = catalogs.get(key);
    if (!p) {
      p = (async () => {
        const planned = plannedHistory(site, env, startedAt);
        const out: Record<string, CatalogEntry> = {};
        if (planned.length > 0) {
          const sizes = await archiveSizes(site, env, ['code', 'database', 'files']);
          for (const set of planned) for (const [k, v] of entriesOf(site, env, set, sizes)) out[k] = v;
          // Manifests can outlive their archives.
          const orphan = planned[planned.length - 1]!.epoch - 30 * 86400;
          const [, manifest] = entriesOf(
            site,
            env,
            { epoch: orphan, kind: 'automated', ttl: 31536000, elements: [] },
            null,
          )[0]!;
          out[`${orphan}_automated_manifest`] = manifest;
          if (strict) for (const [k, v] of strictExtraSets(site, env, startedAt, sizes)) out[k] = v;
        }
        return out;
      })();
      catalogs.set(key, p);
      p.catch(() => catalogs.delete(key));
    }
    return p;
  };

  /** The catalog as sent: newest first; in strict mode each entry in its recorded shape. */
  const catalogBody = (catalog: Record<string, CatalogEntry>): Record<string, CatalogEntry> => {
    const sorted = sortCatalog(catalog);
    if (!strict) return sorted;
    return Object.fromEntries(Object.entries(sorted).map(([k, v]) => [k, strictEntry(k, v)]));
  };

  const archiveSizes = async (site: SeedSite, env: string, elements: readonly ArchiveElement[]) => {
    const sizes: Partial<Record<ArchiveElement, number>> = {};
    for (const el of elements) sizes[el] = (await library.get(site, env, el)).size;
    return sizes;
  };

  const sign = (path: string, expires: number): string =>
    createHmac('sha256', signingKey).update(`${path}\n${expires}`).digest('base64url');

  const track = (t: NodeJS.Timeout): void => {
    timers.add(t);
  };

  const wait = (ms: number): Promise<void> =>
    new Promise((r) => {
      const t = setTimeout(() => {
        timers.delete(t);
        r();
      }, ms);
      track(t);
    });

  const workflowObject = (
    id: string,
    type: string,
    site: SeedSite,
    env: string | null,
    user: SeedUser,
    params: unknown,
    total: number,
    description: string,
    activeDescription = description.replace(/^Export/, 'Exporting'),
  ): Record<string, unknown> => {
    const traceId = randomUUID();
    const createdAt = nowS();
    if (strict) {
      // The field set of the recorded POST answers: no started_at or finished_at until the workflow has them.
      const taskId = randomUUID();
      return {
        environment_id: env,
        user_id: user.id,
        site_id: site.id,
        trace_id: traceId,
        params,
        task_ids: [taskId],
        role: 'team_member',
        type,
        id,
        key: String(Math.floor(createdAt / 3600) * 3600),
        waiting_for_task_id: taskId,
        keep_forever: false,
        phase: 'created',
        queued_time: null,
        run_time: null,
        created_at: createdAt,
        reason: '',
        environment: env,
        final_task_id: null,
        result: null,
        total_time: null,
        active_description: activeDescription,
        description,
        step: 1,
        has_operation_log_output: false,
        number_of_tasks: total,
        trace_log_url: `https://logs.sandbox.invalid/trace/${traceId}`,
        user: { user_id: user.id, created_at: 1500000000, email: user.email, is_registered: true },
        user_email: user.email,
        waiting_for_task: {
          id: taskId,
          workflow_id: id,
          environment: env,
          site_id: site.id,
          fn_name: 'queue_jenkins_task',
          phase: 'created',
          result: null,
          created_at: createdAt,
          messages: {},
        },
      };
    }
    return {
      id,
      type,
      description,
      active_description: activeDescription,
      environment: env,
      environment_id: env,
      site_id: site.id,
      user_id: user.id,
      params,
      phase: 'created',
      result: null,
      reason: '',
      step: 0,
      number_of_tasks: total,
      created_at: createdAt,
      started_at: null,
      finished_at: null,
      total_time: null,
      run_time: null,
      queued_time: null,
      final_task_id: null,
      task_ids: [],
      has_operation_log_output: false,
      keep_forever: false,
      key: `${site.id}:${id}`,
      role: 'owner',
      trace_id: traceId,
      user_email: user.email,
    };
  };

  const startPhase = (data: Record<string, unknown>): void => {
    data.phase = 'started';
    data.started_at = nowS();
  };

  const finishWorkflow = (
    data: Record<string, unknown>,
    result: 'succeeded' | 'failed',
    reason?: string,
  ): void => {
    const now = nowS();
    data.phase = 'finished';
    data.result = result;
    data.finished_at = now;
    data.total_time = now - (data.created_at as number);
    data.run_time = now - ((data.started_at as number | null | undefined) ?? (data.created_at as number));
    data.final_task_id = randomUUID();
    if (reason) {
      data.reason = reason;
      data.final_task = {
        reason,
        error_details: reason,
        responses: [{ code: 400, body: reason }],
        messages: {
          [new Date(now * 1000).toISOString().replace('Z', '')]: { message: reason, level: 'ERROR' },
        },
        has_error: true,
      };
    }
    // Faults that wait for this kind of workflow apply from now on.
    for (const f of faults.api?.script ?? []) if (f.afterWorkflow === data.type) armed.add(f);
  };
  const runExport = async (
    site: SeedSite,
    env: string,
    data: Record<string, unknown>,
    elements: ArchiveElement[],
    ttl: number,
  ): Promise<void> => {
    const failWith = faults.workflow?.failExportWith;
    if (failWith) faults = { ...faults, workflow: { ...faults.workflow, failExportWith: undefined } };
    const catalog = await catalogFor(site, env);
    // The folder epoch is the creation second; two backups in one second get distinct folders.
    let epoch = Math.floor((data.created_at as number) ?? nowS());
    while (Object.keys(catalog).some((k) => k.startsWith(`${epoch}_backup_`))) epoch++;
    const set: PlannedSet = { epoch, kind: 'backup', ttl, elements };
    await wait(stepMs);
    startPhase(data);
    data.step = 1;
    for (const [k, v] of entriesOf(site, env, set, null)) catalog[k] = v;
    const total = data.number_of_tasks as number;
    for (let step = 2; step <= total; step++) {
      await wait(stepMs);
      data.step = step;
      if (failWith && step === total) {
        for (const k of Object.keys(catalog)) if (k.startsWith(`${epoch}_backup_`)) delete catalog[k];
        finishWorkflow(data, 'failed', failWith);
        return;
      }
    }
    const sizes = await archiveSizes(site, env, elements);
    for (const [k, v] of entriesOf(site, env, set, sizes)) catalog[k] = v;
    const sorted = sortCatalog(catalog);
    for (const k of Object.keys(catalog)) delete catalog[k];
    Object.assign(catalog, sorted);
    finishWorkflow(data, 'succeeded');
  };

  const startWorkflow = async (
    site: SeedSite,
    env: string | null,
    user: SeedUser,
    body: unknown,
  ): Promise<Record<string, unknown>> => {
    const b = body as { type?: unknown; params?: Record<string, unknown> };
    const type = typeof b.type === 'string' ? b.type : '';
    const params = b.params && typeof b.params === 'object' ? b.params : {};
    const id = randomUUID();
    if (site.frozen && env !== null && FROZEN_REFUSED.includes(type)) {
      throw new HttpError(
        403,
        'This site is frozen. Its test and live environments and many commands will be unavailable while it remains frozen.',
      );
    }
    if (type === 'do_export' && env) {
      const elements = (['code', 'database', 'files'] as const).filter(
        (e) => params[e] === true || params[e] === 1,
      );
      if (elements.length === 0)
        throw new HttpError(400, 'Nothing to back up: choose code, database or files.');
      const ttl = typeof params.ttl === 'number' && params.ttl > 0 ? Math.floor(params.ttl) : 31536000;
      const what = elements.length === 3 ? 'code, files and database' : elements.join(' and ');
      const data = workflowObject(id, type, site, env, user, params, 3, `Export ${what} from "${env}"`);
      const done = runExport(site, env, data, [...elements], ttl).catch((e: unknown) =>
        finishWorkflow(data, 'failed', String(e)),
      );
      workflows.set(id, { data, done });
      return data;
    }
    if (RESTORE_TYPES.has(type) && env) {
      const element = RESTORE_TYPES.get(type)!;
      if (typeof params.key !== 'string' || !params.key)
        throw new HttpError(400, 'params.key is required: "{site_id}/{env}/{folder}/{filename}".');
      if (typeof params.bucket !== 'string' || !params.bucket)
        throw new HttpError(400, 'params.bucket is required.');
      const [description, active] =
        element === 'code'
          ? [`Restore code to "${env}"`, `Restoring code in "${env}"`]
          : [`Restore ${element} on "${env}"`, `Restoring ${element} in "${env}"`];
      const total = element === 'code' ? 11 : 4;
      const data = workflowObject(id, type, site, env, user, params, total, description, active);
      const done = runRestore(site, env, element, data, params.key, params.bucket).catch((e: unknown) =>
        finishWorkflow(data, 'failed', String(e)),
      );
      workflows.set(id, { data, done });
      return data;
    }
    if (type === 'change_backup_schedule' && env) {
      const sched = validSchedule(params.backup_schedule);
      const data = workflowObject(
        id,
        type,
        site,
        env,
        user,
        params,
        1,
        `Change backup schedule for "${env}"`,
      );
      const done = (async () => {
        await wait(stepMs);
        startPhase(data);
        const key = `${site.id}/${env}`;
        const current = schedules.get(key) ?? defaultSchedule(site);
        // Terminus sends hour null. What Pantheon then stores is not recorded [INF]: keep the hour the
        // environment had (so a schedule change does not move its backups), else pick one for the site.
        const keptHour =
          Object.values(current).find((v) => v && typeof v.hour === 'number')?.hour ??
          Number.parseInt(createHmac('sha1', site.id).update('hour').digest('hex').slice(0, 4), 16) % 24;
        const normalized: Record<string, { hour: number | null; ttl: number } | null> = {};
        for (let d = 0; d < 7; d++) {
          const v = sched[String(d)];
          normalized[String(d)] = v ? { hour: v.hour ?? keptHour, ttl: v.ttl } : null;
        }
        schedules.set(key, normalized);
        data.step = 1;
        finishWorkflow(data, 'succeeded');
      })();
      workflows.set(id, { data, done });
      return data;
    }
    throw new HttpError(400, `Workflow type "${type}" is not supported by the Lifeboat sandbox.`);
  };

  /** A `backup_schedule` param: days "0".."6", each null or `{hour: 0-23 or null, ttl: seconds > 0}`. */
  const validSchedule = (raw: unknown): Record<string, { hour: number | null; ttl: number } | null> => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw))
      throw new HttpError(400, 'backup_schedule is required.');
    const out: Record<string, { hour: number | null; ttl: number } | null> = {};
    for (const [day, v] of Object.entries(raw as Record<string, unknown>)) {
      if (!/^[0-6]$/.test(day)) throw new HttpError(400, `backup_schedule has no day "${day}": use 0 to 6.`);
      if (v === null) {
        out[day] = null;
        continue;
      }
      const { hour, ttl } = (v ?? {}) as { hour?: unknown; ttl?: unknown };
      const hourOk =
        hour === null ||
        hour === undefined ||
        (Number.isInteger(hour) && (hour as number) >= 0 && (hour as number) < 24);
      if (!hourOk || typeof ttl !== 'number' || !(ttl > 0))
        throw new HttpError(
          400,
          `backup_schedule day ${day} needs a ttl in seconds and an hour 0-23 or null.`,
        );
      out[day] = { hour: (hour as number | null | undefined) ?? null, ttl: Math.floor(ttl) };
    }
    return out;
  };

  /**
   * Runs a restore workflow. The key names the archive as `{site_id}/{env}/{folder}/{filename}` (2016 recordings
   * left the folder out: `{site_id}/{env}/{filename}`, accepted too). It must be a finished archive of this
   * environment and of the element restored; otherwise the workflow fails with the reason, as Pantheon's do.
   */
  const runRestore = async (
    site: SeedSite,
    env: string,
    element: ArchiveElement,
    data: Record<string, unknown>,
    key: string,
    bucket: string,
  ): Promise<void> => {
    await wait(stepMs);
    startPhase(data);
    const fail = (reason: string): void => finishWorkflow(data, 'failed', reason);
    if (!/(^|-)pantheon-backups$/.test(bucket)) return fail(`Backup bucket "${bucket}" does not exist.`);
    const parts = key.split('/');
    const [siteId, keyEnv] = parts;
    const filename = parts.at(-1) ?? '';
    const folderGiven = parts.length === 4 ? parts[2]! : null;
    const catalog = await catalogFor(site, env);
    const match =
      parts.length === 3 || parts.length === 4
        ? Object.entries(catalog).find(
            ([k, v]) =>
              k.endsWith(`_${element}`) &&
              v.filename === filename &&
              (folderGiven === null || v.folder === folderGiven),
          )
        : undefined;
    if (siteId !== site.id || keyEnv !== env || !match) {
      const other = Object.values(catalog).find((v) => v.filename === filename);
      if (
        siteId === site.id &&
        keyEnv === env &&
        other &&
        (folderGiven === null || other.folder === folderGiven)
      )
        return fail(`Backup archive ${filename} is not a ${element} archive.`);
      return fail(`Backup archive ${key} was not found in ${bucket}.`);
    }
    const [, entry] = match;
    const finished = entry.size > 0 && (entry.finish_time != null || entry.timestamp != null);
    if (!finished) return fail(`Backup archive ${filename} is not finished yet.`);
    const total = data.number_of_tasks as number;
    // Three waits in all, whatever the task count, so an 11-task code restore is not slow in the demo.
    for (const step of [Math.ceil(total / 2), total]) {
      await wait(stepMs);
      data.step = step;
    }
    restores.push({
      site: site.name,
      env,
      element,
      folder: entry.folder,
      filename,
      workflowId: data.id as string,
      at: nowS(),
    });
    finishWorkflow(data, 'succeeded');
  };

  const defaultSchedule = (site: SeedSite): Record<string, { hour: number; ttl: number } | null> => {
    const out: Record<string, { hour: number; ttl: number } | null> = {};
    const on = site.history !== 'none' && site.planName !== 'Sandbox';
    for (let d = 0; d < 7; d++) out[String(d)] = on ? { hour: 16, ttl: d === 5 ? 2764800 : 691200 } : null;
    return out;
  };

  const paged = <T extends { id: string }>(items: T[], q: URLSearchParams): T[] => {
    const sorted = [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const limit = Math.max(1, Math.min(Number.parseInt(q.get('limit') ?? '100', 10) || 100, 5000));
    const start = q.get('start');
    let from = 0;
    if (start) {
      const i = sorted.findIndex((x) => x.id === start);
      from = i < 0 ? sorted.length : inclusive ? i : i + 1;
    }
    return sorted.slice(from, from + limit);
  };
  const authUser = (req: IncomingMessage): SeedUser => {
    const h = req.headers.authorization ?? '';
    const m = /^Bearer (.+)$/.exec(h);
    const cookie = /X-Pantheon-Session=([^;]+)/.exec(req.headers.cookie ?? '');
    const token = m?.[1] ?? cookie?.[1];
    const s = token ? sessions.get(token) : undefined;
    if (!s || s.revoked || s.expiresAt < nowS()) {
      throw new HttpError(401, 'Invalid or expired session header: X-Pantheon-Session');
    }
    return usersById.get(s.userId)!;
  };

  const visibleSite = (user: SeedUser, id: string): SeedSite => {
    const site = sitesById.get(id);
    if (!site) throw new HttpError(404, `Site ${id} was not found.`);
    if (!canSee(user.id, site)) throw new HttpError(403, 'You are not authorized to access this site.');
    return site;
  };

  const envOf = (site: SeedSite, env: string): string => {
    if (!envsOf(site).includes(env)) throw new HttpError(404, `Environment "${env}" was not found.`);
    return env;
  };

  // Recorded answers of login, site-name lookup and workflows name the charset; the others do not.
  const utf8: Record<string, string> = strict ? { 'Content-Type': 'application/json; charset=utf-8' } : {};

  const scriptedFault = (method: string, path: string): ScriptedFault | undefined => {
    const script = faults.api?.script;
    if (!script) return undefined;
    const f = script.find(
      (s) =>
        s.times > 0 &&
        (!s.afterWorkflow || armed.has(s)) &&
        (!s.method || s.method === method) &&
        path.includes(s.path),
    );
    if (f) f.times--;
    return f;
  };

  async function handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    q: URLSearchParams,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const api = faults.api;
    if (api?.slowMs) await sleep(api.slowMs);
    const scripted = scriptedFault(method, path);
    if (scripted) {
      if (scripted.hangUp) {
        req.socket.destroy();
        return;
      }
      const headers: Record<string, string> = {};
      if (scripted.retryAfterSeconds !== undefined)
        headers['Retry-After'] = String(scripted.retryAfterSeconds);
      json(res, scripted.status, scripted.body ?? `Injected failure ${scripted.status}.`, headers);
      return;
    }
    if (api?.rateLimitRate && apiRoll() < api.rateLimitRate) {
      json(res, 429, 'Too many requests. Slow your roll.', {
        'Retry-After': String(api.retryAfterSeconds ?? 1),
      });
      return;
    }
    if (api?.errorRate && apiRoll() < api.errorRate) {
      json(res, 503, 'The service is temporarily unavailable.');
      return;
    }
    const seg = path.split('/').filter(Boolean).map(decodeURIComponent);
    // A pattern segment ':' matches any one path segment.
    const is = (m: string, pattern: string): boolean => {
      const parts = pattern.split('/');
      return m === method && parts.length === seg.length && parts.every((p, i) => p === ':' || p === seg[i]);
    };

    if (method === 'POST' && path === 'authorize/machine-token') {
      const body = (await readJson(req)) as { machine_token?: unknown; client?: unknown };
      const user = typeof body.machine_token === 'string' ? userByToken.get(body.machine_token) : undefined;
      if (!user) {
        if (badTokenStatus === 400)
          throw new HttpError(400, 'Request to /delegation was not properly formatted');
        throw new HttpError(
          badTokenStatus,
          'Authorization failed. Please check that your machine token is valid.',
        );
      }
      const session = `${user.id}:${randomUUID()}:${randomBytes(9).toString('base64url')}`;
      const expiresAt = Math.floor(nowS()) + sessionLifetime;
      sessions.set(session, { userId: user.id, expiresAt, revoked: false });
      json(res, 200, { session, expires_at: expiresAt, user_id: user.id }, utf8);
      return;
    }
    if (method === 'POST' && path === 'track') {
      await readJson(req);
      json(res, 200, {});
      return;
    }
    const user = authUser(req);

    if (seg[0] === 'users') {
      if (seg[1] !== user.id) throw new HttpError(403, 'You may only access your own user.');
      if (is('GET', 'users/:')) {
        json(res, 200, {
          id: user.id,
          email: user.email,
          profile: {
            full_name: `${user.firstname} ${user.lastname}`,
            firstname: user.firstname,
            lastname: user.lastname,
          },
          feature_flags: [],
          created_at: 1500000000,
        });
        return;
      }
      if (is('GET', 'users/:/memberships/sites')) {
        const items = seed.sites
          .filter((s) => s.members.includes(user.id))
          .map((s) => ({
            id: s.id,
            site_id: s.id,
            user_id: user.id,
            role: s.ownerId === user.id ? 'owner' : 'team_member',
            archived: false,
            invited_by_id: s.ownerId,
            key: `${s.id}:${user.id}`,
            site: membershipSite(s),
          }));
        json(res, 200, paged(items, q));
        return;
      }
      if (is('GET', 'users/:/memberships/organizations')) {
        const items = seed.orgs
          .filter((o) => o.members[user.id] !== undefined)
          .map((o) => ({
            id: o.id,
            organization_id: o.id,
            user_id: user.id,
            role: o.members[user.id],
            admin: o.members[user.id] === 'admin',
            archived: false,
            organization: { id: o.id, profile: { machine_name: o.machineName, name: o.name } },
          }));
        json(res, 200, paged(items, q));
        return;
      }
    }
    if (is('GET', 'organizations/:/memberships/sites')) {
      const org = orgsById.get(seg[1]!);
      const role = org?.members[user.id];
      if (!org || role === undefined) throw new HttpError(404, 'Organization not found.');
      if (role === 'unprivileged')
        throw new HttpError(403, 'You do not have permission to list sites of this organization.');
      const items = seed.sites
        .filter((s) => s.orgs.some((o) => o.orgId === org.id))
        .map((s) => ({
          id: s.id,
          site_id: s.id,
          organization_id: org.id,
          role: 'team_member',
          site: membershipSite(s),
          tags: s.orgs.find((o) => o.orgId === org.id)!.tags,
        }));
      json(res, 200, paged(items, q));
      return;
    }
    if (is('GET', 'site-names/:')) {
      const site = sitesByName.get(seg[1]!);
      if (!site) throw new HttpError(404, `A site named ${seg[1]} was not found.`);
      json(res, 200, { id: site.id, name: site.name }, utf8);
      return;
    }
    if (seg[0] !== 'sites' || !seg[1]) throw new HttpError(404, 'Not found.');
    const site = visibleSite(user, seg[1]);
    if (is('GET', 'sites/:')) {
      json(res, 200, strict ? strictSiteDetail(site) : siteObject(site));
      return;
    }
    if (is('GET', 'sites/:/environments')) {
      json(res, 200, Object.fromEntries(envsOf(site).map((e) => [e, envObject(site, e)])));
      return;
    }
    if (is('GET', 'sites/:/environments/:')) {
      json(res, 200, envObject(site, envOf(site, seg[3]!)));
      return;
    }
    // Strict mode answers 404 here: an optional detail endpoint the client must get by without.
    if (is('GET', 'sites/:/environments/:/settings') && !strict) {
      const env = envOf(site, seg[3]!);
      json(res, 200, { is_initialized: isInitialized(site, env), php_version: 8.2 });
      return;
    }
    if (is('GET', 'sites/:/environments/:/on-server-development/diffstat')) {
      const env = envOf(site, seg[3]!);
      json(res, 200, sftpMode(site, env) ? (diffstats.get(`${site.id}/${env}`) ?? {}) : {});
      return;
    }
    if (is('GET', 'sites/:/environments/:/backups/catalog')) {
      json(res, 200, catalogBody(await catalogFor(site, envOf(site, seg[3]!))));
      return;
    }
    if (
      method === 'POST' &&
      seg[4] === 'backups' &&
      seg[5] === 'catalog' &&
      seg.length === 9 &&
      seg[8] === 's3token'
    ) {
      const env = envOf(site, seg[3]!);
      const body = (await readJson(req)) as { method?: unknown };
      if (body.method !== 'get') throw new HttpError(400, 'method must be "get".');
      const [folder, type] = [seg[6]!, seg[7]!];
      const entry = (await catalogFor(site, env))[`${folder}_${type}`];
      if (!entry?.filename) throw new HttpError(404, `Backup ${folder} has no ${type} archive.`);
      if (!entry.size) throw new HttpError(404, `Backup ${folder} ${type} is not finished yet.`);
      const objectPath = `/store/gcs-pantheon-backups/${site.id}/${env}/${folder}/${entry.filename}`;
      const expires = Math.floor(nowS()) + urlLifetime;
      const signature = sign(objectPath, expires);
      issuedUrls.set(signature, { issuedAt: Date.now() });
      const origin = `http://${req.headers.host}`;
      const url = `${origin}${objectPath}?Expires=${expires}&GoogleAccessId=url-signer%40pantheon-backups.iam.gserviceaccount.com&Signature=${encodeURIComponent(signature)}`;
      json(res, 200, { url });
      return;
    }
    if (is('POST', 'sites/:/environments/:/workflows')) {
      const env = envOf(site, seg[3]!);
      json(res, 202, await startWorkflow(site, env, user, await readJson(req)), utf8);
      return;
    }
    if (is('POST', 'sites/:/workflows')) {
      json(res, 202, await startWorkflow(site, null, user, await readJson(req)), utf8);
      return;
    }
    if (is('GET', 'sites/:/workflows')) {
      json(
        res,
        200,
        [...workflows.values()].map((w) => w.data).filter((w) => w.site_id === site.id),
        utf8,
      );
      return;
    }
    if (is('GET', 'sites/:/workflows/:')) {
      const wf = workflows.get(seg[3]!);
      if (!wf || wf.data.site_id !== site.id) {
        text(res, 404, 'Not found.\n');
        return;
      }
      json(res, 200, wf.data, utf8);
      return;
    }
    if (is('GET', 'sites/:/environments/:/backups/schedule')) {
      const env = envOf(site, seg[3]!);
      json(res, 200, schedules.get(`${site.id}/${env}`) ?? defaultSchedule(site));
      return;
    }
    if (method === 'DELETE' && seg[4] === 'backups' && seg[5] === 'schedule' && seg.length === 7) {
      const env = envOf(site, seg[3]!);
      const day = seg[6]!;
      if (!/^[0-6]$/.test(day)) throw new HttpError(404, 'Not found.');
      const key = `${site.id}/${env}`;
      const current = { ...(schedules.get(key) ?? defaultSchedule(site)) };
      current[day] = null;
      schedules.set(key, current);
      text(res, 200, 'Backup unscheduled.\n', 'text/html');
      return;
    }
    throw new HttpError(404, 'Not found.');
  }

  async function handleStore(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const deny = (message: string): void =>
      text(
        res,
        403,
        `<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code><Message>${message}</Message></Error>`,
        'application/xml',
      );
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      text(res, 405, 'Method not allowed.\n');
      return;
    }
    const expires = Number(url.searchParams.get('Expires'));
    const signature = url.searchParams.get('Signature') ?? '';
    const expected = sign(url.pathname, expires);
    const a = Buffer.from(signature);
    const b = Buffer.from(expected);
    if (!Number.isFinite(expires) || a.length !== b.length || !timingSafeEqual(a, b))
      return deny('SignatureDoesNotMatch');
    const issued = issuedUrls.get(signature);
    const earlyExpiry = faults.store?.expireUrlsAfterMs;
    if (
      expires < nowS() ||
      (earlyExpiry !== undefined && issued && Date.now() - issued.issuedAt > earlyExpiry)
    ) {
      return deny('Request has expired');
    }
    const [, , , siteId, env, folder, filename] = url.pathname.split('/').map(decodeURIComponent);
    const site = sitesById.get(siteId ?? '');
    if (!site || !env || !folder || !filename) return deny('No such object.');
    const type = (['code', 'database', 'files'] as const).find((t) =>
      filename.endsWith(`_${t}.${t === 'database' ? 'sql.gz' : 'tar.gz'}`),
    );
    if (!type) return deny('No such object.');
    const built = await library.get(site, env, type);
    const store = faults.store;
    const faulty =
      store &&
      (!store.match ||
        (typeof store.match === 'string' ? [store.match] : store.match).some((m) => filename.includes(m)));
    const fullSize = faulty && store.truncate ? Math.floor(built.size * 0.6) : built.size;
    const corruptAt = faulty && store.corrupt ? Math.floor(built.size / 2) : -1;

    let start = 0;
    let end = fullSize - 1;
    let status = 200;
    const range = req.headers.range;
    const m = range ? /^bytes=(\d*)-(\d*)$/.exec(range.trim()) : null;
    if (range && m && (m[1] || m[2])) {
      if (m[1]) {
        start = Number(m[1]);
        end = m[2] ? Math.min(Number(m[2]), fullSize - 1) : fullSize - 1;
      } else {
        start = Math.max(0, fullSize - Number(m[2]));
      }
      if (start >= fullSize || start > end) {
        res.writeHead(416, { 'Content-Range': `bytes */${fullSize}`, 'Content-Type': 'application/xml' });
        res.end();
        return;
      }
      status = 206;
    }
    // A composite object (made by `gsutil compose`, as large uploads are) has a CRC32C but no MD5, and an ETag that
    // is no MD5 either. Store faults apply to the whole store here: `match` picks which archives are faulty.
    const composite = faulty && store.composite === true;
    const headers: Record<string, string | number> = {
      'Content-Type': type === 'database' ? 'application/gzip' : 'application/x-gzip',
      'Content-Length': end - start + 1,
      'Accept-Ranges': 'bytes',
      ETag: composite
        ? `"${built.crc32c}/composite"`
        : `"${Buffer.from(built.md5, 'base64').toString('hex')}"`,
      'Last-Modified': new Date(startedAt * 1000).toUTCString(),
      'x-goog-stored-content-length': fullSize,
    };
    // GCS sends the whole object's hashes, also on a 206 (never the range's), in one header, comma-separated; a
    // faulty copy (corrupt, truncated) keeps the real hashes, as a transfer damaged on the way would.
    if (!(faulty && store.withoutHash))
      headers['x-goog-hash'] = composite
        ? `crc32c=${built.crc32c}`
        : `crc32c=${built.crc32c},md5=${built.md5}`;
    if (status === 206) headers['Content-Range'] = `bytes ${start}-${end}/${fullSize}`;
    res.writeHead(status, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    let dropAfter = Infinity;
    if (
      faulty &&
      store.dropAfterBytes !== undefined &&
      (store.dropTimes === undefined || store.dropTimes > 0)
    ) {
      const d = store.dropAfterBytes;
      dropAfter = typeof d === 'number' ? d : Math.floor(d[0] + storeRoll() * (d[1] - d[0]));
      if (store.dropTimes !== undefined) store.dropTimes--;
    }
    const bps = faulty ? store.throttleBytesPerSecond : undefined;
    let sent = 0;
    let offset = start;
    const stream = createReadStream(built.path, {
      start,
      end,
      highWaterMark: bps ? Math.max(1024, Math.floor(bps / 20)) : 1 << 20,
    });
    res.on('close', () => stream.destroy());
    try {
      for await (const raw of stream as AsyncIterable<Buffer>) {
        let chunk = raw;
        if (corruptAt >= offset && corruptAt < offset + chunk.length) {
          chunk = Buffer.from(chunk);
          chunk[corruptAt - offset] = chunk[corruptAt - offset]! ^ 0xff;
        }
        offset += chunk.length;
        if (sent + chunk.length >= dropAfter) {
          const part = chunk.subarray(0, Math.max(0, dropAfter - sent));
          if (part.length > 0) res.write(part);
          bodyBytes.set(res, sent + part.length);
          // Give the bytes already written a moment to leave, then cut the connection mid-body.
          await new Promise((r) => setTimeout(r, 5));
          res.socket?.destroy();
          return;
        }
        // Read the throttle again each chunk, so a test that lifts it speeds up downloads already running.
        const throttle = faults.store?.throttleBytesPerSecond;
        if (bps && throttle) await sleep((chunk.length / throttle) * 1000);
        if (res.destroyed) return;
        sent += chunk.length;
        bodyBytes.set(res, sent);
        if (!res.write(chunk)) await new Promise((r) => res.once('drain', r).once('close', r));
        if (res.destroyed) return;
      }
      // The file gave fewer bytes than Content-Length promised (it changed on disk): ending the response would
      // leave the client waiting on a kept-alive connection for bytes that never come. Cut it, as a store would.
      if (offset !== end + 1) {
        res.destroy();
        return;
      }
      res.end();
    } catch {
      res.destroy();
    }
  }

  const adminToken =
    options.adminToken ?? process.env.LIFEBOAT_SANDBOX_ADMIN_TOKEN ?? randomBytes(24).toString('base64url');
  if (adminToken.length < 16) throw new Error('The sandbox admin token must be at least 16 characters long.');
  const adminDigest = createHmac('sha256', signingKey).update(adminToken).digest();

  /**
   * Whether a request may use the admin API: it carries this run's token in `X-Sandbox-Admin` and, if it has an
   * Origin, it is the sandbox's own. A web page cannot send that header to another origin without a CORS
   * preflight, which this never approves, so the demo sandbox cannot be reconfigured from a browser tab.
   */
  const adminAllowed = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== sandbox.url) return false;
    const given = req.headers['x-sandbox-admin'];
    if (typeof given !== 'string') return false;
    return timingSafeEqual(createHmac('sha256', signingKey).update(given).digest(), adminDigest);
  };

  async function handleAdmin(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (!adminAllowed(req)) {
      text(res, 403, 'Forbidden: the sandbox admin API needs the X-Sandbox-Admin token of this run.\n');
      return;
    }
    if (req.method === 'POST' && path === '/__sandbox/faults') {
      sandbox.setFaults((await readJson(req)) as Faults);
      json(res, 200, { ok: true });
      return;
    }
    if (req.method === 'POST' && path === '/__sandbox/expire-sessions') {
      sandbox.expireSessions();
      json(res, 200, { ok: true });
      return;
    }
    if (req.method === 'GET' && path === '/__sandbox/requests') {
      json(
        res,
        200,
        requests.map(({ authorization: _a, ...r }) => r),
      );
      return;
    }
    if (req.method === 'GET' && path === '/__sandbox/info') {
      json(res, 200, { seed: seed.name, mode, accounts: sandbox.accounts, sites: seed.sites.length });
      return;
    }
    if (req.method === 'GET' && path === '/__sandbox/restores') {
      json(res, 200, restores);
      return;
    }
    if (req.method === 'POST' && path === '/__sandbox/diffstat') {
      const body = (await readJson(req)) as { site?: unknown; env?: unknown; files?: unknown };
      if (
        typeof body.site !== 'string' ||
        typeof body.env !== 'string' ||
        !body.files ||
        typeof body.files !== 'object'
      )
        throw new HttpError(
          400,
          'Send {"site": name, "env": id, "files": {path: {status, additions, deletions}}}.',
        );
      try {
        sandbox.setDiffstat(body.site, body.env, body.files as Record<string, DiffstatEntry>);
      } catch (e) {
        throw new HttpError(400, (e as Error).message);
      }
      json(res, 200, { ok: true });
      return;
    }
    text(res, 404, 'Not found.\n');
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const path = url.pathname;
    // Node would date the response by this machine's clock; the sandbox's clock may be skewed.
    res.setHeader('Date', new Date(nowMs()).toUTCString());
    let logged = false;
    const log = (dropped: boolean): void => {
      if (logged) return;
      logged = true;
      requests.push({
        method: req.method ?? 'GET',
        path,
        status: res.statusCode,
        range: req.headers.range,
        authorization: req.headers.authorization,
        userAgent: req.headers['user-agent'],
        at: Date.now(),
        ...(dropped ? { dropped: true } : {}),
        ...(bodyBytes.has(res) ? { bytesSent: bodyBytes.get(res) } : {}),
      });
    };
    res.on('finish', () => log(false));
    // A response cut mid-body (a store fault) is logged too, marked dropped; one that never started is not.
    res.on('close', () => {
      if (res.headersSent) log(!res.writableFinished);
    });
    const handle = path.startsWith('/api/')
      ? handleApi(req, res, path.slice('/api/'.length), url.searchParams)
      : path.startsWith('/store/')
        ? handleStore(req, res, url)
        : path.startsWith('/__sandbox/')
          ? handleAdmin(req, res, path)
          : Promise.resolve(text(res, 404, 'Not found.\n'));
    handle.catch((e: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (e instanceof HttpError) json(res, e.status, e.body, e.headers);
      else json(res, 500, `Internal sandbox error: ${e instanceof Error ? e.message : String(e)}`);
    });
  });
  // Node's own default (5 s), as a real server keeps a connection: at 1 s, Node's client agent (which gives up a
  // second before the server's hint) reused none, so every API call cost a new connection here and nowhere else.
  // close() still ends them all at once (closeAllConnections).
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const base = `http://${addr.address}:${addr.port}`;

  const sandbox: Sandbox = {
    url: base,
    apiUrl: `${base}/api/`,
    seed,
    mode,
    restores,
    accounts: seed.users.map((u) => ({ email: u.email, machineToken: u.machineTokens[0]!, userId: u.id })),
    requests,
    adminToken,
    setFaults(next) {
      faults = next;
      apiRoll = createRandom(next.api?.seed ?? 1);
      storeRoll = createRandom(next.store?.seed ?? 2);
      armed = new Set();
    },
    setDiffstat(siteName, env, files) {
      const site = sitesByName.get(siteName);
      if (!site) throw new Error(`No site ${siteName} in the ${seed.name} seed.`);
      if (!envsOf(site).includes(env)) throw new Error(`Site ${siteName} has no environment ${env}.`);
      if (env === 'test' || env === 'live')
        throw new Error(`Only dev and multidev environments can be in SFTP mode, not ${env}.`);
      for (const [path, f] of Object.entries(files)) {
        const counts = [f?.additions, f?.deletions];
        if (typeof f?.status !== 'string' || !counts.every((c) => typeof c === 'string' && /^\d+$/.test(c)))
          throw new Error(`Diffstat of ${path} needs a status and additions/deletions as digit strings.`);
      }
      diffstats.set(`${site.id}/${env}`, { ...files });
    },
    expireSessions() {
      for (const s of sessions.values()) s.revoked = true;
    },
    archive(siteName, env, element) {
      const site = sitesByName.get(siteName);
      if (!site) throw new Error(`No site ${siteName} in the ${seed.name} seed.`);
      return library.get(site, env, element);
    },
    serveArchive(siteName, env, element, path) {
      const site = sitesByName.get(siteName);
      if (!site) throw new Error(`No site ${siteName} in the ${seed.name} seed.`);
      library.serve(siteName, env, element, path);
      catalogs.delete(`${site.id}/${env}`);
    },
    deploy(siteName, env) {
      const site = sitesByName.get(siteName) as { -readonly [K in keyof SeedSite]: SeedSite[K] } | undefined;
      if (!site) throw new Error(`No site ${siteName} in the ${seed.name} seed.`);
      if (env === 'test' || site.liveDeploys >= site.testDeploys) site.testDeploys++;
      if (env === 'live') site.liveDeploys++;
      for (const e of ['test', 'live']) catalogs.delete(`${site.id}/${e}`);
      return deployTagOf(site, env)!;
    },
    async idle() {
      await Promise.all([...workflows.values()].map((w) => w.done));
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return sandbox;
}
