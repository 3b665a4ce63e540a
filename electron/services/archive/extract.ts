import { isAbsolute, posix, resolve } from 'node:path';
import { Transform, type Readable, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar';
import { LifeboatError } from '../errors';
import { DISK_MARGIN, formatBytes, statfsFreeSpace, type FreeSpaceProbe } from '../transfer/disk';
import { entryNameProblem, foldName, namesFold } from '../paths/path-rules';
import { pathSelection } from './globs';
import { assertNoEscapingLinks, pathParts, TreeLinks } from './safe-path';

/** Options for extracting one tar.gz. */
export interface ExtractOptions {
  /** A person's name for the archive, for messages. */
  readonly label: string;
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  readonly signal?: AbortSignal;
  /** Called for each entry written, with its size. */
  readonly onEntry?: (path: string, size: number) => void;
  /** Free space at a path, checked as the extraction grows (default: statfs). */
  readonly freeSpace?: FreeSpaceProbe;
  /** Whose name rules the entries must meet (default: this system's; tests give another). */
  readonly platform?: NodeJS.Platform;
}

/**
 * A source that writes the archive's bytes into `into` itself (honouring `write`'s backpressure and callbacks) and
 * resolves once it wrote the last, or rejects; `into` is destroyed when the extraction stops early. It lets the
 * source reuse its buffers: a buffer's write callback means it was consumed.
 */
export type Feed = (into: Writable) => Promise<void>;

/** What an extraction wrote. */
export interface ExtractResult {
  readonly entries: number;
  readonly bytes: number;
}

const UNSAFE_TYPES = new Set(['CharacterDevice', 'BlockDevice', 'FIFO']);

/**
 * Why an entry may not be extracted into a folder, or null when it is safe. node-tar already strips absolute
 * paths and skips `..` with a warning; Lifeboat refuses the whole archive instead, so a hostile archive fails
 * loudly rather than half-extracting.
 */
export function unsafeEntryReason(path: string, type: string, linkpath: string | undefined): string | null {
  const p = path.replace(/\\/g, '/');
  if (isAbsolute(p) || /^[a-zA-Z]:/.test(p) || p.startsWith('/')) return `absolute path "${path}"`;
  if (p.split('/').includes('..')) return `path "${path}" climbs out with ".."`;
  if (UNSAFE_TYPES.has(type)) return `device or pipe "${path}" (${type})`;
  if (type === 'SymbolicLink' || type === 'Link') {
    const target = (linkpath ?? '').replace(/\\/g, '/');
    if (target === '') return `link "${path}" without a target`;
    if (target.startsWith('/') || /^[a-zA-Z]:/.test(target))
      return `link "${path}" points to the absolute path "${linkpath}"`;
    // Symlinks resolve from their own folder; hard links from the archive root.
    const base = type === 'SymbolicLink' ? posix.dirname(p) : '.';
    const resolved = posix.normalize(posix.join(base, target));
    if (resolved === '..' || resolved.startsWith('../'))
      return `link "${path}" points outside the archive ("${linkpath}")`;
  }
  return null;
}

/** Entry types node-tar writes; anything else (GNU sparse, volume labels…) is refused rather than dropped. */
const WRITABLE_TYPES = new Set([
  'File',
  'OldFile',
  'ContiguousFile',
  'Directory',
  'GNUDumpDir',
  'SymbolicLink',
  'Link',
]);

/** Longer than any path the kernel takes (PATH_MAX), and a bound on the work spent checking one. */
const MAX_PATH_BYTES = 4095;

/** How much may be written between two free-space probes. */
const SPACE_STEP = 64 * 1024 * 1024;

/** The file-system block that even a small file takes whole. */
const BLOCK = 4096;

/** An entry's path for messages, quoted, and shortened when it is absurdly long. */
function shown(path: string): string {
  const bytes = Buffer.byteLength(path);
  return bytes > 120 ? `"${path.slice(0, 60)}…${path.slice(-20)}" (${bytes} bytes)` : `"${path}"`;
}

/**
 * Keeps an extraction within the free space of its disk, as it grows: the space each entry declares is charged
 * before it is written (so a 300 KB archive claiming a 300 MiB file fails before writing it), and the disk is
 * probed again after every {@link SPACE_STEP} of tar stream or declared size, since parallel downloads and
 * other programs use the same disk. {@link DISK_MARGIN} is always left free. It sits in the pipeline between
 * gunzip and node-tar, so a probe holds the stream back rather than racing it.
 */
class SpaceGuard extends Transform {
  #free = 0;
  #probed = false;
  /** Space charged since the last probe, including what earlier entries still have to write. */
  #charged = 0;
  /** Tar bytes passed on since the last probe, and in all. */
  #streamed = 0;
  #pos = 0;
  /** Where, in the tar stream, the data of the entries seen so far ends (at most). */
  #dataEnd = 0;

  constructor(
    private readonly probe: FreeSpaceProbe,
    private readonly dest: string,
    private readonly label: string,
  ) {
    super();
  }

  /** Charges an entry about to be written; returns the error when it does not fit. */
  charge(size: number, directory: boolean): LifeboatError | null {
    this.#charged += directory ? BLOCK : Math.ceil(size / BLOCK) * BLOCK;
    this.#dataEnd = Math.max(this.#dataEnd, this.#pos + size);
    return this.#check();
  }

  #check(): LifeboatError | null {
    const room = this.#free - DISK_MARGIN;
    if (this.#charged <= room) return null;
    return new LifeboatError(
      'disk-full',
      `There is not enough disk space to extract ${this.label} in ${this.dest}: it needs at least ${formatBytes(this.#charged)} more, but only ${formatBytes(Math.max(0, this.#free))} is free and Lifeboat keeps ${formatBytes(DISK_MARGIN)} spare. Free some space or choose another folder.`,
      `charged=${this.#charged} free=${this.#free} margin=${DISK_MARGIN}`,
    );
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const pass = (): void => {
      this.#pos += chunk.length;
      this.#streamed += chunk.length;
      done(null, chunk);
    };
    if (this.#probed && this.#streamed < SPACE_STEP && this.#charged < SPACE_STEP) return pass();
    this.probe(this.dest).then((free) => {
      this.#probed = true;
      this.#free = free;
      this.#streamed = 0;
      // What entries already seen have yet to write still needs room.
      this.#charged = Math.max(0, this.#dataEnd - this.#pos);
      const full = this.#check();
      if (full) done(full);
      else pass();
    }, done);
  }
}

/**
 * Extracts a gzip'd tar stream into `dest` (a staging folder the caller owns), checking every entry first.
 * The gzip CRC and length are verified to the end; a truncated or corrupt stream is an `integrity` error.
 *
 * An archive is untrusted: besides the textual checks of {@link unsafeEntryReason}, the links it creates are
 * modelled in memory ({@link TreeLinks}) and resolved as the kernel would, so a chain such as `x/a -> ..`,
 * `x/b -> a/..` (which reads as "inside" but leads above the root) is refused before it is written, and so is
 * any entry that would be written through a link. node-tar's own on-disk checks stay on as a second line, its
 * warnings are errors (`strict`), and the finished tree is walked for escaping links once more.
 */
export async function extractTarGz(
  source: Readable | Feed,
  dest: string,
  options: ExtractOptions,
): Promise<ExtractResult> {
  const platform = options.platform ?? process.platform;
  const selection = pathSelection(options.include, options.exclude, platform);
  const filtering = (options.include?.length ?? 0) + (options.exclude?.length ?? 0) > 0;
  let fatal: LifeboatError | null = null;
  let entries = 0;
  let bytes = 0;
  let linked = false;
  const destRoot = resolve(dest);
  const links = new TreeLinks(namesFold(platform) ? foldName : undefined);
  const guard = new SpaceGuard(options.freeSpace ?? statfsFreeSpace, destRoot, options.label);
  const refuse = (reason: string): false => {
    fail(
      new LifeboatError(
        'hostile-archive',
        `${options.label} contains an unsafe entry (${reason}). Nothing from it was put in place.`,
      ),
    );
    return false;
  };
  const fail = (err: LifeboatError): false => {
    fatal ??= err;
    unpack.abort(err);
    return false;
  };
  const unpack = new tar.Unpack({
    cwd: destRoot,
    // Owners from a server mean nothing here; never chown, even as root.
    preserveOwner: false,
    // Every warning is fatal: node-tar reports a failed write (ENOSPC, ENAMETOOLONG…) or an entry it refused as
    // a warning and carries on, which would leave a truncated or missing file in a tree that looks complete.
    strict: true,
    filter: (path, entry) => {
      if (fatal) return false;
      const e = entry as tar.ReadEntry;
      const reason = unsafeEntryReason(path, e.type, e.linkpath);
      if (reason) return refuse(reason);
      if (path.includes('\0') || e.linkpath?.includes('\0'))
        return refuse(`a name with a NUL byte ${shown(path)}`);
      if (Buffer.byteLength(path) > MAX_PATH_BYTES || Buffer.byteLength(e.linkpath ?? '') > MAX_PATH_BYTES)
        return refuse(`the name ${shown(path)} is too long for this file system`);
      if (!WRITABLE_TYPES.has(e.type)) {
        return fail(
          new LifeboatError(
            'integrity',
            `${options.label} holds an entry of a kind Lifeboat cannot extract (${shown(path)}, ${e.type}). Nothing from it was put in place.`,
          ),
        );
      }
      if (!selection.keeps(path)) return false;
      // After the selection: a name left out by include/exclude is no obstacle.
      const badName = entryNameProblem(path.replace(/\\/g, '/'), platform);
      if (badName) {
        return fail(
          new LifeboatError(
            'io',
            `${options.label} holds ${shown(path)}, which cannot be extracted on this system: ${badName}. Nothing from it was put in place; leave that path out (exclude) or restore on macOS or Linux.`,
          ),
        );
      }
      const key = pathParts(path).join('/');
      if (key !== '') {
        const through = links.linkOnPath(key);
        if (through) return refuse(`${shown(path)} would be written through the link "${through}"`);
        if (e.type === 'SymbolicLink') {
          linked = true;
          const why = links.addSymlink(key, String(e.linkpath));
          if (why) return refuse(why);
        } else {
          if (e.type === 'Link') {
            linked = true;
            const target = pathParts(String(e.linkpath)).join('/');
            // A hard link to a file left out by include/exclude has nothing to link to; leave it out too.
            if (filtering && !selection.keeps(target)) return false;
            const via = links.linkOnPath(target);
            if (via) return refuse(`hard link ${shown(path)} goes through the link "${via}"`);
            // A hard link to a symlink is a second symlink whose relative target is read from somewhere else.
            if (links.isLink(target))
              return refuse(`hard link ${shown(path)} to the symbolic link "${target}"`);
          }
          const why = links.setPlain(key);
          if (why) return refuse(why);
        }
      }
      // setuid, setgid and sticky bits from a server are never restored.
      if (typeof e.mode === 'number') e.mode &= 0o777;
      const size =
        e.type === 'File' || e.type === 'OldFile' || e.type === 'ContiguousFile' ? (e.size ?? 0) : 0;
      const full = guard.charge(size, e.type === 'Directory');
      if (full) return fail(full);
      entries++;
      selection.wrote(path, e.type === 'Directory');
      bytes += e.size ?? 0;
      options.onEntry?.(path, e.size ?? 0);
      return true;
    },
  });
  // Half a MiB per inflate step: as fast as 1 MiB here, and eight extractions at once (the mirror's case) keep
  // some 30 MiB less in flight.
  const gunzip = createGunzip({ chunkSize: 512 << 10 });
  // A feed writes into gunzip itself; whatever stops the pipeline stops it too (gunzip is destroyed).
  const fed =
    typeof source === 'function'
      ? source(gunzip).then(
          () => void (gunzip.destroyed || gunzip.end()),
          (e: unknown) => void gunzip.destroy(e as Error),
        )
      : null;
  try {
    if (fed) await pipeline(gunzip, guard, unpack, { signal: options.signal });
    else await pipeline(source as Readable, gunzip, guard, unpack, { signal: options.signal });
  } catch (e) {
    await fed;
    // Let the writes node-tar had already started land before the caller cleans the folder up.
    await writesSettled(unpack);
    if (options.signal?.aborted)
      throw new LifeboatError('cancelled', `Extracting ${options.label} was cancelled.`);
    throw fatal ?? tarError(e, options.label, destRoot, platform);
  }
  await fed;
  if (fatal) throw fatal;
  // Defence in depth: whatever the model above missed, no link in the tree may lead outside it. Only links
  // from the archive can be there, so an archive without any skips the walk.
  if (linked) {
    try {
      await assertNoEscapingLinks(destRoot);
    } catch (e) {
      if (e instanceof LifeboatError)
        throw new LifeboatError('hostile-archive', `${options.label} contains an unsafe entry: ${e.message}`);
      throw e;
    }
  }
  // Only now is every entry known (a tar.gz has no index), and a damaged or hostile archive was reported first.
  const unmatched = selection.unmatched(options.label);
  if (unmatched) throw unmatched;
  return { entries, bytes };
}

/**
 * Waits (at most 5 s) until node-tar has no file operation in flight. A failed or aborted extraction rejects at
 * once while writes it had started still complete, and a cleanup running meanwhile meets ENOTEMPTY or leaves
 * their files behind. node-tar keeps the count under a private symbol; when a version has none, nothing waits.
 */
async function writesSettled(unpack: tar.Unpack): Promise<void> {
  const pending = Object.getOwnPropertySymbols(unpack).find((s) => s.description === 'pending');
  if (!pending) return;
  const count = (): number => Number((unpack as unknown as Record<symbol, unknown>)[pending]) || 0;
  for (let waited = 0; count() > 0 && waited < 5000; waited += 10)
    await new Promise((r) => setTimeout(r, 10));
}

/** A failure from gunzip or node-tar as the engine's error, naming the archive (and the entry, when known). */
export function tarError(
  e: unknown,
  label: string,
  dest: string,
  platform: NodeJS.Platform = process.platform,
): unknown {
  if (e instanceof LifeboatError) return e;
  const err = e as NodeJS.ErrnoException & { tarCode?: string; entry?: { path?: string; type?: string } };
  const entry = err.entry?.path;
  const what = entry ? shown(entry) : 'an entry';
  const message = String(err.message ?? e);
  if (err.code === 'ENOSPC' || err.code === 'EDQUOT') {
    return new LifeboatError(
      'disk-full',
      `The disk filled up while extracting ${label} (writing ${what} into ${dest}). Free some space and try again.`,
      message,
      { cause: e },
    );
  }
  if (err.code === 'ENAMETOOLONG') {
    return new LifeboatError(
      'hostile-archive',
      `${label} contains an unsafe entry (the name ${what} is too long for this file system). Nothing from it was put in place.`,
      message,
      { cause: e },
    );
  }
  if (err.code === 'EPERM' && platform === 'win32' && err.entry?.type === 'SymbolicLink') {
    return new LifeboatError(
      'io',
      `Could not make the symbolic link ${what} of ${label} in ${dest}: Windows lets only an administrator, or an account with Developer Mode on (Settings > System > For developers), make symbolic links. Turn Developer Mode on and try again. Nothing from it was put in place.`,
      message,
      { cause: e },
    );
  }
  // The system's own refusals first: their messages name the call ("symlink"), which is no sign of a hostile
  // entry (a USB disk formatted exFAT refuses every link).
  if (err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS' || err.code === 'EIO') {
    return new LifeboatError('io', `Could not write ${what} of ${label} into ${dest}: ${message}.`, message, {
      cause: e,
    });
  }
  if (
    err.code === 'TAR_SYMLINK_ERROR' ||
    err.code === 'ELOOP' ||
    (err.tarCode === 'TAR_ENTRY_ERROR' && /escape|symlink|\.\.|deep/i.test(message))
  ) {
    return new LifeboatError(
      'hostile-archive',
      `${label} contains an unsafe entry (${what}: ${message}). Nothing from it was put in place.`,
      message,
      { cause: e },
    );
  }
  if (
    err.code === 'Z_DATA_ERROR' ||
    err.code === 'Z_BUF_ERROR' ||
    err.code === 'TAR_BAD_ARCHIVE' ||
    err.tarCode === 'TAR_ENTRY_INVALID' ||
    err.tarCode === 'TAR_BAD_ARCHIVE' ||
    /unexpected end|incorrect header|invalid|checksum|truncated/i.test(message)
  ) {
    return new LifeboatError(
      'integrity',
      `${label} is damaged (${message}). The download did not match what Pantheon stored; try again or pick another backup.`,
      message,
      { cause: e },
    );
  }
  if (err.tarCode) {
    // Any other entry that could not be written (a hard link to nothing, a link over a full folder…).
    return new LifeboatError(
      'integrity',
      `${label} could not be extracted: ${what} failed (${message}). Nothing from it was put in place.`,
      message,
      { cause: e },
    );
  }
  return e;
}

/** One entry of an archive listing. */
export interface ArchiveEntry {
  readonly path: string;
  readonly type: 'file' | 'directory' | 'link' | 'other';
  readonly size: number;
}

/** Lists a tar.gz without extracting it (for the folder picker). */
export async function listTarGz(source: Readable, signal?: AbortSignal): Promise<ArchiveEntry[]> {
  const out: ArchiveEntry[] = [];
  const parser = new tar.Parser({
    onReadEntry: (e) => {
      const type =
        e.type === 'Directory'
          ? 'directory'
          : e.type === 'File' || e.type === 'OldFile'
            ? 'file'
            : e.type.endsWith('Link')
              ? 'link'
              : 'other';
      out.push({ path: e.path.replace(/\/+$/, ''), type, size: e.size ?? 0 });
      e.resume();
    },
  });
  try {
    await pipeline(source, createGunzip({ chunkSize: 1 << 20 }), parser, { signal });
  } catch (e) {
    if (signal?.aborted) throw new LifeboatError('cancelled', 'Listing cancelled.');
    throw new LifeboatError('integrity', `The archive could not be read (${(e as Error).message}).`);
  }
  return out;
}
