/**
 * Redaction for anything that may reach a log, an error message or the renderer. Machine tokens and
 * sessions are registered as they become known; signed URLs lose their query string wherever they appear.
 */
const secrets = new Set<string>();

/** Registers a secret value (machine token, session) so `redact` hides it from then on. */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 8) secrets.add(value);
}

/** Forgets a secret (an account was removed). */
export function forgetSecret(value: string): void {
  secrets.delete(value);
}

const SIGNED_QUERY =
  /(https?:\/\/[^\s?"'<>]+)\?[^\s"'<>]*(?:Signature|X-Goog-Signature|X-Amz-Signature|Expires)=[^\s"'<>]*/gi;
const BEARER = /(Bearer\s+)[^\s"',]+/gi;
const SESSION_SHAPE =
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[0-9a-f-]{36}:[A-Za-z0-9_-]+/gi;

/** Returns `text` with registered secrets, bearer values, session-shaped strings and signed-URL queries removed. */
export function redact(text: string): string {
  let out = text
    .replace(SIGNED_QUERY, '$1?[signature redacted]')
    .replace(BEARER, '$1[redacted]')
    .replace(SESSION_SHAPE, '[session redacted]');
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
  return out;
}
