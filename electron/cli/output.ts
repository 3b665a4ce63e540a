import type { JobPhase, JobProgress } from '@shared/models';
import { formatBytes } from '../services/transfer/disk';

const PHASE_WORDS: Record<JobPhase, string> = {
  queued: 'Preparing',
  'creating-backup': 'Creating backup',
  downloading: 'Downloading',
  verifying: 'Verifying',
  extracting: 'Extracting',
  'checking-out': 'Checking out',
  importing: 'Importing database',
  finishing: 'Finishing',
};

const duration = (s: number): string => {
  if (!Number.isFinite(s) || s < 0) return '?';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0
    ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`
    : `${m}:${String(sec).padStart(2, '0')}`;
};

/** The widest and narrowest bar; below the narrowest the bar is left out rather than drawn meaningless. */
const BAR_MAX = 24;
const BAR_MIN = 6;

/** `text` cut to `n` characters, with an ellipsis when cut. */
const clip = (text: string, n: number): string =>
  n <= 0 ? '' : text.length <= n ? text : n === 1 ? '…' : `${text.slice(0, n - 1)}…`;

/**
 * One line describing progress: phase, bar, amount, speed, ETA. Bytes for transfers and imports; steps (not
 * bytes, no speed) for a workflow. With `columns`, the line fits in `columns - 1` characters (a terminal wraps
 * at the last one): the bar shortens first, then goes, then the speed, then the label; the ETA is never cut.
 */
export function progressLine(p: JobProgress, columns?: number, labels: PhaseLabels = {}): string {
  // Text from the API (a workflow's description) is shown, never obeyed by the terminal.
  return printable(lineOf(p, columns, labels));
}

/** A command's own words for a phase, instead of the usual ones (a restore from a mirror reads, it does not download). */
export type PhaseLabels = Partial<Record<JobPhase, string>>;

/**
 * A count from the API (a workflow's step) as something a line can show: a whole number from 0 to `max`,
 * or null when it is no number at all. A step of -7 or 1e300 is Pantheon's mistake, not a reason to fail.
 */
const count = (n: number | null, max = Number.MAX_SAFE_INTEGER): number | null =>
  n === null || !Number.isFinite(n) ? null : Math.min(max, Math.max(0, Math.floor(n)));

function lineOf(p: JobProgress, columns: number | undefined, labels: PhaseLabels): string {
  const room = columns === undefined ? Infinity : Math.max(1, columns - 1);
  const words = labels[p.phase] ?? PHASE_WORDS[p.phase] ?? 'Working';
  // Only transfers, imports and workflows have an amount worth a bar; other phases say what they do.
  const measured = p.phase === 'downloading' || p.phase === 'importing' || p.phase === 'creating-backup';
  const total = count(p.bytesTotal);
  const done = count(p.bytesDone, total ?? 0) ?? 0;
  if (!measured || total === null || total === 0) return clip(`${p.message ?? words}…`, room);
  const steps = p.phase === 'creating-backup';
  const ratio = done / total;
  const pct = `${String(Math.floor(ratio * 100)).padStart(3)}%`;
  const amount = steps ? `step ${done} of ${total}` : `${formatBytes(done)} / ${formatBytes(total)}`;
  // A workflow's rate is steps per second, which nobody wants to read.
  const rate = count(p.bytesPerSecond);
  const speed = !steps && rate ? `  ${formatBytes(rate)}/s` : '';
  const eta = count(p.etaSeconds) !== null && ratio < 1 ? `  ETA ${duration(p.etaSeconds!)}` : '';
  const tail = (withSpeed: boolean): string => ` ${pct}  ${amount}${withSpeed ? speed : ''}${eta}`;
  // A workflow says which one it is ("Restoring files"); a transfer's message names a file, too long here.
  const title = steps && p.message ? p.message : words;
  const label = title.padEnd(18);
  // The bar takes what is left (with its leading space), between its narrowest and widest.
  const bar = Math.min(BAR_MAX, room - label.length - tail(true).length - 1);
  if (bar >= BAR_MIN) {
    const filled = Math.round(ratio * bar);
    return `${label} ${'█'.repeat(filled)}${'░'.repeat(bar - filled)}${tail(true)}`;
  }
  const rest = label.length + tail(true).length <= room ? tail(true) : tail(false);
  // What remains for the label; a stub of two letters says nothing, so then none.
  const left = room - rest.length;
  const shown = left >= label.length ? label : left >= 4 ? clip(title, left) : '';
  // On a terminal too narrow even for that, the line loses its start, never its ETA.
  return `${shown}${rest}`.trimStart().slice(-room);
}

/** Writes progress: a redrawn line on a terminal, a plain line per phase and per 25% otherwise, nothing for --json. */
export function progressWriter(
  mode: 'tty' | 'plain' | 'silent',
  out: NodeJS.WriteStream | NodeJS.WritableStream = process.stderr,
  labels: PhaseLabels = {},
) {
  // A phase, or a workflow within it (each restore workflow counts its own steps): a new one is a new line.
  let lastPhase: string | null = null;
  let lastQuarter = -1;
  let lastDraw = 0;
  let drawn = false;
  return {
    update(progress: JobProgress): void {
      if (mode === 'silent') return;
      const p = { ...progress, key: `${progress.phase}|${progress.message ?? ''}` };
      if (mode === 'tty') {
        const now = Date.now();
        if (p.key === lastPhase && now - lastDraw < 100) return;
        lastDraw = now;
        lastPhase = p.key;
        // Read on every draw: the terminal may have been resized.
        const cols = (out as NodeJS.WriteStream).columns || 80;
        out.write(`\r\x1b[2K${progressLine(p, cols, labels)}`);
        drawn = true;
        return;
      }
      // Clamped: a count from the API below 0 or above its total must not hold back (or skip) lines.
      const quarter =
        p.bytesTotal && p.bytesTotal > 0 && Number.isFinite(p.bytesDone / p.bytesTotal)
          ? Math.min(4, Math.max(0, Math.floor((p.bytesDone / p.bytesTotal) * 4)))
          : -1;
      if (p.key !== lastPhase || quarter > lastQuarter) {
        if (p.key !== lastPhase) lastQuarter = -1;
        lastPhase = p.key;
        lastQuarter = Math.max(lastQuarter, quarter);
        out.write(`${progressLine(p, undefined, labels)}\n`);
      }
    },
    done(): void {
      if (mode === 'tty' && drawn) out.write('\r\x1b[2K');
    },
  };
}

/** Pads columns of a table for the terminal. */
export function table(input: readonly (readonly string[])[]): string {
  if (input.length === 0) return '';
  // Text from the API (site labels, domains) goes to a terminal: its control characters and escape
  // sequences (which can set the clipboard or rewrite the screen) are shown, never obeyed.
  const rows = input.map((r) => r.map(printable));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** `text` with control characters (C0, DEL, C1; so every escape sequence) replaced by a visible mark. */
export function printable(text: string): string {
  return text.replace(CONTROL, '\ufffd');
}

/** True when `text` has a control character (so an escape sequence) in it. */
// eslint-disable-next-line no-control-regex
export const hasControl = (text: string): boolean => /[\u0000-\u001f\u007f-\u009f]/.test(text);

/**
 * Lines of text for a terminal: each line {@link printable}, the line breaks kept. Every line the CLI writes
 * for people (messages, warnings, prompts, tables, links) goes through here, whatever its source.
 */
export function printableLines(text: string): string {
  return text.split('\n').map(printable).join('\n');
}

/**
 * JSON text with every control character written as a `\u` escape: the same value for a parser (JSON.stringify
 * already escapes C0 in strings; DEL and C1, which a terminal may obey, it leaves raw), inert on a terminal.
 */
export function inertJson(json: string): string {
  return json.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
