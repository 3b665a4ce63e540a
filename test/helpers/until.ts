/**
 * Polls `probe` every `everyMs` until it returns something, failing after `ms`: a bound on a wait, not a timing
 * assertion.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  ms: number,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
