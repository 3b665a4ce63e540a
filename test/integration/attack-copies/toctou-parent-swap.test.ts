// ATTACK: swap a parent folder of the copy for a link between remove's last identity check and the move.
// PROMISE BROKEN: "remove moves the copy's folder to the trash ... re-check identity right before moving; never
// trash something that is not the copy" (issue10-slice1, CopyRegistry.remove). The last check reads
// `<path>/lifeboat.json`, then `trash` (lazily imported, then writing its .trashinfo) renames `<path>` by name: a
// parent swapped for a link in that window makes it move another folder of the same name — here one with no
// lifeboat.json at all — while the real copy stays, Lifeboat says "Moved ... to the trash" and forgets the copy.
// SEVERITY: high (a folder that is not a copy goes to the trash, reported as success; needs someone who can
// write the copy's parent, e.g. a shared folder, or any tool renaming folders there at that moment).
// Linux only: the swap is timed by watching the remove's open files in /proc (the `trash` package being loaded)
// and the trash's info folder (a .trashinfo is written right before the move), so it does not depend on luck.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readlinkSync, renameSync, symlinkSync, watch } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BIN, ROOT } from '../../helpers/cli';
import { scratch, type Scratch } from './lib';
import { describeUnless, noProc } from '../../helpers/platform';

let s: Scratch;
beforeEach(async () => void (s = await scratch()));
afterEach(() => s.cleanup());

describeUnless(noProc && "the swap is timed by the remove's open files in Linux's /proc")(
  'copies remove against a parent swapped for a link',
  () => {
    it('never moves a folder that is not the copy (the parent swapped after the last check)', async () => {
      const sites = join(s.dir, 'shared', 'sites');
      const copy = await s.pull('acme-blog.live', sites);
      // The victim: a folder of the same name elsewhere, with no lifeboat.json — never a copy.
      const victimParent = join(s.home, 'work');
      await mkdir(join(victimParent, 'acme-blog-live'), { recursive: true });
      await writeFile(join(victimParent, 'acme-blog-live', 'precious.txt'), 'months of work');
      mkdirSync(join(s.home, '.local', 'share', 'Trash', 'info'), { recursive: true });

      const child = spawn(process.execPath, [BIN, 'copies', 'remove', copy, '--yes'], {
        cwd: ROOT,
        env: { ...process.env, VITEST: '', ...s.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      let done = false;
      const exited = new Promise<void>((r) => child.once('exit', () => ((done = true), r())));
      let swapped = false;
      const swap = (): void => {
        if (swapped) return;
        swapped = true;
        renameSync(sites, `${sites}-real`);
        symlinkSync(victimParent, sites);
      };
      const watcher = watch(join(s.home, '.local', 'share', 'Trash', 'info'), swap);
      const poll = (): void => {
        if (done || swapped) return;
        try {
          for (const fd of readdirSync(`/proc/${child.pid}/fd`)) {
            const target = (() => {
              try {
                return readlinkSync(`/proc/${child.pid}/fd/${fd}`);
              } catch {
                return '';
              }
            })();
            if (/node_modules\/(trash|xdg-trashdir|move-file|p-map|is-path-inside|@stroncium)\//.test(target))
              return swap();
          }
        } catch {
          // The process is ending.
        }
        setImmediate(poll);
      };
      poll();
      await exited;
      watcher.close();

      expect(swapped, 'the swap could not be timed (the remove never loaded or used the trash)').toBe(true);
      // The folder that was never a copy is where it was; the copy's own folder is the one that went, or
      // nothing moved and the remove said so.
      expect({
        victimKept: existsSync(join(victimParent, 'acme-blog-live', 'precious.txt')),
        out,
      }).toMatchObject({ victimKept: true });
      if (existsSync(join(`${sites}-real`, 'acme-blog-live'))) expect(out).not.toContain('Moved');
    });
  },
);
