/** jsdom has no matchMedia; the app follows the system theme through it. This one says light, and never changes. */
export function stubMatchMedia(): void {
  window.matchMedia = ((media: string) => ({
    matches: false,
    media,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
  })) as unknown as typeof window.matchMedia;
}
