import { spawn } from 'node:child_process';

/** Opens a URL in the person's browser. Injectable, so tests can see exactly what would reach a command line. */
export type Opener = (url: string) => void;

/** The command and arguments that open `url` in the default browser on `platform`. */
export function browserCommand(
  url: string,
  platform: NodeJS.Platform = process.platform,
): [string, string[]] {
  if (platform === 'darwin') return ['open', [url]];
  if (platform === 'win32') return ['explorer', [url]];
  return ['xdg-open', [url]];
}

/** The system's opener: `xdg-open`, `open` or `explorer`, detached, errors ignored (the link is printed too). */
export const systemOpener: Opener = (url) => {
  const [command, args] = browserCommand(url);
  spawn(command, args, { stdio: 'ignore', detached: true })
    .on('error', () => undefined)
    .unref();
};

/**
 * Opens the browser host in the browser. Whatever goes to the opener ends up in a command line that every
 * local account can read (`ps`), so it gets a fresh one-time sign-in link and never the session itself: once
 * the browser has used the link, it is worth nothing.
 */
export function openHostInBrowser(host: { signInUrl(): string }, open: Opener = systemOpener): void {
  open(host.signInUrl());
}
