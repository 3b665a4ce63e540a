import { useEffect, useState } from 'react';
import type { BackupSet, Element, Environment, Site } from '@shared/models';
import { formatBytes, localDateTime, relativeTime } from '../lib/format';
import { useStore, type SiteKey } from '../store';
import { EmptyState, ErrorState, Loading } from './common';
import {
  CreateBackupDialog,
  DownloadDialog,
  madeAt,
  RestoreDialog,
  RestoreOnPantheonDialog,
} from './dialogs';
import { ScheduleCard } from './ScheduleCard';

type Open =
  | { kind: 'create' }
  | { kind: 'restore'; folder?: string }
  | { kind: 'download'; set: BackupSet; element: Element }
  | { kind: 'pantheon-restore'; set: BackupSet }
  | null;

/** How an environment's tab describes it: its deploy tag or branch, or why it has none. */
function envMeta(e: Environment): string {
  // null: Pantheon did not say (an optional request failed); the environment is shown as usual.
  if (e.initialized === null) return 'state unknown';
  if (!e.initialized) return 'not initialized';
  return e.deployTag ?? e.targetRef?.replace('refs/heads/', '') ?? '';
}

/** One site: its environments, the chosen environment's backups, and what can be done with them. */
export function SiteView({ site, siteKey }: { site: Site; siteKey: SiteKey }) {
  const envs = useStore((s) => s.environments[siteKey]);
  const env = useStore((s) => s.selectedEnv[siteKey]);
  const backups = useStore((s) => (env ? s.backups[`${siteKey}/${env}`] : undefined));
  const isFavourite = useStore((s) => s.settings.data?.favourites.includes(site.id) ?? false);
  const loadEnvironments = useStore((s) => s.loadEnvironments);
  const selectEnv = useStore((s) => s.selectEnv);
  const loadBackups = useStore((s) => s.loadBackups);
  const toggleFavourite = useStore((s) => s.toggleFavourite);
  const [open, setOpen] = useState<Open>(null);

  useEffect(() => {
    void loadEnvironments(siteKey);
  }, [siteKey, loadEnvironments]);
  useEffect(() => {
    if (env) void loadBackups(siteKey, env);
  }, [siteKey, env, loadBackups]);

  const environment = envs?.data?.find((e) => e.id === env);
  // Only an environment known to be uninitialized has nothing to back up or restore; "unknown" is treated as usable.
  const uninitialized = environment?.initialized === false;
  return (
    <main className="site-view" aria-labelledby="site-title">
      <header className="site-header">
        <div>
          <h1 id="site-title">
            {site.label}
            {site.frozen && <span className="badge badge-frozen">Frozen</span>}
          </h1>
          <p className="hint">
            {site.name} · {site.framework} · {site.planName}
            {site.organizations.length > 0 && ` · ${site.organizations.join(', ')}`}
            {site.tags.map((t) => (
              <span key={t} className="tag">
                {t}
              </span>
            ))}
          </p>
        </div>
        <button type="button" aria-pressed={isFavourite} onClick={() => void toggleFavourite(site.id)}>
          {isFavourite ? '★ Favourite' : '☆ Add to favourites'}
        </button>
      </header>
      {envs?.error && (
        <ErrorState
          error={envs.error}
          onRetry={() => void loadEnvironments(siteKey)}
          title="Could not read the environments"
        />
      )}
      {!envs?.data && envs?.loading && <Loading what="environments" />}
      {envs?.data && (
        <div
          role="tablist"
          aria-label="Environments"
          className="env-tabs"
          onKeyDown={(ev) => {
            // Arrow keys, Home and End move between environments, as tabs do (WAI-ARIA tabs pattern).
            const ids = envs.data!.map((e) => e.id);
            const i = ids.indexOf(env ?? '');
            const next =
              ev.key === 'ArrowRight'
                ? ids[(i + 1) % ids.length]
                : ev.key === 'ArrowLeft'
                  ? ids[(i - 1 + ids.length) % ids.length]
                  : ev.key === 'Home'
                    ? ids[0]
                    : ev.key === 'End'
                      ? ids[ids.length - 1]
                      : undefined;
            if (!next) return;
            ev.preventDefault();
            selectEnv(siteKey, next);
            document.getElementById(`env-tab-${next}`)?.focus();
          }}
        >
          {envs.data.map((e) => (
            <button
              key={e.id}
              role="tab"
              type="button"
              id={`env-tab-${e.id}`}
              aria-selected={e.id === env}
              aria-controls="env-panel"
              tabIndex={e.id === env ? 0 : -1}
              className={`env-tab${e.id === env ? ' active' : ''}`}
              onClick={() => selectEnv(siteKey, e.id)}
            >
              <span className="env-name">{e.id}</span>
              <span className="env-meta">{envMeta(e)}</span>
            </button>
          ))}
        </div>
      )}
      {environment && (
        <section
          id="env-panel"
          role="tabpanel"
          aria-labelledby={`env-tab-${environment.id}`}
          className="env-panel"
        >
          <div className="row spread env-facts">
            <div className="hint">
              <a href={`https://${environment.domain}`} target="_blank" rel="noreferrer">
                {environment.domain}
              </a>{' '}
              · {environment.connectionMode === 'sftp' ? 'SFTP mode' : 'Git mode'}
              {environment.deployTag && <> · deploy tag {environment.deployTag}</>}
              {environment.locked && ' · locked'}
            </div>
            <div className="row">
              <button
                type="button"
                onClick={() => setOpen({ kind: 'create' })}
                disabled={site.frozen || uninitialized}
              >
                Create backup
              </button>
              <button
                type="button"
                className="primary"
                onClick={() => setOpen({ kind: 'restore' })}
                disabled={uninitialized}
              >
                Restore locally
              </button>
            </div>
          </div>
          {uninitialized && (
            <EmptyState title={`${environment.id} is not initialized`}>
              Deploy to {environment.id} on Pantheon first; until then it has no code or backups.
            </EmptyState>
          )}
          {!uninitialized && (
            <>
              <h2 className="section-title">Backups</h2>
              {site.frozen && (
                <p className="hint" id="frozen-reason">
                  {site.label} is frozen: Pantheon neither backs up nor restores a frozen site until it is
                  unfrozen.
                </p>
              )}
              {backups?.error && (
                <ErrorState
                  error={backups.error}
                  onRetry={() => void loadBackups(siteKey, environment.id)}
                  title="Could not read the backups"
                />
              )}
              {!backups?.data && backups?.loading && <Loading what="backups" />}
              {backups?.data?.length === 0 && (
                <EmptyState title="No backups yet">
                  <p>Create one to have something to restore.</p>
                  <button type="button" onClick={() => setOpen({ kind: 'create' })} disabled={site.frozen}>
                    Create backup
                  </button>
                </EmptyState>
              )}
              {backups?.data && backups.data.length > 0 && (
                <table className="backups" aria-label={`Backups of ${environment.id}`}>
                  <thead>
                    <tr>
                      <th scope="col">Made</th>
                      <th scope="col">By</th>
                      <th scope="col">Code</th>
                      <th scope="col">Database</th>
                      <th scope="col">Files</th>
                      <th scope="col">Expires</th>
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {backups.data.map((set) => {
                      const any = Object.values(set.archives).find(Boolean);
                      return (
                        <tr key={set.folder}>
                          <td>
                            {any?.date ? (
                              <>
                                <div>{localDateTime(any.date)}</div>
                                <div className="hint">{relativeTime(any.date)}</div>
                              </>
                            ) : (
                              <span className="hint">in progress…</span>
                            )}
                          </td>
                          <td>
                            <span className={`badge badge-${set.initiator}`}>{set.initiator}</span>
                          </td>
                          {(['code', 'database', 'files'] as const).map((el) => {
                            const a = set.archives[el];
                            return (
                              <td key={el}>
                                {a ? (
                                  a.finished ? (
                                    <button
                                      type="button"
                                      className="link-button"
                                      onClick={() => setOpen({ kind: 'download', set, element: el })}
                                      aria-label={`Download the ${el} archive of ${localDateTime(any?.date ?? set.scheduledFor)}`}
                                    >
                                      {formatBytes(a.size)}
                                    </button>
                                  ) : (
                                    <span className="hint">pending</span>
                                  )
                                ) : (
                                  <span className="hint">—</span>
                                )}
                              </td>
                            );
                          })}
                          <td className="hint">{any?.expiresAt ? relativeTime(any.expiresAt) : '—'}</td>
                          <td>
                            <div className="actions">
                              <button
                                type="button"
                                onClick={() => setOpen({ kind: 'restore', folder: set.folder })}
                                disabled={!set.finished}
                              >
                                Restore
                              </button>
                              {/* Replaces the environment on Pantheon: set apart, quiet, and behind a typed confirmation. */}
                              <button
                                type="button"
                                className="danger-quiet"
                                onClick={() => setOpen({ kind: 'pantheon-restore', set })}
                                disabled={site.frozen || !set.finished}
                                {...(site.frozen
                                  ? {
                                      'aria-describedby': 'frozen-reason',
                                      title: 'Frozen sites cannot be restored.',
                                    }
                                  : {})}
                              >
                                Restore on Pantheon…
                                <span className="visually-hidden">
                                  {' '}
                                  from the backup of {localDateTime(madeAt(set))}
                                </span>
                              </button>
                            </div>
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              )}
              <ScheduleCard siteKey={siteKey} env={environment.id} frozen={site.frozen} />
            </>
          )}
        </section>
      )}
      {open?.kind === 'create' && env && (
        <CreateBackupDialog site={site} env={env} onClose={() => setOpen(null)} />
      )}
      {open?.kind === 'restore' && env && (
        <RestoreDialog
          site={site}
          siteKey={siteKey}
          env={env}
          {...(open.folder ? { folder: open.folder } : {})}
          onClose={() => setOpen(null)}
        />
      )}
      {open?.kind === 'pantheon-restore' && env && (
        <RestoreOnPantheonDialog
          site={site}
          env={env}
          set={open.set}
          onClose={() => setOpen(null)}
          onBackupFirst={() => setOpen({ kind: 'create' })}
        />
      )}
      {open?.kind === 'download' && env && (
        <DownloadDialog
          site={site}
          siteKey={siteKey}
          env={env}
          set={open.set}
          element={open.element}
          onClose={() => setOpen(null)}
        />
      )}
    </main>
  );
}
