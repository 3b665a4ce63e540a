import { createHash } from 'node:crypto';

/** A small, fast, seeded PRNG (mulberry32): the sandbox's content and fault rolls repeat run after run. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed from any string. */
export function seedOf(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32LE(0);
}

/** A stable UUID-shaped id derived from a name, so seeds give the same ids every run. */
export function uuidOf(name: string): string {
  const h = createHash('sha256').update(`lifeboat-sandbox:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Fills a buffer with pseudo-random bytes from a seed (xorshift128), about 1 GB/s: incompressible data
 * like the photos and PDFs that make up most of a real files archive.
 */
export function fillNoise(buf: Buffer, seed: number): void {
  // splitmix32 spreads the seed over all four words, so nearby seeds give unrelated streams
  // (plain xorshift seeded with n and n+1 starts out nearly alike, which gzip would find).
  let s = seed >>> 0;
  const mix = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let x = mix() | 1;
  let y = mix();
  let z = mix();
  let w = mix();
  const words = new Uint32Array(buf.buffer, buf.byteOffset, Math.floor(buf.length / 4));
  for (let i = 0; i < words.length; i++) {
    const t = x ^ (x << 11);
    x = y;
    y = z;
    z = w;
    w = w ^ (w >>> 19) ^ (t ^ (t >>> 8));
    words[i] = w;
  }
  for (let i = words.length * 4; i < buf.length; i++) buf[i] = (w = (w * 1103515245 + 12345) >>> 0) >>> 24;
}
