/** Bytes for people: 1.5 GB, 340 MB, 12 kB (decimal units, as file managers show them). */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${Math.round(n)} bytes` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** `code`, `code and files`, `code, files and database`: a list in a sentence. */
export function andList(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}
