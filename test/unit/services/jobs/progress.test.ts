import { describe, expect, it } from 'vitest';
import { ProgressTracker } from '../../../../electron/services/jobs/progress';

describe('ProgressTracker', () => {
  it('does not add the steps of a backup workflow to the bytes of the download that follows', () => {
    let t = 0;
    const tracker = new ProgressTracker(() => t);
    tracker.setPhase('creating-backup');
    tracker.setPart('workflow', 'Exporting', 3, 3);
    expect(tracker.snapshot()).toMatchObject({ bytesDone: 3, bytesTotal: 3 });
    tracker.setPhase('downloading');
    t = 1000;
    tracker.setPart('files', 'files archive', 1024, 4096);
    const p = tracker.snapshot();
    expect(p.parts.map((x) => x.label)).toEqual(['files archive']);
    expect(p).toMatchObject({ phase: 'downloading', bytesDone: 1024, bytesTotal: 4096 });
  });

  it('keeps the download parts through the phases after it', () => {
    const tracker = new ProgressTracker(() => 0);
    tracker.setPhase('downloading');
    tracker.setPart('code', 'code archive', 10, 10);
    tracker.setPhase('extracting');
    expect(tracker.snapshot().parts).toEqual([{ label: 'code archive', bytesDone: 10, bytesTotal: 10 }]);
  });
});
