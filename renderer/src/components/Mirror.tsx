import { useEffect, useId, useMemo, useState, type KeyboardEvent } from 'react';
import { create } from 'zustand';
import type { MirrorLastReport, MirrorPreview, SchedulerInstall } from '@shared/api/contract';
import {
  ELEMENTS,
  type Element,
  type Job,
  type MirrorProfile,
  type MirrorReport,
  type MirrorSiteReport,
  type SchedulerEntry,
} from '@shared/models';
import { andList } from '@shared/format';
import { filterSites, siteRows } from '@shared/site-search';
import { bridge } from '../bridge';
import { duration, formatBytes, localDateTime } from '../lib/format';
import { useStore } from '../store';
import { Check, describedBy, Dialog, ErrorState, Loading } from './common';
import { usePreview } from './copy-dialogs';
import { FolderField } from './dialogs';

/**
 * The Mirror screen (issue 11 §2): which sites (a search, an organization, a tag, an account, or sites picked by
 * hand), environments, elements, the folder and how much to keep; a preview of what that takes and the
 * `lifeboat mirror` command it amounts to; Run now, with each site's progress and then the report; a schedule
 * while the app runs, and the OS scheduler's entry for when it does not, shown whole before it is installed.
 */

/** The environments offered as boxes; any other (a multidev) is typed. */
const COMMON_ENVS = ['live', 'test', 'dev'] as const;

/** What the form edits, as the person sees it: strings where they type numbers, '' for "not set". */
export interface MirrorFields {
  readonly query: string;
  readonly org: string;
  readonly tag: string;
  readonly account: string;
  readonly all: boolean;
  /** Site names picked by hand. */
  readonly picked: readonly string[];
  readonly envs: readonly string[];
  /** Other environments (multidevs), comma-separated. */
  readonly otherEnvs: string;
  readonly elements: readonly Element[];
  readonly root: string;
  readonly keep: string;
  readonly keepDays: string;
  readonly fresh: boolean;
  readonly freshHours: string;
  readonly concurrency: string;
  readonly every: boolean;
  readonly everyHours: string;
}

/** A number typed in a field; '' is "not set". A text that is not a number goes to the engine, which says so. */
const numberOf = (text: string): number | undefined => (text.trim() === '' ? undefined : Number(text));

/** The profile the form amounts to: what preview, run, save and the scheduler entry are asked with. */
export function profileOf(f: MirrorFields): MirrorProfile {
  const others = f.otherEnvs
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const keep = numberOf(f.keep);
  const keepDays = numberOf(f.keepDays);
  const fresh = f.fresh ? numberOf(f.freshHours) : undefined;
  return {
    selection: {
      queries: f.query.trim() ? [f.query.trim()] : [],
      sites: [...f.picked],
      ...(f.org ? { org: f.org } : {}),
      ...(f.tag ? { tag: f.tag } : {}),
      ...(f.account ? { account: f.account } : {}),
      ...(f.all ? { all: true } : {}),
    },
    root: f.root.trim(),
    envs: [...f.envs, ...others],
    elements: [...f.elements],
    ...(keep !== undefined ? { keep } : {}),
    ...(keepDays !== undefined ? { keepDays } : {}),
    ...(fresh !== undefined ? { freshWithinHours: fresh } : {}),
    concurrency: numberOf(f.concurrency) ?? 4,
    everyHours: f.every ? (numberOf(f.everyHours) ?? 24) : null,
  };
}

/** The form's fields for a saved profile (or the defaults, mirroring into a folder beside the restores). */
export function fieldsOf(p: MirrorProfile | null, defaultDir: string): MirrorFields {
  const sep = defaultDir.includes('\\') && !defaultDir.includes('/') ? '\\' : '/';
  return {
    query: p?.selection.queries[0] ?? '',
    org: p?.selection.org ?? '',
    tag: p?.selection.tag ?? '',
    account: p?.selection.account ?? '',
    all: p?.selection.all ?? false,
    picked: p?.selection.sites ?? [],
    envs: p ? p.envs.filter((e) => (COMMON_ENVS as readonly string[]).includes(e)) : ['live'],
    otherEnvs: p ? p.envs.filter((e) => !(COMMON_ENVS as readonly string[]).includes(e)).join(', ') : '',
    elements: p?.elements ?? [...ELEMENTS],
    root: p?.root ?? `${defaultDir.replace(/[\\/]+$/, '')}${sep}Mirror`,
    keep: p?.keep !== undefined ? String(p.keep) : '',
    keepDays: p?.keepDays !== undefined ? String(p.keepDays) : '',
    fresh: p?.freshWithinHours !== undefined,
    freshHours: String(p?.freshWithinHours ?? 24),
    concurrency: String(p?.concurrency ?? 4),
    every: p ? p.everyHours !== null : false,
    everyHours: String(p?.everyHours ?? 24),
  };
}

/**
 * The form as the person left it, kept outside the screen: leaving Mirror and coming back finds it as it was.
 * Null until it is first filled from the saved profile. `touched` once the person has changed anything: before
 * that, what the form still lacks is said as a hint, not as an error in red.
 */
export const useMirrorDraft = create<{ readonly fields: MirrorFields | null; readonly touched?: boolean }>(
  () => ({ fields: null, touched: false }),
);

/** The Mirror screen: the saved profile loaded first, then the form. */
export function MirrorView() {
  const saved = useStore((s) => s.mirrorProfile);
  const load = useStore((s) => s.loadMirrorProfile);
  const loadLastReport = useStore((s) => s.loadMirrorLastReport);
  const settings = useStore((s) => s.settings.data);
  const fields = useMirrorDraft((s) => s.fields);
  const [asked, setAsked] = useState(false);
  useEffect(() => {
    void load().then(() => setAsked(true));
  }, [load]);
  useEffect(() => {
    // `lifeboat mirror` (by hand, or the OS scheduler's) sends the app no event: its report is read when the
    // screen opens and whenever the window comes back to the front.
    void loadLastReport();
    const again = (): void => void loadLastReport();
    window.addEventListener('focus', again);
    return () => window.removeEventListener('focus', again);
  }, [loadLastReport]);
  useEffect(() => {
    // The form starts from the saved profile once it is known, else from the defaults (beside the restores).
    if (fields || !asked || !settings) return;
    useMirrorDraft.setState({ fields: fieldsOf(saved.data, settings.defaultRestoreDir), touched: false });
  }, [fields, asked, saved.data, settings]);
  return (
    <main className="page mirror-page" aria-labelledby="mirror-title">
      <h1 id="mirror-title">Mirror</h1>
      <p className="hint">
        A verified copy of many sites’ backups in one folder, kept up to date: each site’s newest backup,
        checked as it is downloaded, readable by people and other tools, restorable without Pantheon.
      </p>
      {saved.error && (
        <ErrorState
          title="The saved mirror could not be read"
          error={saved.error}
          onRetry={() => void load()}
        />
      )}
      {/* The last run first: whether the mirror is healthy is what a person opening this screen asks. */}
      <LastRun />
      {fields ? <MirrorForm fields={fields} /> : !saved.error && <Loading what="the mirror" />}
    </main>
  );
}

function MirrorForm({ fields: f }: { fields: MirrorFields }) {
  const sites = useStore((s) => s.sites.data);
  const accounts = useStore((s) => s.accounts.data);
  const saved = useStore((s) => s.mirrorProfile.data);
  const setSaved = useStore((s) => s.setMirrorProfile);
  const upsertJob = useStore((s) => s.upsertJob);
  const toast = useStore((s) => s.toast);
  const running = useStore((s) =>
    Object.values(s.jobs).some((j) => j.kind === 'mirror' && (j.state === 'running' || j.state === 'queued')),
  );
  const [picking, setPicking] = useState(false);
  const [scheduling, setScheduling] = useState(false);
  const [busy, setBusy] = useState<'run' | 'save' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const touched = useMirrorDraft((s) => s.touched ?? false);
  const set =
    <K extends keyof MirrorFields>(key: K) =>
    (value: MirrorFields[K]): void => {
      useMirrorDraft.setState((s) => ({ fields: { ...(s.fields ?? f), [key]: value }, touched: true }));
      setError(null);
    };
  const profile = profileOf(f);
  const key = JSON.stringify(profile);
  const preview = usePreview(key, () => bridge().mirror.preview(profile));
  const dirty = saved === null || JSON.stringify(profileOf(fieldsOf(saved, ''))) !== key;
  // What stops a run (and the OS entry), from the newest answer: kept while the next is asked, so the buttons
  // and their reasons do not blink at every key typed. Undefined until the first answer.
  const answered = preview.error !== null || preview.value !== null;
  const [lastAnswer, setLastAnswer] = useState<{ error: string | null; value: MirrorPreview | null }>();
  // Kept as it arrives (React's "adjusting state while rendering": no effect, no extra paint).
  if (answered && (lastAnswer?.error !== preview.error || lastAnswer?.value !== preview.value))
    setLastAnswer({ error: preview.error, value: preview.value });
  const answer = answered ? { error: preview.error, value: preview.value } : lastAnswer;
  const blocked = answer === undefined ? 'Checking what it takes…' : blockerOf(answer.error, answer.value);
  const runBlocked = running ? 'A mirror is running; it can run again once it has finished.' : blocked;
  const scheduleBlocked =
    blocked ??
    (answer?.value && answer.value.demoSites > 0
      ? 'The demo’s sites are made up afresh each time, so your system’s scheduler does not mirror them: Run now does.'
      : null);
  const osHours = f.every ? (numberOf(f.everyHours) ?? 24) : 24;

  const organizations = useMemo(
    () => [...new Set((sites?.organizations ?? []).map((o) => o.label))].sort((a, b) => a.localeCompare(b)),
    [sites],
  );
  const tags = useMemo(
    () => [...new Set((sites?.sites ?? []).flatMap((s) => s.tags))].sort((a, b) => a.localeCompare(b)),
    [sites],
  );
  const emails = useMemo(() => [...new Set((accounts ?? []).map((a) => a.email))], [accounts]);

  const runNow = async (): Promise<void> => {
    setBusy('run');
    setError(null);
    const r = await bridge().mirror.run(profile);
    setBusy(null);
    if (!r.ok) return setError(r.error.message);
    upsertJob(r.value);
    // The run's progress is above the form: the focus (and the view) goes there.
    setTimeout(() => {
      const heading = document.getElementById('mirror-run-title');
      heading?.focus();
      heading?.scrollIntoView?.({ block: 'start' });
    }, 0);
  };
  const save = async (): Promise<void> => {
    setBusy('save');
    setError(null);
    const r = await bridge().mirror.saveProfile(profile);
    setBusy(null);
    if (!r.ok) return setError(r.error.message);
    setSaved(r.value);
    toast(
      'success',
      r.value.everyHours
        ? `Saved. Lifeboat mirrors every ${r.value.everyHours} hours while it is open.`
        : 'Saved.',
    );
  };
  const toggle = <T,>(list: readonly T[], item: T, on: boolean): T[] =>
    on ? [...list.filter((x) => x !== item), item] : list.filter((x) => x !== item);

  return (
    <form className="stack" onSubmit={(e) => e.preventDefault()} aria-label="What to mirror">
      <fieldset className="stack card">
        <legend>Sites</legend>
        <div className="grid-2">
          <div className="field">
            <label htmlFor="mirror-query">Sites matching</label>
            <input
              id="mirror-query"
              type="search"
              value={f.query}
              placeholder="name, label, organization or tag"
              spellCheck={false}
              onChange={(e) => set('query')(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="mirror-org">Organization</label>
            <select id="mirror-org" value={f.org} onChange={(e) => set('org')(e.target.value)}>
              <option value="">Any organization</option>
              {organizations.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="mirror-tag">Tag</label>
            <select id="mirror-tag" value={f.tag} onChange={(e) => set('tag')(e.target.value)}>
              <option value="">Any tag</option>
              {tags.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="mirror-account">Account</label>
            <select id="mirror-account" value={f.account} onChange={(e) => set('account')(e.target.value)}>
              <option value="">Any account</option>
              {emails.map((e) => (
                <option key={e} value={e}>
                  {e}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div className="row wrap">
          <button type="button" onClick={() => setPicking(true)}>
            Pick sites by hand…
          </button>
          {f.picked.length > 0 && (
            <span className="hint">
              {f.picked.length} picked (mirrored as well as those matching the search)
            </span>
          )}
        </div>
        {f.picked.length > 0 && (
          <ul className="picked" aria-label="Sites picked by hand">
            {f.picked.map((name) => (
              <li key={name}>
                {name}
                <button
                  type="button"
                  className="icon-button"
                  aria-label={`Remove ${name}`}
                  onClick={() => set('picked')(f.picked.filter((p) => p !== name))}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}
        <Check checked={f.all} onChange={set('all')}>
          Every site of every account (when nothing above narrows the choice)
        </Check>
      </fieldset>

      <div className="grid-2">
        <fieldset>
          <legend>Environments</legend>
          {COMMON_ENVS.map((env) => (
            <Check
              key={env}
              checked={f.envs.includes(env)}
              onChange={(on) => set('envs')(toggle(f.envs, env, on))}
            >
              {env[0]!.toUpperCase() + env.slice(1)}
            </Check>
          ))}
          <div className="field">
            <label htmlFor="mirror-other-envs">Other environments (multidevs), separated by commas</label>
            <input
              id="mirror-other-envs"
              type="text"
              value={f.otherEnvs}
              spellCheck={false}
              onChange={(e) => set('otherEnvs')(e.target.value)}
            />
          </div>
        </fieldset>
        <fieldset>
          <legend>Archives</legend>
          {ELEMENTS.map((el) => (
            <Check
              key={el}
              checked={f.elements.includes(el)}
              onChange={(on) =>
                set('elements')(ELEMENTS.filter((e) => (e === el ? on : f.elements.includes(e))))
              }
            >
              {el === 'code' ? 'Code' : el === 'database' ? 'Database' : 'Files'}
            </Check>
          ))}
        </fieldset>
      </div>

      <FolderField id="mirror-root" label="Mirror into the folder" value={f.root} onChange={set('root')} />

      <fieldset className="stack">
        <legend>Keeping and freshness</legend>
        <div className="row wrap">
          <label htmlFor="mirror-keep">Keep the newest</label>
          <input
            id="mirror-keep"
            className="narrow"
            type="number"
            min={1}
            value={f.keep}
            placeholder="all"
            aria-describedby="mirror-keep-hint"
            onChange={(e) => set('keep')(e.target.value)}
          />
          <label htmlFor="mirror-keep-days">sets of each environment, and those made within</label>
          <input
            id="mirror-keep-days"
            className="narrow"
            type="number"
            min={1}
            value={f.keepDays}
            placeholder="any"
            aria-describedby="mirror-keep-hint"
            onChange={(e) => set('keepDays')(e.target.value)}
          />
          <span>days</span>
        </div>
        <p className="hint" id="mirror-keep-hint">
          Empty keeps every complete set. Older sets are removed only after a newer one is complete, and only
          what Lifeboat wrote.
        </p>
        <div className="row wrap">
          <Check checked={f.fresh} onChange={set('fresh')}>
            Make a new backup first where the newest is older than
          </Check>
          <input
            className="narrow"
            type="number"
            min={1}
            aria-label="Hours a backup counts as fresh"
            value={f.freshHours}
            disabled={!f.fresh}
            onChange={(e) => set('freshHours')(e.target.value)}
          />
          <span>hours</span>
        </div>
        <div className="row wrap">
          <label htmlFor="mirror-concurrency">Sites at once</label>
          <input
            id="mirror-concurrency"
            className="narrow"
            type="number"
            min={1}
            max={16}
            value={f.concurrency}
            onChange={(e) => set('concurrency')(e.target.value)}
          />
        </div>
      </fieldset>

      <MirrorPreviewLine
        preview={preview.value ?? preview.last}
        error={preview.error}
        checking={preview.checking}
        touched={touched}
      />

      <fieldset className="stack">
        <legend>Schedule</legend>
        <div className="row wrap">
          <Check checked={f.every} onChange={set('every')}>
            While Lifeboat is open, mirror every
          </Check>
          <input
            className="narrow"
            type="number"
            min={1}
            aria-label="Hours between mirrors"
            value={f.everyHours}
            disabled={!f.every}
            onChange={(e) => set('everyHours')(e.target.value)}
          />
          <span>hours (once saved)</span>
        </div>
        <div className="row wrap">
          <button
            type="button"
            disabled={scheduleBlocked !== null}
            {...describedBy(scheduleBlocked !== null ? 'mirror-schedule-why' : null)}
            onClick={() => setScheduling(true)}
          >
            Install for when Lifeboat is closed…
          </button>
          {scheduleBlocked !== null ? (
            <span className="hint" id="mirror-schedule-why">
              {scheduleBlocked}
            </span>
          ) : (
            <span className="hint">
              Your system’s own scheduler then runs the same <code>lifeboat mirror</code> command as “The same
              from a terminal” above, every {osHours} {osHours === 1 ? 'hour' : 'hours'}, also while Lifeboat
              is closed; you see its whole entry before anything is installed.
            </span>
          )}
        </div>
      </fieldset>

      {error && <ErrorState title="That did not work" error={{ message: error }} />}
      <div className="row end">
        {dirty && (
          <span className="hint" role="status">
            Not saved yet
          </span>
        )}
        <button type="button" disabled={busy !== null} onClick={() => void save()}>
          {busy === 'save' ? 'Saving…' : 'Save'}
        </button>
        <button
          type="button"
          className="primary"
          disabled={busy !== null || runBlocked !== null}
          {...describedBy(runBlocked !== null ? 'mirror-run-why' : null)}
          onClick={() => void runNow()}
        >
          {busy === 'run' ? 'Starting…' : 'Run now'}
        </button>
      </div>
      {runBlocked !== null && (
        <p className="hint mirror-why" id="mirror-run-why">
          {runBlocked}
        </p>
      )}
      {picking && (
        <PickSitesDialog picked={f.picked} onClose={() => setPicking(false)} onChange={set('picked')} />
      )}
      {scheduling && <ScheduleDialog profile={profile} onClose={() => setScheduling(false)} />}
    </form>
  );
}

/**
 * Why a mirror of this form cannot run, from the preview's answer (the run's own checks): what the form lacks or
 * has wrong, no site selected, or a folder the run would refuse; null when it can run.
 */
function blockerOf(error: string | null, value: MirrorPreview | null): string | null {
  if (error !== null) return error;
  if (!value) return null;
  if (value.total === 0) return 'No site matches this selection. Change the search, or pick sites by hand.';
  return value.rootProblem;
}

/** "42 sites through 2 accounts", the first of them, the free space there and the equivalent command. */
function MirrorPreviewLine({
  preview,
  error,
  checking,
  touched,
}: {
  preview: MirrorPreview | null;
  error: string | null;
  checking: boolean;
  /** Before the person changed anything, what the form lacks is a hint, not an error. */
  touched: boolean;
}) {
  const problem = touched ? 'error-text' : 'hint';
  return (
    <section className="card mirror-preview" aria-labelledby="mirror-preview-title" aria-busy={checking}>
      <h2 id="mirror-preview-title">What it takes</h2>
      <div aria-live="polite">
        {error ? (
          <p className={problem}>{error}</p>
        ) : !preview ? (
          <p className="hint">Checking…</p>
        ) : preview.total === 0 ? (
          <p>
            <strong>No site matches.</strong> Change the search, or pick sites by hand.
          </p>
        ) : (
          <p>
            <strong>
              {preview.total} {preview.total === 1 ? 'site' : 'sites'} through {preview.accounts}{' '}
              {preview.accounts === 1 ? 'account' : 'accounts'}
            </strong>
            {preview.freeBytes !== null && (
              <span className="hint"> · {formatBytes(preview.freeBytes)} free there</span>
            )}
          </p>
        )}
        {!error && preview?.rootProblem && <p className={problem}>{preview.rootProblem}</p>}
      </div>
      {!error && preview && preview.total > 0 && (
        <p className="hint mirror-preview-sites">
          {andList(preview.sites.slice(0, 8).map((s) => s.name))}
          {preview.total > 8 && `, and ${preview.total - 8} more`}
        </p>
      )}
      {!error && preview && preview.failedAccounts.length > 0 && (
        <p className="hint">
          {preview.failedAccounts.length === 1 ? 'One account' : `${preview.failedAccounts.length} accounts`}{' '}
          could not list its sites now: the selection uses its sites as last known.
        </p>
      )}
      {!error && preview && (
        <div className="field">
          <span className="hint">The same from a terminal:</span>
          <code className="command">{preview.command}</code>
          {preview.demoSites > 0 && preview.demoSites < preview.total && (
            <span className="hint">
              {preview.demoSites} of these sites are the demo’s: a terminal mirrors them only with --demo, in
              a command of their own.
            </span>
          )}
        </div>
      )}
    </section>
  );
}

/**
 * Sites picked by hand, from the site list, found as the site list finds them. The keyboard stays in the search
 * box (a combobox over a multi-select listbox, the highlighted row named by aria-activedescendant): the arrows
 * move the highlight, Enter or Space picks or unpicks the highlighted site, and Space types a space when no row
 * is highlighted (typing clears the highlight).
 */
function PickSitesDialog({
  picked,
  onChange,
  onClose,
}: {
  picked: readonly string[];
  onChange: (picked: string[]) => void;
  onClose: () => void;
}) {
  const sites = useStore((s) => s.sites.data);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(-1);
  const rows = useMemo(() => siteRows(sites?.sites ?? []), [sites]);
  const found = useMemo(
    () => filterSites(rows, query, { framework: '', organization: '', account: '' }),
    [rows, query],
  );
  const shown = found.slice(0, 100);
  const chosen = new Set(picked);
  const hint = useId();
  const list = useId();
  const optionId = (i: number): string => `${list}-option-${i}`;
  const toggle = (name: string): void =>
    onChange(chosen.has(name) ? picked.filter((p) => p !== name) : [...picked, name]);
  useEffect(() => {
    if (active >= 0)
      document.getElementById(`${list}-option-${active}`)?.scrollIntoView?.({ block: 'nearest' });
  }, [active, list]);
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>): void => {
    const last = shown.length - 1;
    if (e.key === 'ArrowDown' && last >= 0) {
      e.preventDefault();
      setActive((a) => Math.min(a + 1, last));
    } else if (e.key === 'ArrowUp' && active >= 0) {
      e.preventDefault();
      // Above the first row: back to no highlight, where Space types again.
      setActive((a) => a - 1);
    } else if ((e.key === 'Enter' || e.key === ' ') && active >= 0 && shown[active]) {
      e.preventDefault();
      toggle(shown[active].site.name);
    } else if (e.key === 'Enter') {
      // Not the form's submit behind the dialog.
      e.preventDefault();
    }
  };
  const unpicked = shown.filter((r) => !chosen.has(r.site.name)).map((r) => r.site.name);
  return (
    <Dialog title="Pick sites to mirror" onClose={onClose}>
      <div className="stack">
        <div className="field">
          <label htmlFor="mirror-pick-search">Find sites</label>
          <input
            id="mirror-pick-search"
            type="search"
            role="combobox"
            aria-expanded="true"
            aria-controls={list}
            aria-autocomplete="list"
            {...(active >= 0 && shown[active] ? { 'aria-activedescendant': optionId(active) } : {})}
            value={query}
            spellCheck={false}
            autoComplete="off"
            aria-describedby={hint}
            onChange={(e) => {
              setQuery(e.target.value);
              setActive(-1);
            }}
            onKeyDown={onKeyDown}
          />
          <span className="hint" id={hint} aria-live="polite">
            {found.length === shown.length
              ? `${found.length} ${found.length === 1 ? 'site' : 'sites'}`
              : `The first ${shown.length} of ${found.length} sites: type to narrow`}
            {' · '}
            {picked.length} picked · the arrow keys move, Enter or Space picks
          </span>
        </div>
        {!sites && <Loading what="the sites" />}
        <ul className="pick-list" id={list} role="listbox" aria-multiselectable="true" aria-label="Sites">
          {shown.map((r, i) => (
            <li
              key={r.key}
              id={optionId(i)}
              role="option"
              aria-selected={chosen.has(r.site.name)}
              className={i === active ? 'active' : undefined}
              onClick={() => {
                setActive(i);
                toggle(r.site.name);
              }}
            >
              <span className="pick-box" aria-hidden="true" />
              {r.site.label !== r.site.name ? `${r.site.label} (${r.site.name})` : r.site.name}
            </li>
          ))}
        </ul>
        <div className="row spread">
          <button type="button" onClick={() => onChange([...picked, ...unpicked])}>
            Pick all shown
          </button>
          <button type="button" className="primary" onClick={onClose}>
            Done
          </button>
        </div>
      </div>
    </Dialog>
  );
}

const SCHEDULER_NAMES: Record<SchedulerEntry['kind'], string> = {
  systemd: 'a systemd user timer',
  launchd: 'a launchd agent',
  schtasks: 'a Windows scheduled task',
};

/** The OS scheduler's entry, every file whole and every command, shown before anything is installed. */
function ScheduleDialog({ profile, onClose }: { profile: MirrorProfile; onClose: () => void }) {
  const [entry, setEntry] = useState<SchedulerEntry | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<SchedulerInstall | null>(null);
  const [removed, setRemoved] = useState<string | null>(null);
  const key = JSON.stringify(profile);
  useEffect(() => {
    let current = true;
    void bridge()
      .mirror.schedulePreview(JSON.parse(key) as MirrorProfile)
      .then((r) => {
        if (!current) return;
        if (r.ok) setEntry(r.value);
        else setError(r.error.message);
      });
    return () => {
      current = false;
    };
  }, [key]);
  const install = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    const r = await bridge().mirror.scheduleInstall(profile);
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    setOutcome(r.value);
    setEntry(r.value.entry);
  };
  const remove = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    const r = await bridge().mirror.scheduleRemove();
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    const failed = r.value.ran.find((c) => !c.ok);
    setRemoved(
      failed
        ? `Removed ${r.value.removed.length} files; ${failed.argv.join(' ')} said: ${failed.output}`
        : `Removed ${r.value.removed.length} files: the mirror no longer runs while Lifeboat is closed.`,
    );
    setOutcome(null);
    if (entry) setEntry({ ...entry, installed: false });
  };
  const failed = outcome?.ran.find((c) => !c.ok);
  const hours = profile.everyHours ?? 24;
  return (
    <Dialog title="Mirror when Lifeboat is closed" onClose={onClose} wide>
      <div className="stack">
        {!entry && !error && <Loading what="the scheduler entry" />}
        {entry && (
          <>
            <p>
              Lifeboat will write {SCHEDULER_NAMES[entry.kind]} that runs this command every {hours} hours,
              with the accounts saved on this computer:
            </p>
            <code className="command">{entry.commandLine}</code>
            {entry.installed && !outcome && (
              <p className="state state-neutral" role="status">
                These files are installed already, exactly as shown.
              </p>
            )}
            <h3 className="section-title">Files it writes</h3>
            {entry.files.map((file) => (
              <div key={file.path} className="field">
                <span className="path">{file.path}</span>
                {/* A region of its own, reachable by Tab, so a long file scrolls from the keyboard too. */}
                <pre
                  className="file-content"
                  tabIndex={0}
                  role="region"
                  aria-label={`Content of ${file.path}`}
                >
                  {file.content}
                </pre>
              </div>
            ))}
            <h3 className="section-title">Then it runs</h3>
            <ol className="commands">
              {entry.commands.map((c, i) => (
                <li key={i}>
                  <code>{c.join(' ')}</code>
                </li>
              ))}
            </ol>
          </>
        )}
        {outcome && !failed && (
          <div className="state state-success" role="status">
            <strong>Installed</strong>
            <p>The mirror now runs every {hours} hours, also while Lifeboat is closed.</p>
          </div>
        )}
        {outcome && failed && (
          <div className="state state-warning" role="alert">
            <strong>The files are written, but a command failed</strong>
            <p>
              <code>{failed.argv.join(' ')}</code>: {failed.output}
            </p>
            <p>Run the commands above yourself once it can work (for example in your desktop session).</p>
          </div>
        )}
        {removed && (
          <p className="state state-neutral" role="status">
            {removed}
          </p>
        )}
        {error && <ErrorState title="The scheduler entry could not be made" error={{ message: error }} />}
        <div className="row end">
          <button type="button" onClick={onClose}>
            {outcome ? 'Close' : 'Cancel'}
          </button>
          {entry && (entry.installed || outcome) && (
            <button type="button" className="danger-quiet" disabled={busy} onClick={() => void remove()}>
              Remove it
            </button>
          )}
          {entry && !outcome && (
            <button type="button" className="primary" disabled={busy} onClick={() => void install()}>
              {busy ? 'Installing…' : entry.installed ? 'Install again' : 'Install'}
            </button>
          )}
        </div>
      </div>
    </Dialog>
  );
}

const STATUS: Record<MirrorSiteReport['status'], string> = {
  downloaded: 'Downloaded',
  'up-to-date': 'Up to date',
  skipped: 'Skipped',
  failed: 'Failed',
};

/** The newest mirror job: its progress while it runs, its report when it has ended (also after a reload). */
function LastRun() {
  const job = useStore((s) => {
    let newest: Job | undefined;
    for (const j of Object.values(s.jobs))
      if (j.kind === 'mirror' && (!newest || j.createdAt > newest.createdAt)) newest = j;
    return newest;
  });
  const kept = useStore((s) => s.mirrorLastReport.data);
  const upsert = useStore((s) => s.upsertJob);
  const toast = useStore((s) => s.toast);
  const native = useStore((s) => s.nativeShell);
  const active = job !== undefined && (job.state === 'running' || job.state === 'queued');
  // The newest run, whoever ran it: a report the CLI kept (by hand, or the OS scheduler's) after this window's
  // last job is the last run. The job's own report is kept too (the same run): then the job is shown.
  const jobEnded = job?.mirror?.report?.finishedAt ?? job?.finishedAt ?? job?.createdAt ?? '';
  if (
    kept &&
    !active &&
    kept.report.startedAt !== job?.mirror?.report?.startedAt &&
    (!job || kept.finishedAt > jobEnded)
  )
    return <KeptRun kept={kept} />;
  if (!job) return null;
  const cancel = async (): Promise<void> => {
    const r = await bridge().jobs.cancel({ jobId: job.id });
    if (!r.ok) return toast('error', r.error.message);
    upsert(r.value);
  };
  const m = job.mirror;
  return (
    <section className="stack mirror-run" aria-labelledby="mirror-run-title">
      <div className="row spread">
        <h2 id="mirror-run-title" tabIndex={-1}>
          {active ? 'Mirroring now' : 'Last run'}{' '}
          <span className="hint">started {localDateTime(Date.parse(job.createdAt) / 1000)}</span>
        </h2>
        <div className="row">
          {active && (
            <button type="button" onClick={() => void cancel()}>
              Cancel
            </button>
          )}
          {!active && native && job.outputPath && (
            <button
              type="button"
              onClick={() => void bridge().system.showInFolder({ path: job.outputPath! })}
            >
              Show in folder
            </button>
          )}
        </div>
      </div>
      <p className="hint">{job.title}</p>
      {active && (
        <>
          <Bar
            label="Sites mirrored"
            done={m?.sitesDone ?? 0}
            total={m?.sitesTotal ?? null}
            text={m ? `${m.sitesDone} of ${m.sitesTotal} sites` : (job.progress.message ?? 'Starting')}
          />
          <p className="hint mirror-overall">{overallLine(job)}</p>
          {job.progress.parts.length > 0 && (
            <ul className="site-progress" aria-label="Sites being mirrored">
              {job.progress.parts.map((p) => (
                <li key={p.label}>
                  <Bar
                    label={`Progress of ${p.label}`}
                    done={p.bytesDone}
                    total={p.bytesTotal}
                    text={
                      p.bytesTotal
                        ? `${p.label}: ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}`
                        : `${p.label}: starting`
                    }
                  />
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      {job.state === 'failed' && (
        <ErrorState title="The mirror stopped" error={job.error ?? { message: 'Failed.' }} />
      )}
      {job.state === 'cancelled' && (
        <div className="state state-neutral" role="status">
          <strong>Cancelled</strong>
          <p>What was downloaded stays; running it again resumes where it stopped.</p>
        </div>
      )}
      {job.warning && job.state === 'succeeded' && <p className="state state-warning">{job.warning}</p>}
      {m?.report && <Report report={m.report} omitted={m.omitted ?? 0} file={m.file ?? null} />}
    </section>
  );
}

/**
 * The whole run in one line: the bytes so far, of at least the sizes known so far (a site is sized when it is
 * reached, so the total grows until every site has started), the speed, and the time left once it can be told.
 */
function overallLine(job: Job): string {
  const p = job.progress;
  const parts = [
    // Nothing sized yet (every site still listing its backups): no total to speak of.
    !p.bytesTotal
      ? `${formatBytes(p.bytesDone)} so far`
      : // The engine tells the time left only once the total is whole (see ProgressTracker.growingTotal).
        `${formatBytes(p.bytesDone)} of ${p.etaSeconds === null ? 'at least ' : ''}${formatBytes(p.bytesTotal)}`,
  ];
  if (p.bytesPerSecond !== null) parts.push(`${formatBytes(p.bytesPerSecond)}/s`);
  if (p.etaSeconds !== null) parts.push(`about ${duration(p.etaSeconds)} left`);
  return parts.join(' · ');
}

/** A run this window has no job of: the report the run kept, saying who ran it. */
function KeptRun({ kept }: { kept: MirrorLastReport }) {
  return (
    <section className="stack mirror-run" aria-labelledby="mirror-run-title">
      <h2 id="mirror-run-title" tabIndex={-1}>
        Last run{' '}
        <span className="hint">
          started {localDateTime(Date.parse(kept.report.startedAt) / 1000)}
          {kept.source === 'cli' ? ', run from the command line' : ''}
        </span>
      </h2>
      {kept.source === 'cli' && (
        <p className="hint">
          By <code>lifeboat mirror</code>, by hand or by your system’s scheduler, into{' '}
          <span className="path">{kept.report.root}</span>.
        </p>
      )}
      {kept.report.failedAccounts && kept.report.failedAccounts.length > 0 && (
        <p className="state state-warning">
          {kept.report.failedAccounts.map((a) => `${a.account}: ${a.error.message}`).join(' ')}
        </p>
      )}
      <Report report={kept.report} omitted={kept.omitted} file={kept.file} />
    </section>
  );
}

/**
 * A labelled bar (role=progressbar) with its words beside it. The fill is the value, exactly: no width
 * transition (a bar caught in one drew "737 kB of 737 kB" at 86%), and a part not sized yet is an empty track
 * (not a sliding chunk that reads as a value) with its words saying "starting".
 */
function Bar({
  label,
  done,
  total,
  text,
}: {
  label: string;
  done: number;
  total: number | null;
  text: string;
}) {
  const pct = total ? Math.min(100, Math.floor((done / total) * 100)) : null;
  return (
    <div className="progress">
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuetext={text}
        {...(pct !== null ? { 'aria-valuenow': pct } : {})}
      >
        <div className="progress-fill" style={{ width: `${pct ?? 0}%` }} />
      </div>
      <div className="progress-text">
        <span>{text}</span>
      </div>
    </div>
  );
}

/** The rows a long report shows before "Show all": every failed site, then this many others. */
const REPORT_FIRST_ROWS = 10;

/** What a site's row says under its status: why an environment was skipped, and what the run changed. */
function rowNotes(r: MirrorSiteReport): string[] {
  const many = r.envs.length > 1;
  const notes: string[] = [];
  for (const e of r.envs) {
    const said = [
      ...(e.note ? [e.note] : []),
      ...(e.createdBackup ? ['made a new backup first'] : []),
      ...(e.pruned.length > 0
        ? [`removed ${e.pruned.length} older ${e.pruned.length === 1 ? 'set' : 'sets'}`]
        : []),
    ];
    if (said.length > 0) notes.push(`${many ? `${e.env}: ` : ''}${said.join('; ')}`);
  }
  return notes;
}

/**
 * The report table: failed sites first, each with its bytes, time, error, and why it was skipped or what changed.
 * A long one shows the failed sites and the first few others until "Show all".
 */
function Report({ report, omitted, file }: { report: MirrorReport; omitted: number; file: string | null }) {
  const [all, setAll] = useState(false);
  const tableId = useId();
  const t = report.totals;
  const summary = [
    `${t.downloaded} downloaded`,
    `${t.upToDate} up to date`,
    ...(t.skipped ? [`${t.skipped} skipped`] : []),
    `${t.failed} failed`,
  ].join(', ');
  // Failed first (a job keeps them first; a kept report is in name order), then the others in name order.
  const rows = [
    ...report.sites.filter((r) => r.status === 'failed'),
    ...report.sites.filter((r) => r.status !== 'failed'),
  ];
  const failedRows = rows.filter((r) => r.status === 'failed').length;
  const firstRows = failedRows + REPORT_FIRST_ROWS;
  // "Show all" only when it would show more than a couple of rows more.
  const long = rows.length > firstRows + 2;
  const shown = long && !all ? rows.slice(0, firstRows) : rows;
  const pruned = report.sites.reduce((n, r) => n + r.envs.reduce((m, e) => m + e.pruned.length, 0), 0);
  const made = report.sites.reduce((n, r) => n + r.envs.filter((e) => e.createdBackup).length, 0);
  const changes = [
    ...(made > 0 ? [`${made} new ${made === 1 ? 'backup' : 'backups'} made first`] : []),
    ...(pruned > 0 ? [`${pruned} older ${pruned === 1 ? 'set' : 'sets'} removed`] : []),
  ];
  return (
    <div className="stack">
      <p className={t.failed > 0 ? 'error-text' : undefined}>
        <strong>
          {t.sites} {t.sites === 1 ? 'site' : 'sites'}: {summary}
        </strong>{' '}
        · {formatBytes(t.bytes)} downloaded into <span className="path">{report.root}</span>
        {changes.length > 0 && <> · {changes.join(', ')}</>}
      </p>
      <table className="backups mirror-report" id={tableId} aria-label="Mirror report">
        <thead>
          <tr>
            <th scope="col">Site</th>
            <th scope="col">Status</th>
            <th scope="col">Bytes</th>
            <th scope="col">Time</th>
            <th scope="col">Environments</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            // A site picked by hand that no account sees has no id: its name keys it.
            <tr
              key={r.siteId || `name:${r.site}`}
              className={r.status === 'failed' ? 'report-failed' : undefined}
            >
              <th scope="row">
                {r.site}
                <div className="hint">{r.account}</div>
              </th>
              <td>
                <span className={`badge badge-mirror-${r.status}`}>{STATUS[r.status]}</span>
                {rowNotes(r).map((note) => (
                  <div key={note} className="hint report-note">
                    {note}
                  </div>
                ))}
              </td>
              <td className="nowrap">{formatBytes(r.bytes)}</td>
              <td className="nowrap">{duration(Math.round(r.durationMs / 1000))}</td>
              <td>
                {r.envs
                  .map((e) =>
                    e.status === r.status ? e.env : `${e.env} (${STATUS[e.status].toLowerCase()})`,
                  )
                  .join(', ') || '—'}
              </td>
              <td>{r.error ? `${r.error.code}: ${r.error.message}` : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {long && (
        <div className="row">
          <button type="button" aria-expanded={all} aria-controls={tableId} onClick={() => setAll(!all)}>
            {all ? `Show the first ${firstRows} only` : `Show all ${rows.length} sites`}
          </button>
          {!all && (
            <span className="hint">
              {rows.length - shown.length} more {rows.length - shown.length === 1 ? 'site' : 'sites'}, none of
              them failed
            </span>
          )}
        </div>
      )}
      {omitted > 0 && (
        <p className="hint">
          {omitted} more {omitted === 1 ? 'site' : 'sites'}, none of them failed, are in the whole report
          {file ? (
            <>
              : <span className="path">{file}</span>
            </>
          ) : (
            '.'
          )}
        </p>
      )}
    </div>
  );
}
