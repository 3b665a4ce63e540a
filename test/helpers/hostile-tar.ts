import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { Header } from 'tar';
import { rawTarBlocks, rawTarGz, type RawEntry } from './tarball';

/**
 * Hostile tar.gz archives, built byte for byte, for the extraction tests and for end-to-end runs through the
 * CLI (write one where the sandbox serves an archive). Every builder takes an optional `top` folder that all
 * entries sit under (e.g. `files_live`), as Pantheon's files archives have.
 */

/** What a chain of links is used for once it is in place. */
export type Through =
  /** Nothing: the archive only leaves a link pointing outside in the tree. */
  | 'none'
  /** A file written through the last link: `x/lN/escaped.txt`. */
  | 'file'
  /** A folder, then a file in it, through the last link. */
  | 'dir'
  /** A hard link to `secret.txt` reached through the last link, which would expose (and let later writes change) a file outside. */
  | 'hardlink'
  /** A second symlink whose target goes through the last link. */
  | 'symlink';

const under = (top: string | undefined, path: string): string => (top ? `${top}/${path}` : path);

/**
 * A chain of relative symlinks that each read as inside the archive but climb out as the kernel resolves them:
 * `x/l0 -> ..` (the archive root), then `x/l1 -> l0/..`, `x/l2 -> l1/..`, … so `x/l{depth}` points `depth`
 * folders above the root. `reverse` writes the links last-first, so every link but the anchor is checked
 * before the one that makes it climb exists. Then, per `through`, something is written through `x/l{depth}`.
 */
export function symlinkChainEntries(
  depth: number,
  through: Through = 'none',
  options: { readonly top?: string; readonly reverse?: boolean } = {},
): RawEntry[] {
  const { top } = options;
  const x = under(top, 'x');
  const anchor = '../'.repeat(x.split('/').length).slice(0, -1);
  const links: RawEntry[] = [{ path: `${x}/l0`, type: 'SymbolicLink', linkpath: anchor }];
  for (let i = 1; i <= depth; i++)
    links.push({ path: `${x}/l${i}`, type: 'SymbolicLink', linkpath: `l${i - 1}/..` });
  if (options.reverse) links.reverse();
  const last = `${x}/l${depth}`;
  const after: Record<Through, RawEntry[]> = {
    none: [],
    file: [{ path: `${last}/escaped.txt`, body: 'written outside' }],
    dir: [
      { path: `${last}/escaped-dir/`, type: 'Directory' },
      { path: `${last}/escaped-dir/escaped.txt`, body: 'written outside' },
    ],
    hardlink: [{ path: under(top, 'stolen.txt'), type: 'Link', linkpath: `${last}/secret.txt` }],
    symlink: [{ path: `${x}/via`, type: 'SymbolicLink', linkpath: `l${depth}/secret.txt` }],
  };
  return [
    ...(top ? [{ path: `${top}/`, type: 'Directory' as const }] : []),
    { path: `${x}/`, type: 'Directory' },
    ...links,
    ...after[through],
  ];
}

/** {@link symlinkChainEntries} as a tar.gz. */
export function symlinkChain(
  depth: number,
  through: Through = 'none',
  options: { readonly top?: string; readonly reverse?: boolean } = {},
): Buffer {
  return rawTarGz(symlinkChainEntries(depth, through, options));
}

/**
 * A symlink that stays inside where it is (`d1/…/d{depth}/l -> ../..`, the root), then a hard link to it at
 * the root: on Linux `link()` copies the symlink itself, whose relative target now climbs `depth` folders
 * above the root; then a file written through it.
 */
export function hardlinkToSymlinkEntries(depth: number, options: { readonly top?: string } = {}): RawEntry[] {
  const dirs = Array.from({ length: depth }, (_, i) => `d${i + 1}`);
  const folder = under(options.top, dirs.join('/'));
  const up = '../'.repeat(folder.split('/').length).slice(0, -1);
  return [
    ...folder
      .split('/')
      .map((_, i, all) => ({ path: `${all.slice(0, i + 1).join('/')}/`, type: 'Directory' as const })),
    { path: `${folder}/l`, type: 'SymbolicLink', linkpath: up },
    { path: under(options.top, 'h'), type: 'Link', linkpath: `${folder}/l` },
    { path: under(options.top, 'h/escaped.txt'), body: 'written outside' },
  ];
}

/** {@link hardlinkToSymlinkEntries} as a tar.gz. */
export function hardlinkToSymlink(depth: number, options: { readonly top?: string } = {}): Buffer {
  return rawTarGz(hardlinkToSymlinkEntries(depth, options));
}

/**
 * A small archive that expands to `mib` MiB of zeros: one file `bomb.bin`, or `files` files of equal size
 * (`bomb-0.bin`…). About 1 KB of gzip per MiB; built as a stream, so it never holds the zeros in memory.
 */
export async function zipBomb(
  mib: number,
  options: { readonly files?: number; readonly top?: string } = {},
): Promise<Buffer> {
  const files = options.files ?? 1;
  const size = Math.floor((mib * 1024 * 1024) / files);
  const zeros = Buffer.alloc(1024 * 1024);
  async function* tar(): AsyncGenerator<Buffer> {
    if (options.top) yield* rawTarBlocks({ path: `${options.top}/`, type: 'Directory' });
    for (let f = 0; f < files; f++) {
      const path = under(options.top, files === 1 ? 'bomb.bin' : `bomb-${f}.bin`);
      const h = Buffer.alloc(512);
      new Header({
        path,
        type: 'File',
        size,
        mode: 0o644,
        mtime: new Date('2024-01-01T00:00:00Z'),
        uid: 0,
        gid: 0,
      }).encode(h);
      yield h;
      for (let left = size; left > 0; left -= zeros.length)
        yield left >= zeros.length ? zeros : zeros.subarray(0, left);
      const pad = (512 - (size % 512)) % 512;
      if (pad) yield Buffer.alloc(pad);
    }
    yield Buffer.alloc(1024);
  }
  const gzip = createGzip();
  const [out] = await Promise.all([buffer(gzip), pipeline(Readable.from(tar()), gzip)]);
  return out;
}

/**
 * Files and folders asking for setuid, setgid and sticky bits: `bin/suid` (04755), `bin/sgid` (02755),
 * `bin/` itself (07755) and `shared/` (01777).
 */
export function setuidFileEntries(options: { readonly top?: string } = {}): RawEntry[] {
  const t = (p: string) => under(options.top, p);
  return [
    ...(options.top ? [{ path: `${options.top}/`, type: 'Directory' as const }] : []),
    { path: t('bin/'), type: 'Directory', mode: 0o7755 },
    { path: t('bin/suid'), body: '#!/bin/sh\nid\n', mode: 0o4755 },
    { path: t('bin/sgid'), body: '#!/bin/sh\nid\n', mode: 0o2755 },
    { path: t('shared/'), type: 'Directory', mode: 0o1777 },
    { path: t('shared/plain.txt'), body: 'plain', mode: 0o644 },
  ];
}

/** {@link setuidFileEntries} as a tar.gz. */
export function setuidFile(options: { readonly top?: string } = {}): Buffer {
  return rawTarGz(setuidFileEntries(options));
}

/**
 * A file whose name has one part of `bytes` bytes (300 by default, over the 255 every common Linux file system
 * allows), stored with a pax header as real tar tools do, between two ordinary files.
 */
export function longNameEntries(bytes = 300, options: { readonly top?: string } = {}): RawEntry[] {
  return [
    ...(options.top ? [{ path: `${options.top}/`, type: 'Directory' as const }] : []),
    { path: under(options.top, 'before.txt'), body: 'before' },
    { path: under(options.top, `${'n'.repeat(bytes - 4)}.txt`), body: 'long' },
    { path: under(options.top, 'after.txt'), body: 'after' },
  ];
}

/** {@link longNameEntries} as a tar.gz. */
export function longName(bytes = 300, options: { readonly top?: string } = {}): Buffer {
  return rawTarGz(longNameEntries(bytes, options));
}

/** A device file among ordinary files. */
export function deviceFile(options: { readonly top?: string } = {}): Buffer {
  return rawTarGz([
    { path: under(options.top, 'ok.txt'), body: 'ok' },
    { path: under(options.top, 'null'), type: 'CharacterDevice' },
  ]);
}

/** A FIFO among ordinary files. */
export function fifo(options: { readonly top?: string } = {}): Buffer {
  return rawTarGz([
    { path: under(options.top, 'ok.txt'), body: 'ok' },
    { path: under(options.top, 'pipe'), type: 'FIFO' },
  ]);
}
