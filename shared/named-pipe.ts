/**
 * A Windows named pipe to a local MySQL or MariaDB server, one rule for the engine, the CLI and the Settings
 * form. A person may write the pipe's full path on this computer (`\\.\pipe\MySQL`, as the server's `socket`
 * setting and most documentation show it) or its name alone (`MySQL`). Both clients (libmysqlclient and MariaDB
 * Connector/C) open `\\<host>\pipe\<--socket>` themselves, so what reaches them is the name alone.
 */

/**
 * The local pipe namespace: `\\.\pipe\` as Windows spells it, or `\\?\pipe\` (the same pipes, unparsed), with
 * either separator (`//./pipe/MySQL`, which Windows reads as `\\.\pipe\MySQL`); in any case, as Windows ignores it.
 */
const LOCAL_PREFIX = /^[\\/]{2}[.?][\\/]pipe[\\/]/i;

/** A pipe through a server's name (`\\server\pipe\x`), with either separator: the server and the pipe's name. */
const SERVER_PIPE = /^[\\/]{2}([^\\/]+)[\\/]pipe[\\/](.*)$/i;

/**
 * Names of this computer in a pipe's path: the same pipes, but reached through the network redirector (SMB), which
 * MySQL's and MariaDB's clients do not take for a local connection.
 */
const THIS_COMPUTER = /^(?:localhost|127(?:\.\d{1,3}){3}|::1|0--1\.ipv6-literal\.net)$/i;

/** Windows' limit on a pipe's whole path, `\\.\pipe\` included. */
const MAX_PIPE_PATH = 256;

/** How a named pipe is written, for messages. */
const FORMS = 'give it as \\\\.\\pipe\\NAME (for example \\\\.\\pipe\\MySQL) or as its NAME alone';

/**
 * Why `value` is not a named pipe Lifeboat can connect through, or null: empty, a pipe on another computer
 * (`\\server\pipe\x`) or on this one through the network (`\\localhost\pipe\x`), another kind of path (a Unix
 * socket's `/run/...`), a name with a backslash, a slash or a control character, one Windows would read as no
 * name (`.`, `..`: its path handling drops trailing dots and spaces), or longer than Windows allows.
 */
export function namedPipeProblem(value: string): string | null {
  const v = value.trim();
  if (v === '') return `A named pipe cannot be empty: ${FORMS}.`;
  const name = v.replace(LOCAL_PREFIX, '');
  const server = name === v ? SERVER_PIPE.exec(v) : null;
  if (server && THIS_COMPUTER.test(server[1] ?? ''))
    return `"${v}" reaches a pipe on this computer through the network, which the database client does not take for a local one: use \\\\.\\pipe\\${server[2] || 'NAME'} (a pipe on this computer) instead of ${v}.`;
  if (server)
    return `"${v}" is a pipe on another computer; Lifeboat connects only to a server on this one: ${FORMS}.`;
  // Windows drops a name's trailing dots and spaces, so `\\.\pipe\..` would be the pipe folder itself.
  if (/^[. ]*$/.test(name)) return `"${v}" names no pipe: ${FORMS}.`;
  // eslint-disable-next-line no-control-regex
  if (/[\\/\u0000-\u001f]/.test(name)) return `"${v}" is not a named pipe: ${FORMS}.`;
  if (`\\\\.\\pipe\\${name}`.length > MAX_PIPE_PATH)
    return `"${v}" is longer than a named pipe can be (${MAX_PIPE_PATH} characters with \\\\.\\pipe\\).`;
  return null;
}

/** The pipe's name alone (`MySQL` for `\\.\pipe\MySQL`), as the clients' `--socket` takes it. Validate first. */
export const pipeName = (value: string): string => value.trim().replace(LOCAL_PREFIX, '');

/** The pipe's full local path (`\\.\pipe\MySQL`), for messages. */
export const pipePath = (value: string): string => `\\\\.\\pipe\\${pipeName(value)}`;
