import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';

/** The object hashes the archive storage announces (GCS `x-goog-hash`), each as its digest's base64. */
export interface ObjectHashes {
  readonly crc32c?: string;
  readonly md5?: string;
}

/** Digest sizes in bytes: a value that does not decode to exactly this many bytes is not that hash. */
const DIGEST_BYTES = { crc32c: 4, md5: 16 } as const;
type Algorithm = keyof typeof DIGEST_BYTES;

/** Canonical base64 (with its padding) of exactly `bytes` bytes, or null. */
function digestOf(value: string, bytes: number): string | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) || value.length % 4 !== 0) return null;
  const raw = Buffer.from(value, 'base64');
  return raw.length === bytes && raw.toString('base64') === value ? value : null;
}

/**
 * Reads `x-goog-hash` tolerantly, as GCS may send it: once with both values comma-separated, or twice (Node joins
 * repeated headers with ", "), in any order. Unknown algorithms are ignored; a value that is not base64 of the
 * right size is ignored, and so is an algorithm named twice with two different values: the download then falls
 * back to the other hash or to inflating the archive, never to trusting a value it cannot read.
 */
export function parseGoogHash(header: string | readonly string[] | undefined): ObjectHashes {
  const seen: Partial<Record<Algorithm, string | null>> = {};
  const parts = (typeof header === 'string' ? [header] : (header ?? [])).flatMap((h) => h.split(','));
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    if (name !== 'crc32c' && name !== 'md5') continue;
    const value = digestOf(part.slice(eq + 1).trim(), DIGEST_BYTES[name]);
    if (value === null) continue;
    const before = seen[name];
    seen[name] = before === undefined || before === value ? value : null;
  }
  return {
    ...(seen.crc32c ? { crc32c: seen.crc32c } : {}),
    ...(seen.md5 ? { md5: seen.md5 } : {}),
  };
}

type Crc32c = (input: Buffer, initialState?: number) => number;
let nativeCrc: Crc32c | null | undefined;

/**
 * The native CRC32C (@node-rs/crc32, hardware-accelerated), loaded on first use. A platform it has no binary
 * for gets null: downloads then check the MD5 when there is one, or inflate the archive as before.
 */
function crc32cImpl(): Crc32c | null {
  if (nativeCrc === undefined) {
    try {
      nativeCrc = (createRequire(import.meta.url)('@node-rs/crc32') as { crc32c: Crc32c }).crc32c;
    } catch {
      nativeCrc = null;
    }
  }
  return nativeCrc;
}

/** Which announced hash a download can check: CRC32C (fast) when there is one, else MD5, else none. */
export function checkableHash(hashes: ObjectHashes): { algorithm: Algorithm; expected: string } | null {
  if (hashes.crc32c && crc32cImpl()) return { algorithm: 'crc32c', expected: hashes.crc32c };
  if (hashes.md5) return { algorithm: 'md5', expected: hashes.md5 };
  return null;
}

/** Hashes the bytes of a download in order, for one algorithm, as `checkableHash` picked it. */
export class RunningHash {
  private crc = 0;
  private readonly md5: Hash | null;
  private readonly crcFn: Crc32c | null;

  constructor(readonly algorithm: Algorithm) {
    this.crcFn = algorithm === 'crc32c' ? crc32cImpl() : null;
    if (algorithm === 'crc32c' && !this.crcFn) throw new Error('CRC32C is not available on this platform.');
    this.md5 = algorithm === 'md5' ? createHash('md5') : null;
  }

  update(buf: Buffer): void {
    if (this.crcFn) this.crc = this.crcFn(buf, this.crc);
    else this.md5!.update(buf);
  }

  /** Adds the first `length` bytes of a file (a `.part` being resumed). */
  async updateFromFile(path: string, length: number): Promise<void> {
    if (length <= 0) return;
    const stream = createReadStream(path, { start: 0, end: length - 1, highWaterMark: 1 << 20 });
    let read = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      this.update(chunk);
      read += chunk.length;
    }
    if (read !== length) throw new Error(`The .part has ${read} bytes, not the ${length} expected.`);
  }

  /** The digest in the storage's form: base64, CRC32C big-endian. Ends an MD5. */
  digest(): string {
    if (this.md5) return this.md5.digest('base64');
    const be = Buffer.alloc(4);
    be.writeUInt32BE(this.crc >>> 0);
    return be.toString('base64');
  }
}
