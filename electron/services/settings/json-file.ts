import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LifeboatError } from '../errors';

/**
 * A JSON document on disk, written atomically (temp file + rename) with owner-only permissions, so a crash
 * mid-write never leaves a half-written settings file. Writes are serialized.
 */
export class JsonFile<T> {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly fallback: () => T,
  ) {}

  /** The document, or the fallback when the file does not exist yet. A corrupt file is an `io` error naming it. */
  async read(): Promise<T> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return this.fallback();
      throw new LifeboatError('io', `Could not read ${this.path}: ${(e as Error).message}`);
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new LifeboatError('io', `${this.path} is not valid JSON. Fix or delete it, then try again.`);
    }
  }

  /** Replaces the document. */
  write(value: T): Promise<void> {
    return this.enqueue(() => this.writeNow(value));
  }

  /** Reads, changes and writes the document as one step: concurrent updates never lose each other's changes. */
  update(change: (value: T) => T): Promise<T> {
    return this.enqueue(async () => {
      const next = change(await this.read());
      await this.writeNow(next);
      return next;
    });
  }

  private enqueue<R>(step: () => Promise<R>): Promise<R> {
    const run = this.queue.then(step);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async writeNow(value: T): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
      await rename(tmp, this.path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }
}
