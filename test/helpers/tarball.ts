import { gzipSync } from 'node:zlib';
import { Header, Pax } from 'tar';

/** One raw tar entry, including kinds a well-behaved tar tool would never write. */
export interface RawEntry {
  readonly path: string;
  readonly type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice' | 'BlockDevice' | 'FIFO';
  readonly body?: string;
  readonly linkpath?: string;
  /** Permission bits, setuid and friends included (default 0o755 for folders, 0o644 otherwise). */
  readonly mode?: number;
}

/**
 * The tar blocks of one raw entry: a pax header first when the path or link target does not fit the ustar
 * fields (a name part over 100 bytes, say), then the header, then the body padded to 512 bytes.
 */
export function rawTarBlocks(e: RawEntry): Buffer[] {
  const blocks: Buffer[] = [];
  const body = Buffer.from(e.body ?? '');
  const type = e.type ?? 'File';
  const fields = {
    path: e.path,
    type,
    size: type === 'File' ? body.length : 0,
    mode: e.mode ?? (type === 'Directory' ? 0o755 : 0o644),
    mtime: new Date('2024-01-01T00:00:00Z'),
    uid: 0,
    gid: 0,
    ...(e.linkpath ? { linkpath: e.linkpath } : {}),
  };
  const block = Buffer.alloc(512);
  if (new Header(fields).encode(block, 0)) blocks.push(new Pax(fields).encode());
  blocks.push(block);
  if (type === 'File' && body.length) {
    const padded = Buffer.alloc(Math.ceil(body.length / 512) * 512);
    body.copy(padded);
    blocks.push(padded);
  }
  return blocks;
}

/** Builds a tar.gz byte for byte from raw entries, so tests can make hostile archives. */
export function rawTarGz(entries: readonly RawEntry[]): Buffer {
  const blocks = entries.flatMap(rawTarBlocks);
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}
