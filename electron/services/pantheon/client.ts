import type { Got } from 'got';
import { closestName } from '@shared/closest';
import type {
  BackupArchive,
  BackupSchedule,
  BackupSet,
  Element,
  Environment,
  Organization,
  Site,
  Workflow,
} from '@shared/models';
import { LifeboatError } from '../errors';
import { registerSecret } from '../log/redact';
import { groupBackupSets, parseCatalog, stillBeingWritten } from './catalog';
import { isPantheon } from './config';
import {
  createHttp,
  DEFAULT_RETRY,
  mapHttpError,
  wrongApiAddress,
  type ErrorContext,
  type HttpTimeouts,
  type RetryPolicy,
} from './http';
import {
  orderEnvironments,
  phpVersionOf,
  toDiffstat,
  toEnvironment,
  toOrganization,
  toSchedule,
  toSite,
  toWorkflow,
  type DiffstatEntry,
} from './mappers';
import { fetchAllPages } from './paging';
import {
  isUsableSession,
  localSessionExpiry,
  SessionKeeper,
  type SessionCache,
  type SessionState,
} from './session';

export type { CachedSession, SessionCache } from './session';
export type { DiffstatEntry } from './mappers';

/** How to build a client. */
export interface PantheonClientOptions {
  readonly apiUrl: string;
  /** Supplies the machine token when a login is needed; kept as a function so the token stays in the keychain until then. */
  readonly machineToken: () => Promise<string>;
  readonly userAgent: string;
  readonly retry?: RetryPolicy;
  /** Connect and answer timeouts; Pantheon's defaults (15 s, 60 s) unless a test needs shorter ones. */
  readonly timeouts?: HttpTimeouts;
  /** Lowest workflow polling interval; Pantheon refuses faster than once a second, a sandbox may allow less. */
  readonly minPollMs?: number;
  /**
   * Where the session is kept between processes (the keychain), so each command of a script does not log in
   * again. Without one, every client logs in on its first request.
   */
  readonly sessionCache?: SessionCache;
}

/** The logged-in user. */
export interface PantheonUser {
  readonly id: string;
  readonly email: string;
  readonly fullName: string;
}

/** The site list of one account. */
export interface AccountSites {
  readonly sites: Site[];
  readonly organizations: Organization[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The weekday names Terminus's `--day` understands (any PHP strtotime day), by number: 0 = Sunday. */
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** A weekday as a number 0–6 from a number or a day name (`Friday`, `fri`), or `invalid-request`. */
export function weekdayNumber(day: number | string): number {
  if (typeof day === 'number') {
    if (Number.isInteger(day) && day >= 0 && day <= 6) return day;
  } else {
    const name = day.trim().toLowerCase();
    if (/^[0-6]$/.test(name)) return Number(name);
    const i = name.length >= 2 ? WEEKDAYS.findIndex((d) => d.startsWith(name)) : -1;
    if (i >= 0) return i;
  }
  throw new LifeboatError(
    'invalid-request',
    `'${String(day)}' is not a day of the week. Use a name such as Sunday or Fri, or a number from 0 (Sunday) to 6 (Saturday).`,
  );
}

/** The storage bucket of a restore's archive key: Terminus's rule, `onebox-` for Pantheon's test hosts. */
export const backupBucket = (apiUrl: string): string =>
  new URL(apiUrl).hostname.includes('onebox') ? 'onebox-pantheon-backups' : 'pantheon-backups';

/** The one refusal for a frozen site: Pantheon makes no backups of it (the same words wherever it is checked). */
export function assertNotFrozen(site: Site): void {
  if (site.frozen) {
    throw new LifeboatError(
      'frozen',
      `Site '${site.name}' is frozen: its test and live environments and backups are unavailable until it is unfrozen in the Pantheon dashboard.`,
    );
  }
}

/** The Pantheon API client for one account: the endpoints Terminus uses, with Lifeboat's retry and error rules. */
export class PantheonClient {
  readonly apiUrl: string;
  private readonly http: Got;
  private readonly sessions: SessionKeeper;
  private readonly minPollMs: number;
  /** Polling interval for workflows: Terminus's 5 s on Pantheon, quicker on a local sandbox. */
  readonly defaultPollMs: number;
  /** Each site's `php_version` as its site object had it, for environments that do not say theirs. */
  private readonly sitePhp = new Map<string, string | null>();

  constructor(options: PantheonClientOptions) {
    this.apiUrl = options.apiUrl;
    this.minPollMs = options.minPollMs ?? (isPantheon(options.apiUrl) ? 1000 : 50);
    this.defaultPollMs = isPantheon(options.apiUrl) ? 5000 : 500;
    this.sessions = new SessionKeeper({
      apiUrl: options.apiUrl,
      login: () => this.login(options.machineToken),
      ...(options.sessionCache ? { cache: options.sessionCache } : {}),
    });
    this.http = createHttp(
      options.apiUrl,
      options.userAgent,
      options.retry ?? DEFAULT_RETRY,
      {
        beforeRequest: [
          async (req) => {
            const url = String(req.url ?? '');
            // Terminus sends the session everywhere except the login path, whose last segment is `machine-token`.
            if (new URL(url).pathname.endsWith('/machine-token')) return;
            const s = await this.sessions.current();
            req.headers.authorization = `Bearer ${s.session}`;
          },
        ],
        afterResponse: [
          async (response, retryWithMergedOptions) => {
            const ctx = response.request.options.context as { reauthed?: boolean };
            const auth = response.request.options.headers.authorization;
            // A 401 mid-run means the session died early: log in once more and replay, but only once.
            if (response.statusCode === 401 && typeof auth === 'string' && !ctx.reauthed) {
              ctx.reauthed = true;
              this.sessions.invalidate(auth.slice('Bearer '.length));
              const s = await this.sessions.renew();
              return retryWithMergedOptions({
                headers: { authorization: `Bearer ${s.session}` },
                context: ctx,
              });
            }
            return response;
          },
        ],
      },
      options.timeouts,
    );
  }

  /** Logs in with the machine token; the expiry is turned to the local clock with the server's `Date`. */
  private async login(machineToken: () => Promise<string>): Promise<SessionState> {
    const token = await machineToken();
    registerSecret(token);
    const url = new URL('authorize/machine-token', this.apiUrl.replace(/\/?$/, '/')).toString();
    let body: string;
    let serverDate: string | undefined;
    const sentAt = Date.now() / 1000;
    try {
      // No Authorization header on this path (see the beforeRequest hook); the body is exactly what Terminus sends.
      const res = await this.http.post('authorize/machine-token', {
        json: { machine_token: token, client: 'terminus' },
      });
      body = res.body;
      serverDate = res.headers.date;
    } catch (e) {
      throw mapHttpError(e, { what: 'logging in' });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      // Pantheon answers JSON; a web page here means the address is some other server.
      throw wrongApiAddress(url, 'logging in answered something that is not JSON');
    }
    const { session, expires_at, user_id } = (parsed ?? {}) as Record<string, unknown>;
    // Terminus stores whatever comes back and fails later with "No user ID"; check it here instead.
    if (typeof session !== 'string' || !session || typeof user_id !== 'string' || !user_id) {
      throw new LifeboatError(
        'invalid-token',
        'Pantheon did not return a session for this machine token. Check the token and try again.',
      );
    }
    registerSecret(session);
    // Sent back in every Authorization header: one that a header cannot carry would fail each request as if the
    // network were down. It is Pantheon's answer that is wrong, so it is said so, once, here.
    if (!isUsableSession(session))
      throw new LifeboatError(
        'server',
        'Pantheon sent a session Lifeboat cannot use (it holds characters an HTTP header cannot carry). Try again later.',
      );
    return {
      session,
      userId: user_id,
      expiresAt: localSessionExpiry(expires_at, serverDate, sentAt),
      issuedAt: sentAt,
    };
  }

  private async call(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    ctx: ErrorContext,
    json?: unknown,
    signal?: AbortSignal,
    options: { retryLimit?: number } = {},
  ): Promise<unknown> {
    try {
      const res = await this.http(path, {
        method,
        json,
        signal,
        context: {},
        ...(options.retryLimit !== undefined ? { retry: { limit: options.retryLimit } } : {}),
      });
      const body = res.body.trim();
      if (body === '') return null;
      try {
        return JSON.parse(body);
      } catch {
        // Some endpoints answer plain text ("Backup unscheduled.\n").
        return body;
      }
    } catch (e) {
      throw mapHttpError(e, ctx);
    }
  }

  /**
   * Runs requests on the user's own paths (`users/{id}/…`) with the session's user id. A cached session whose user
   * id is not its own (another account's session under this one's id) is refused there with 403 on every run,
   * never 401: such a session is forgotten, here and in the cache, and a fresh login is tried, once.
   */
  private async asUser<T>(run: (userId: string) => Promise<T>): Promise<T> {
    const s = await this.sessions.current();
    try {
      return await run(s.userId);
    } catch (e) {
      if (!(e instanceof LifeboatError && e.code === 'forbidden') || !this.sessions.isFromCache(s.session))
        throw e;
      this.sessions.invalidate(s.session);
      const fresh = await this.sessions.renew();
      return run(fresh.userId);
    }
  }

  /** Logs in (if needed) and returns the user behind the machine token. */
  async whoAmI(): Promise<PantheonUser> {
    return this.asUser(async (userId) => {
      const raw = (await this.call('GET', `users/${encodeURIComponent(userId)}`, {
        what: 'reading your user profile',
      })) as Record<string, unknown>;
      const profile = (raw?.profile ?? {}) as Record<string, unknown>;
      const email = typeof raw?.email === 'string' ? raw.email : '';
      const fullName =
        typeof profile.full_name === 'string' && profile.full_name
          ? profile.full_name
          : [profile.firstname, profile.lastname].filter((x) => typeof x === 'string' && x).join(' ');
      return { id: userId, email, fullName: fullName || email };
    });
  }

  private paged<T extends { id: string }>(
    path: string,
    what: string,
    map: (raw: unknown) => T,
  ): Promise<T[]> {
    return fetchAllPages(async (limit, start) => {
      const q = new URLSearchParams({ limit: String(limit) });
      if (start) q.set('start', start);
      const raw = await this.call('GET', `${path}?${q}`, { what });
      if (!Array.isArray(raw))
        throw new LifeboatError('server', `Pantheon sent an unexpected answer while ${what}.`);
      return raw.map(map).filter((x) => x.id !== '');
    });
  }

  /**
   * Every site the user can see: direct memberships plus the sites of each organization where the user is
   * not `unprivileged`, merged by site id with organization names and tags combined.
   */
  async listSites(): Promise<AccountSites> {
    type Member = { id: string; site: unknown; tags: string[] };
    const member = (raw: unknown): Member => {
      const m = (raw ?? {}) as Record<string, unknown>;
      const site = (m.site ?? {}) as Record<string, unknown>;
      const id = String(site.id ?? m.site_id ?? m.id ?? '');
      const tags = Array.isArray(m.tags) ? m.tags.filter((t): t is string => typeof t === 'string') : [];
      return { id, site, tags };
    };
    const { userId, direct, orgMemberships } = await this.asUser(async (userId) => {
      const uid = encodeURIComponent(userId);
      const [direct, orgMemberships] = await Promise.all([
        this.paged(`users/${uid}/memberships/sites`, 'listing your sites', member),
        this.paged(`users/${uid}/memberships/organizations`, 'listing your organizations', (raw) => ({
          ...toOrganization(raw),
        })),
      ]);
      return { userId, direct, orgMemberships };
    });
    const organizations = orgMemberships.filter((o) => o.role !== 'unprivileged');
    const merged = new Map<string, { raw: unknown; orgs: Set<string>; tags: Set<string> }>();
    const add = (m: Member, org?: Organization): void => {
      const entry = merged.get(m.id) ?? { raw: m.site, orgs: new Set<string>(), tags: new Set<string>() };
      if (org) entry.orgs.add(org.label);
      m.tags.forEach((t) => entry.tags.add(t));
      merged.set(m.id, entry);
    };
    direct.forEach((m) => add(m));
    // A few organizations at a time: freelancers may belong to many.
    for (let i = 0; i < organizations.length; i += 4) {
      const batch = organizations.slice(i, i + 4);
      const lists = await Promise.all(
        batch.map((org) =>
          this.paged(
            `organizations/${encodeURIComponent(org.id)}/memberships/sites`,
            `listing the sites of ${org.label}`,
            member,
          ),
        ),
      );
      lists.forEach((list, k) => list.forEach((m) => add(m, batch[k])));
    }
    const sites = [...merged.values()].map((e) => {
      const site = toSite(e.raw, userId, [...e.orgs].sort(), [...e.tags].sort());
      this.rememberPhp(site.id, e.raw);
      return site;
    });
    sites.sort((a, b) => a.name.localeCompare(b.name));
    return { sites, organizations };
  }

  /** A site by name or UUID; unknown or inaccessible sites are `not-found` with the name in the message. */
  async getSite(nameOrId: string): Promise<Site> {
    const ctx = { what: 'looking up the site', site: nameOrId };
    let id = nameOrId;
    if (!UUID.test(nameOrId)) {
      const found = (await this.call('GET', `site-names/${encodeURIComponent(nameOrId)}`, ctx)) as Record<
        string,
        unknown
      > | null;
      if (!found || typeof found.id !== 'string')
        throw new LifeboatError('not-found', `Site '${nameOrId}' was not found or you have no access to it.`);
      id = found.id;
    }
    let raw: unknown;
    try {
      raw = await this.call('GET', `sites/${encodeURIComponent(id)}?site_state=true`, ctx);
    } catch (e) {
      // Terminus treats any failure of the UUID lookup as "not found".
      if (e instanceof LifeboatError && (e.code === 'forbidden' || e.code === 'not-found')) {
        throw new LifeboatError(
          'not-found',
          `Site '${nameOrId}' was not found or you have no access to it.`,
          e.detail,
        );
      }
      throw e;
    }
    const { userId } = await this.sessions.current();
    const site = toSite(raw, userId);
    this.rememberPhp(site.id, raw);
    return site;
  }

  private rememberPhp(siteId: string, raw: unknown): void {
    const php = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).php_version : undefined;
    if (siteId) this.sitePhp.set(siteId, phpVersionOf(php));
  }

  /**
   * The site's PHP version, which an environment without its own has (Terminus's fallback): from the site object
   * this client read, else from `GET sites/{id}` as an optional detail (null when it cannot be read).
   */
  private async sitePhpVersion(site: Site): Promise<string | null> {
    const known = this.sitePhp.get(site.id);
    if (known !== undefined) return known;
    try {
      const raw = await this.call(
        'GET',
        `sites/${encodeURIComponent(site.id)}`,
        { what: 'reading the site', site: site.name },
        undefined,
        undefined,
        { retryLimit: 1 },
      );
      this.rememberPhp(site.id, raw);
      return this.sitePhp.get(site.id) ?? null;
    } catch (e) {
      if (e instanceof LifeboatError && e.code === 'cancelled') throw e;
      return null;
    }
  }

  /**
   * Environments in dev, test, live, multidev order. As in Terminus, a frozen site shows no test or live:
   * Pantheon makes them unavailable while the site is frozen, and an environment without a PHP version has the
   * site's. Whether test/live are initialized is a detail: when the entry does not say and the settings request
   * that would tell fails in any way, it is unknown (null), never a failed listing.
   */
  async listEnvironments(site: Site): Promise<Environment[]> {
    const ctx = { what: 'listing environments', site: site.name };
    const raw = (await this.call('GET', `sites/${encodeURIComponent(site.id)}/environments`, ctx)) as Record<
      string,
      unknown
    > | null;
    const entries = raw && typeof raw === 'object' && !Array.isArray(raw) ? raw : {};
    const ids = orderEnvironments(Object.keys(entries)).filter(
      (id) => !(site.frozen && (id === 'test' || id === 'live')),
    );
    const ownPhp = (id: string): boolean => {
      const e = (entries[id] ?? {}) as Record<string, unknown>;
      return phpVersionOf(e.php_major_minor_version) !== null || phpVersionOf(e.php_version) !== null;
    };
    const sitePhp = ids.every(ownPhp) ? null : await this.sitePhpVersion(site);
    return Promise.all(
      ids.map(async (id) => {
        const e = (entries[id] ?? {}) as Record<string, unknown>;
        let fromSettings: boolean | null | undefined;
        // A test/live running a ref is initialized whatever the settings say, so only ask when neither tells.
        const unknown =
          typeof e.is_initialized !== 'boolean' && (typeof e.target_ref !== 'string' || e.target_ref === '');
        if ((id === 'test' || id === 'live') && unknown)
          fromSettings = await this.initializedFromSettings(site, id);
        return toEnvironment(site.id, site.name, id, e, fromSettings, sitePhp);
      }),
    );
  }

  /** `is_initialized` from the settings endpoint, or null when it cannot be read (404, 403, 5xx, malformed). */
  private async initializedFromSettings(site: Site, env: string): Promise<boolean | null> {
    try {
      const settings = await this.call(
        'GET',
        `sites/${encodeURIComponent(site.id)}/environments/${encodeURIComponent(env)}/settings`,
        { what: `reading the settings of ${env}`, site: site.name, env },
        undefined,
        undefined,
        // An optional detail: one retry, not the patience a required answer gets.
        { retryLimit: 1 },
      );
      const v =
        settings && typeof settings === 'object'
          ? (settings as Record<string, unknown>).is_initialized
          : null;
      return typeof v === 'boolean' ? v : null;
    } catch (e) {
      if (e instanceof LifeboatError && e.code === 'cancelled') throw e;
      return null;
    }
  }

  /**
   * One environment of a site, or a `not-found` that names the environments the site has (and the closest
   * to what was typed). Test and live of a frozen site are refused as frozen, as Pantheon makes them unavailable.
   */
  async requireEnvironment(site: Site, env: string): Promise<Environment> {
    if (site.frozen && (env === 'test' || env === 'live')) assertNotFrozen(site);
    const envs = await this.listEnvironments(site);
    const found = envs.find((e) => e.id === env);
    if (found) return found;
    const ids = envs.map((e) => e.id);
    const close = closestName(env, ids);
    throw new LifeboatError(
      'not-found',
      `Site '${site.name}' has no environment '${env}'. Its environments: ${ids.join(', ') || 'none'}.${close ? ` Did you mean '${close}'?` : ''}`,
    );
  }

  /** Every archive in an environment's catalog (finished or not), parsed by Terminus's rules. */
  async listArchives(site: Site, env: string): Promise<BackupArchive[]> {
    const raw = await this.call(
      'GET',
      `sites/${encodeURIComponent(site.id)}/environments/${encodeURIComponent(env)}/backups/catalog`,
      { what: `reading the backups of ${env}`, site: site.name, env },
    );
    return parseCatalog(raw);
  }

  /** The catalog as backup sets, newest first. */
  async listBackupSets(site: Site, env: string): Promise<BackupSet[]> {
    return groupBackupSets(await this.listArchives(site, env));
  }

  /** A fresh signed download URL for one archive. Links are short-lived: fetch one right before each download. */
  async archiveUrl(
    site: Site,
    env: string,
    folder: string,
    element: Element,
    signal?: AbortSignal,
  ): Promise<string> {
    const path = `sites/${encodeURIComponent(site.id)}/environments/${encodeURIComponent(env)}/backups/catalog/${encodeURIComponent(folder)}/${element}/s3token`;
    const raw = (await this.call(
      'POST',
      path,
      { what: `getting a download link for the ${element} archive`, site: site.name, env },
      { method: 'get' },
      signal,
    )) as Record<string, unknown> | null;
    if (!raw || typeof raw.url !== 'string' || !/^https?:\/\//.test(raw.url)) {
      throw new LifeboatError(
        'server',
        `Pantheon did not return a download link for the ${element} archive.`,
      );
    }
    return raw.url;
  }

  /** Starts a backup (`do_export`) of some elements, kept `keepForDays` days (Terminus's default is 365). */
  async createBackup(
    site: Site,
    env: string,
    elements: readonly Element[],
    keepForDays = 365,
  ): Promise<Workflow> {
    assertNotFrozen(site);
    if (elements.length === 0)
      throw new LifeboatError(
        'invalid-request',
        'Choose at least one of code, database and files to back up.',
      );
    const has = (e: Element): boolean => elements.includes(e);
    // Key order exactly as Terminus sends it.
    const params = {
      code: has('code'),
      database: has('database'),
      files: has('files'),
      entry_type: 'backup',
      ttl: Math.round(keepForDays * 86400),
    };
    const raw = await this.call(
      'POST',
      `sites/${encodeURIComponent(site.id)}/environments/${encodeURIComponent(env)}/workflows`,
      { what: 'starting a backup', site: site.name, env },
      {
        type: 'do_export',
        params,
      },
    );
    return toWorkflow(raw);
  }

  /** One workflow of a site. */
  async getWorkflow(siteId: string, workflowId: string, signal?: AbortSignal): Promise<Workflow> {
    return toWorkflow(
      await this.call(
        'GET',
        `sites/${encodeURIComponent(siteId)}/workflows/${encodeURIComponent(workflowId)}`,
        { what: 'checking the workflow' },
        undefined,
        signal,
      ),
    );
  }

  /**
   * Polls a workflow until it finishes (result present and non-null). Resolves with the succeeded workflow;
   * a failed one throws `workflow-failed` with Terminus's failure message.
   */
  async waitForWorkflow(
    siteId: string,
    workflow: Workflow,
    options: { intervalMs?: number; signal?: AbortSignal; onUpdate?: (w: Workflow) => void } = {},
  ): Promise<Workflow> {
    const interval = Math.max(options.intervalMs ?? this.defaultPollMs, this.minPollMs);
    let current = workflow;
    while (current.result === null) {
      await sleep(interval, options.signal);
      current = await this.getWorkflow(siteId, workflow.id, options.signal);
      options.onUpdate?.(current);
    }
    if (current.result !== 'succeeded')
      throw new LifeboatError('workflow-failed', current.failureMessage ?? 'Workflow failed.');
    return current;
  }

  /** The automatic backup schedule of an environment. */
  async getSchedule(site: Site, env: string): Promise<BackupSchedule> {
    return toSchedule(
      await this.call(
        'GET',
        `sites/${encodeURIComponent(site.id)}/environments/${encodeURIComponent(env)}/backups/schedule`,
        { what: 'reading the backup schedule', site: site.name, env },
      ),
    );
  }

  /**
   * Turns automatic backups on as Terminus's `backup:automatic:enable --day --keep-for` does: daily backups kept
   * 8 days, and the weekly one (on `weeklyDay`: 0–6 or a day name such as `Friday`; else a random day, as
   * Terminus picks) kept `keepWeeklyForDays` (default 32). The hour is left to Pantheon. Returns the workflow;
   * like Terminus, it is not waited for.
   */
  async enableSchedule(
    site: Site,
    env: string,
    weeklyDay?: number | string,
    keepWeeklyForDays = 32,
  ): Promise<Workflow> {
    const day = weeklyDay === undefined ? Math.floor(Math.random() * 7) : weekdayNumber(weeklyDay);
    if (!Number.isInteger(keepWeeklyForDays) || keepWeeklyForDays < 1)
      throw new LifeboatError(
        'invalid-request',
        `Keep the weekly backup a whole number of days, at least 1 (not ${keepWeeklyForDays}).`,
      );
    const schedule: Record<string, { hour: null; ttl: number }> = {};
    for (let d = 0; d < 7; d++)
      schedule[String(d)] = { hour: null, ttl: d === day ? keepWeeklyForDays * 86400 : 8 * 86400 };
    const raw = await this.call(
      'POST',
      `sites/${encodeURIComponent(site.id)}/environments/${encodeURIComponent(env)}/workflows`,
      { what: 'enabling automatic backups', site: site.name, env },
      {
        type: 'change_backup_schedule',
        params: { backup_schedule: schedule },
      },
    );
    return toWorkflow(raw);
  }

  /** Turns automatic backups off: one DELETE per weekday, as Terminus does. */
  async disableSchedule(site: Site, env: string): Promise<void> {
    for (let d = 0; d < 7; d++) {
      await this.call(
        'DELETE',
        `sites/${encodeURIComponent(site.id)}/environments/${encodeURIComponent(env)}/backups/schedule/${d}`,
        { what: 'disabling automatic backups', site: site.name, env },
      );
    }
  }

  /**
   * Starts restoring an environment on Pantheon from one archive of its own catalog (`restore_code`,
   * `restore_files` or `restore_database`), as Terminus's `backup:restore` does: the storage key is
   * `{site_id}/{env}/{folder}/{filename}`. Refuses a frozen site and an archive still being written. Returns the
   * workflow; wait for it with waitForWorkflow.
   */
  async restoreBackup(
    site: Site,
    env: string,
    archive: BackupArchive,
    signal?: AbortSignal,
  ): Promise<Workflow> {
    assertNotFrozen(site);
    if (!archive.finished) throw stillBeingWritten(archive);
    const raw = await this.call(
      'POST',
      `sites/${encodeURIComponent(site.id)}/environments/${encodeURIComponent(env)}/workflows`,
      { what: `starting a restore of the ${archive.element} archive`, site: site.name, env },
      {
        type: `restore_${archive.element}`,
        params: {
          key: `${site.id}/${env}/${archive.folder}/${archive.filename}`,
          bucket: backupBucket(this.apiUrl),
        },
      },
      signal,
    );
    return toWorkflow(raw);
  }

  /**
   * The uncommitted changes of an SFTP-mode environment (Pantheon's diffstat): one entry per changed file,
   * `[]` when clean. Throws when it cannot be read; `server` when the answer is not a diffstat.
   */
  async getDiffstat(site: Site, env: string, signal?: AbortSignal): Promise<DiffstatEntry[]> {
    const raw = await this.call(
      'GET',
      `sites/${encodeURIComponent(site.id)}/environments/${encodeURIComponent(env)}/on-server-development/diffstat`,
      { what: `reading the uncommitted changes of ${env}`, site: site.name, env },
      undefined,
      signal,
    );
    const entries = toDiffstat(raw ?? {});
    if (!entries)
      throw new LifeboatError(
        'server',
        `Pantheon sent an unexpected answer for the uncommitted changes of ${env}.`,
      );
    return entries;
  }
}

/** Sleeps, ending early with `cancelled` when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new LifeboatError('cancelled', 'Cancelled.'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new LifeboatError('cancelled', 'Cancelled.'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
