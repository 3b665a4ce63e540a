import type { ErrorCode } from '@shared/result';

/** The CLI's exit codes: stable, so scripts can branch on them (README lists them). */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  auth: 3,
  notFound: 4,
  network: 5,
  integrity: 6,
  conflict: 7,
  diskFull: 8,
  refused: 9,
  database: 10,
  /** git or the database client is not there, or the path given for it does not run. */
  missingTool: 11,
  cancelled: 130,
} as const;

/** The exit code for an error code. */
export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'invalid-request':
      return EXIT.usage;
    case 'invalid-token':
    case 'not-logged-in':
    case 'session-expired':
    case 'keychain-unavailable':
      return EXIT.auth;
    case 'not-found':
      return EXIT.notFound;
    case 'network':
    case 'server':
    case 'timeout':
    case 'rate-limited':
      return EXIT.network;
    case 'integrity':
    case 'hostile-archive':
      return EXIT.integrity;
    case 'conflict':
      return EXIT.conflict;
    case 'disk-full':
      return EXIT.diskFull;
    case 'frozen':
    case 'forbidden':
    case 'workflow-failed':
      return EXIT.refused;
    case 'database':
      return EXIT.database;
    case 'missing-tool':
      return EXIT.missingTool;
    case 'cancelled':
      return EXIT.cancelled;
    default:
      return EXIT.error;
  }
}
