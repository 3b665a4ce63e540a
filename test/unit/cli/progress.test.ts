import { describe, expect, it } from 'vitest';
import type { JobProgress } from '@shared/models';
import { progressLine, progressWriter } from '../../../electron/cli/output';

const download: JobProgress = {
  phase: 'downloading',
  bytesDone: 412_000_000,
  bytesTotal: 1_250_000_000,
  bytesPerSecond: 11_800_000,
  etaSeconds: 3_725,
  parts: [],
};

const workflow: JobProgress = {
  phase: 'creating-backup',
  bytesDone: 2,
  bytesTotal: 3,
  bytesPerSecond: 0.9569,
  etaSeconds: 4,
  parts: [],
};

const bar = (line: string): number => (line.match(/[█░]/g) ?? []).length;

describe('progressLine', () => {
  it.each([60, 80, 120])('fits %i columns, with the ETA whole', (columns) => {
    const line = progressLine(download, columns);
    expect(line.length).toBeLessThanOrEqual(columns - 1);
    expect(line).toMatch(/ETA 1:02:05$/);
    expect(line).toContain('412 MB / 1.3 GB');
  });

  it('shortens the bar before anything else, and drops it (then the speed) only when it must', () => {
    const wide = progressLine(download, 120);
    const mid = progressLine(download, 80);
    const narrow = progressLine(download, 60);
    expect(bar(wide)).toBe(24);
    expect(bar(mid)).toBeGreaterThanOrEqual(6);
    expect(bar(mid)).toBeLessThan(24);
    expect(mid).toContain('12 MB/s');
    expect(mid).toMatch(/^Downloading/);
    expect(bar(narrow)).toBe(0);
    expect(narrow).toMatch(/^Downloading\s+32% {2}412 MB \/ 1.3 GB {2}ETA/);
    // Without a width (a log, not a terminal) the line is whole.
    expect(bar(progressLine(download))).toBe(24);
  });

  it('keeps the ETA even on a terminal too narrow for anything else', () => {
    const line = progressLine(download, 20);
    expect(line.length).toBeLessThanOrEqual(19);
    expect(line).toMatch(/ETA 1:02:05$/);
  });

  it('counts a workflow in steps, never bytes or a byte rate', () => {
    for (const columns of [60, 80, 120]) {
      const line = progressLine(workflow, columns);
      expect(line).toContain('step 2 of 3');
      expect(line).not.toMatch(/bytes|\/s/);
      expect(line.length).toBeLessThanOrEqual(columns - 1);
    }
    // A named workflow (a restore on Pantheon) says which it is.
    expect(progressLine({ ...workflow, message: 'Restoring files' }, 80)).toMatch(/^Restoring files\s/);
  });

  it('cuts a phase message to the width with an ellipsis', () => {
    const line = progressLine({ ...download, phase: 'extracting', message: 'x'.repeat(200) }, 60);
    expect(line).toHaveLength(59);
    expect(line.endsWith('…')).toBe(true);
  });
});

describe('progressWriter', () => {
  it('redraws one line within the terminal width, reading the width on each draw', () => {
    let written = '';
    const out = {
      isTTY: true,
      columns: 60,
      write(s: string) {
        written += s;
        return true;
      },
    } as unknown as NodeJS.WriteStream;
    const w = progressWriter('tty', out);
    w.update(download);
    const drawn = written.split('\r\x1b[2K').filter(Boolean);
    expect(drawn).toHaveLength(1);
    expect(drawn[0]!.length).toBeLessThanOrEqual(59);
    expect(drawn[0]).toContain('ETA 1:02:05');
  });

  it('on a log, starts a new line for each workflow of a phase', () => {
    let written = '';
    const out = { write: (s: string) => ((written += s), true) } as unknown as NodeJS.WritableStream;
    const w = progressWriter('plain', out);
    const wf = (message: string, step: number): JobProgress => ({ ...workflow, message, bytesDone: step });
    w.update(wf('Restoring code', 3));
    w.update(wf('Restoring files', 0));
    w.update(wf('Restoring files', 3));
    expect(
      written
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(/\s{2,}/)[0]),
    ).toEqual(['Restoring code', 'Restoring files', 'Restoring files']);
  });
});

describe('progress from numbers and text the API chose', () => {
  // eslint-disable-next-line no-control-regex
  const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

  it('a negative, absurd or missing step count is clamped, never a crash', () => {
    for (const columns of [undefined, 40, 80]) {
      expect(progressLine({ ...workflow, bytesDone: -7, bytesTotal: 8 }, columns)).toMatch(
        / {2}0% {2}step 0 of 8/,
      );
      expect(progressLine({ ...workflow, bytesDone: 1e300, bytesTotal: 3 }, columns)).toMatch(
        /100% {2}step 3 of 3/,
      );
      expect(progressLine({ ...workflow, bytesDone: Number.NaN, bytesTotal: 3 }, columns)).toMatch(
        /step 0 of 3/,
      );
      expect(progressLine({ ...download, bytesDone: -5_000, etaSeconds: -3 }, columns)).toMatch(
        / 0 bytes \//,
      );
      // A total that is no count at all says what happens instead of drawing a bar.
      expect(progressLine({ ...workflow, bytesTotal: -3, message: 'Exporting' }, columns)).toBe('Exporting…');
    }
  });

  it('a workflow description with escape sequences is shown, not obeyed, on a terminal and in a log', () => {
    const evil: JobProgress = { ...workflow, message: 'Exporting \u001b]52;c;cm0gLXJmIH4=\u0007\u001b[2J' };
    let tty = '';
    const out = { isTTY: true, columns: 80, write: (s: string) => ((tty += s), true) };
    progressWriter('tty', out as unknown as NodeJS.WriteStream).update(evil);
    // The only control sequence is the writer's own redraw of its line.
    expect(tty.replaceAll('\r\u001b[2K', '')).not.toMatch(CONTROL);
    expect(tty).toContain('Exporting \ufffd]52;c;cm0gLXJmIH4=');
    let log = '';
    progressWriter('plain', {
      write: (s: string) => ((log += s), true),
    } as unknown as NodeJS.WritableStream).update(evil);
    expect(log.replaceAll('\n', '')).not.toMatch(CONTROL);
  });
});
