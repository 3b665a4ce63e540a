import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';

/** One loopback TCP connection as the server sees it. */
export interface ConnectionEnds {
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
}

/** An IPv4 address the way /proc/net/tcp prints it: the raw 32-bit value in host byte order, 8 hex digits. */
function procHex(ip: string, littleEndian: boolean): string | null {
  const parts = ip.replace(/^::ffff:/, '').split('.');
  if (parts.length !== 4) return null;
  const bytes = parts.map(Number);
  if (bytes.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) return null;
  if (littleEndian) bytes.reverse();
  return bytes
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
}

const portHex = (port: number): string => port.toString(16).padStart(4, '0').toUpperCase();

/**
 * The uid owning the client end of a loopback connection, read from a /proc/net/tcp table: the row whose local
 * end is the connection's remote end and whose remote end is our local end. `undefined` when there is no such
 * row (the client is gone, or is not on this machine's loopback).
 */
export function peerUidFromTable(
  table: string,
  ends: ConnectionEnds,
  littleEndian = endianness() === 'LE',
): number | undefined {
  const { localAddress, localPort, remoteAddress, remotePort } = ends;
  if (!localAddress || !remoteAddress || localPort === undefined || remotePort === undefined)
    return undefined;
  const ours = procHex(localAddress, littleEndian);
  const theirs = procHex(remoteAddress, littleEndian);
  if (!ours || !theirs) return undefined;
  const clientEnd = `${theirs}:${portHex(remotePort)}`;
  const serverEnd = `${ours}:${portHex(localPort)}`;
  for (const line of table.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[1] === clientEnd && f[2] === serverEnd) {
      const uid = Number(f[7]);
      return Number.isInteger(uid) ? uid : undefined;
    }
  }
  return undefined;
}

/**
 * Whether a connection to the browser host comes from a process of the user running it. On Linux the kernel
 * says which uid owns the connecting socket (/proc/net/tcp), so other local accounts are turned away before
 * they send a byte, whatever they may have learnt (a one-time link seen in `ps`, a cookie). Where that table
 * does not exist (macOS, Windows) the check cannot be made and the answer is "unknown": the cookie and the
 * other checks remain the protection there.
 */
export function sameUserPeer(
  ends: ConnectionEnds,
  options: { readonly table?: () => string | null; readonly uid?: number | undefined } = {},
): 'same' | 'other' | 'unknown' {
  const uid = options.uid ?? process.getuid?.();
  if (uid === undefined) return 'unknown';
  let table: string | null;
  try {
    table = options.table ? options.table() : readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return 'unknown';
  }
  if (table === null) return 'unknown';
  const owner = peerUidFromTable(table, ends);
  return owner === uid ? 'same' : 'other';
}
