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
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0
    ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`
    : `${m}:${String(sec).padStart(2, '0')}`;
};

/** One line describing progress: phase, bar, bytes, speed, ETA. */
export function progressLine(p: JobProgress, width = 24): string {
  const words = PHASE_WORDS[p.phase];
  // Only transfers and imports have bytes worth a bar; other phases say what they do.
  const measured = p.phase === 'downloading' || p.phase === 'importing' || p.phase === 'creating-backup';
  if (!measured || p.bytesTotal === null || p.bytesTotal === 0) return `${p.message ?? words}…`;
  const ratio = Math.min(1, p.bytesDone / p.bytesTotal);
  const filled = Math.round(ratio * width);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  const speed = p.bytesPerSecond ? `  ${formatBytes(p.bytesPerSecond)}/s` : '';
  const eta = p.etaSeconds !== null && ratio < 1 ? `  ETA ${duration(p.etaSeconds)}` : '';
  const bytes =
    p.phase === 'creating-backup'
      ? `step ${p.bytesDone}/${p.bytesTotal}`
      : `${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)}`;
  return `${words.padEnd(18)} ${bar} ${String(Math.floor(ratio * 100)).padStart(3)}%  ${bytes}${speed}${eta}`;
}

/** Writes progress: a redrawn line on a terminal, a plain line per phase and per 25% otherwise, nothing for --json. */
export function progressWriter(
  mode: 'tty' | 'plain' | 'silent',
  out: NodeJS.WriteStream | NodeJS.WritableStream = process.stderr,
) {
  let lastPhase: JobPhase | null = null;
  let lastQuarter = -1;
  let lastDraw = 0;
  let drawn = false;
  return {
    update(p: JobProgress): void {
      if (mode === 'silent') return;
      if (mode === 'tty') {
        const now = Date.now();
        if (p.phase === lastPhase && now - lastDraw < 100) return;
        lastDraw = now;
        lastPhase = p.phase;
        const cols = (out as NodeJS.WriteStream).columns ?? 100;
        out.write(`\r\x1b[2K${progressLine(p).slice(0, cols - 1)}`);
        drawn = true;
        return;
      }
      const quarter = p.bytesTotal ? Math.floor((p.bytesDone / p.bytesTotal) * 4) : -1;
      if (p.phase !== lastPhase || quarter > lastQuarter) {
        if (p.phase !== lastPhase) lastQuarter = -1;
        lastPhase = p.phase;
        lastQuarter = Math.max(lastQuarter, quarter);
        out.write(`${progressLine(p)}\n`);
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

/** `text` with control characters (C0, DEL, C1; so every escape sequence) replaced by a visible mark. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\ufffd');
}
