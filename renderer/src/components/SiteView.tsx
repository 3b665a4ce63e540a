import { useEffect, useState } from 'react';
import type { BackupSet, Element, Environment, Site } from '@shared/models';
import { formatBytes, keptUntil, localDateTime, relativeTime } from '../lib/format';
import { useStore, type SiteKey } from '../store';
import { SiteAccount } from './AccountChip';
import { describedBy, EmptyState, ErrorState, Loading } from './common';
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

const ELEMENT_NAMES = { code: 'Code', database: 'Database', files: 'Files' } as const;

/** How an environment's tab describes it: its deploy tag or branch, or why it has none. */
function envMeta(e: Environment): string {
  // null: Pantheon did not say (an optional request failed); the environment is shown as usual.
  if (e.initialized === null) return 'state unknown';
  if (!e.initialized) return 'not initialized';
  return e.deployTag ?? e.targetRef?.replace('refs/heads/', '') ?? '';
}

/** The site's page on Pantheon's Dashboard, at one environment's tab when given. */
export const dashboardUrl = (siteId: string, env?: string): string =>
  `https://dashboard.pantheon.io/sites/${encodeURIComponent(siteId)}${env ? `#${encodeURIComponent(env)}` : ''}`;

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
          <SiteAccount site={site} />
          {/* Said once for the whole site; every action a frozen site cannot take points here. */}
          {site.frozen && (
            <p className="hint frozen-reason" id="frozen-reason">
              {site.label} is frozen: Pantheon neither backs up nor restores a frozen site until it is
              unfrozen (on its Dashboard).
            </p>
          )}
        </div>
        <div className="row wrap">
          <a className="button-link" href={dashboardUrl(site.id)} target="_blank" rel="noreferrer">
            Open in Pantheon Dashboard
          </a>
          <button type="button" aria-pressed={isFavourite} onClick={() => void toggleFavourite(site.id)}>
            {isFavourite ? '★ Favourite' : '☆ Add to favourites'}
          </button>
        </div>
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
              {environment.phpVersion && <> · PHP {environment.phpVersion}</>}
              {' · '}
              {environment.locked ? 'locked: visitors need a username and password' : 'not locked'} ·{' '}
              <a href={dashboardUrl(site.id, environment.id)} target="_blank" rel="noreferrer">
                Open {environment.id} in Pantheon Dashboard
              </a>
            </div>
            <div className="row">
              <button
                type="button"
                onClick={() => setOpen({ kind: 'create' })}
                disabled={site.frozen || uninitialized}
                {...describedBy(
                  site.frozen ? 'frozen-reason' : uninitialized ? 'uninitialized-reason' : null,
                )}
              >
                Create backup
              </button>
              <button
                type="button"
                className="primary"
                onClick={() => setOpen({ kind: 'restore' })}
                disabled={uninitialized}
                {...describedBy(uninitialized ? 'uninitialized-reason' : null)}
              >
                Restore locally
              </button>
            </div>
          </div>
          {uninitialized && (
            <EmptyState title={`${environment.id} is not initialized`}>
              <p id="uninitialized-reason">
                Deploy to {environment.id} on Pantheon first; until then it has no code or backups.
              </p>
            </EmptyState>
          )}
          {!uninitialized && (
            <>
              <h2 className="section-title">Backups</h2>
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
                  <button
                    type="button"
                    onClick={() => setOpen({ kind: 'create' })}
                    disabled={site.frozen}
                    {...describedBy(site.frozen ? 'frozen-reason' : null)}
                  >
                    Create backup
                  </button>
                </EmptyState>
              )}
              {backups?.data && backups.data.length > 0 && (
                <table className="backups" aria-label={`Backups of ${environment.id}`}>
                  <thead>
                    <tr>
                      <th scope="col">Made</th>
                      <th scope="col">Archives</th>
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {backups.data.map((set) => {
                      const any = Object.values(set.archives).find(Boolean);
                      const when = localDateTime(any?.date ?? set.scheduledFor);
                      const files = set.archives.files;
                      // Download files is always offered; when it cannot be used, the row says why in words.
                      const noFiles = !files
                        ? 'No files in this backup.'
                        : !files.finished
                          ? 'The files are still being backed up.'
                          : null;
                      const noFilesId = `no-files-${set.folder}`;
                      // A backup still being made can be neither restored here nor on Pantheon: said once, in words.
                      const pendingId = `pending-${set.folder}`;
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
                            <div className="made-by">
                              <span className={`badge badge-${set.initiator}`}>{set.initiator}</span>
                              {any?.expiresAt && <span className="hint"> · {keptUntil(any.expiresAt)}</span>}
                            </div>
                          </td>
                          <td>
                            <ul className="archives">
                              {(['code', 'database', 'files'] as const).map((el) => {
                                const a = set.archives[el];
                                return (
                                  <li key={el}>
                                    <span className="archive-name">{ELEMENT_NAMES[el]}</span>{' '}
                                    {a ? (
                                      a.finished ? (
                                        <button
                                          type="button"
                                          className="link-button"
                                          onClick={() => setOpen({ kind: 'download', set, element: el })}
                                          aria-label={`Download the ${el} archive of ${when}, ${formatBytes(a.size)}`}
                                          title={`Download the ${el} archive`}
                                        >
                                          {formatBytes(a.size)}
                                        </button>
                                      ) : (
                                        <span className="hint">pending</span>
                                      )
                                    ) : (
                                      <span className="hint">—</span>
                                    )}
                                  </li>
                                );
                              })}
                            </ul>
                          </td>
                          <td>
                            <div className="actions">
                              <button
                                type="button"
                                onClick={() => setOpen({ kind: 'restore', folder: set.folder })}
                                disabled={!set.finished}
                                {...describedBy(set.finished ? null : pendingId)}
                              >
                                Restore
                              </button>
                              {!set.finished && (
                                <span className="hint" id={pendingId}>
                                  This backup is still being made.
                                </span>
                              )}
                              <button
                                type="button"
                                onClick={() => setOpen({ kind: 'download', set, element: 'files' })}
                                disabled={noFiles !== null}
                                {...(noFiles ? { 'aria-describedby': noFilesId } : {})}
                              >
                                Download files…
                                <span className="visually-hidden"> of the backup of {when}</span>
                              </button>
                              {noFiles && (
                                <span className="hint" id={noFilesId}>
                                  {noFiles}
                                </span>
                              )}
                              {/* Replaces the environment on Pantheon: set apart, quiet, and behind a typed confirmation. */}
                              <button
                                type="button"
                                className="danger-quiet"
                                onClick={() => setOpen({ kind: 'pantheon-restore', set })}
                                disabled={site.frozen || !set.finished}
                                {...describedBy(
                                  site.frozen ? 'frozen-reason' : set.finished ? null : pendingId,
                                )}
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
