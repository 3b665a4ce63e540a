/** One scripted API failure: the next `times` requests matching `method` and `path` get `status`. */
export interface ScriptedFault {
  readonly method?: string;
  /** A substring of the request path (after /api/). */
  readonly path: string;
  readonly status: number;
  times: number;
  /** Response body; a JSON string by default, as Pantheon's error bodies are. */
  readonly body?: string;
  readonly retryAfterSeconds?: number;
  /** Destroy the connection instead of answering (a transport error). */
  readonly hangUp?: boolean;
  /**
   * Lie in wait until a workflow of this type (e.g. `do_export`) has finished, then apply: so a test can fail the
   * read that follows a backup (the catalog answering 404 just after the workflow finished) whatever came before.
   */
  readonly afterWorkflow?: string;
}

/** Faults of the API side, set per run. */
export interface ApiFaults {
  /** Share of API requests (0..1) answered 503. */
  readonly errorRate?: number;
  /** Share of API requests (0..1) answered 429 with Retry-After. */
  readonly rateLimitRate?: number;
  readonly retryAfterSeconds?: number;
  /** Delay before every API response. */
  readonly slowMs?: number;
  /** Seed for the rate rolls, so a run repeats. */
  readonly seed?: number;
  readonly script?: ScriptedFault[];
}

/** Faults of the archive store, set per run. */
export interface StoreFaults {
  /** Cut the connection after this many body bytes (or a seeded random count in [min, max]). */
  readonly dropAfterBytes?: number | readonly [number, number];
  /** How many responses are cut before the store behaves again; unlimited when absent. */
  dropTimes?: number;
  readonly throttleBytesPerSecond?: number;
  /** Signed URLs stop working this long after they were issued, whatever their Expires says. */
  readonly expireUrlsAfterMs?: number;
  /** Serve only the first 60% of the archive, as a complete (but short) object. */
  readonly truncate?: boolean;
  /** Flip one byte in the middle of the archive. */
  readonly corrupt?: boolean;
  /** Serve archives as composite objects: `x-goog-hash` has a crc32c but no md5, and the ETag is no MD5. */
  readonly composite?: boolean;
  /** Send no `x-goog-hash` at all (a store or proxy that does not), so clients fall back to their own checks. */
  readonly withoutHash?: boolean;
  /** Limit the store faults to archives whose file name contains this (or any of these: a mirror's failing sites). */
  readonly match?: string | readonly string[];
  readonly seed?: number;
}

/** Faults of workflows. */
export interface WorkflowFaults {
  /** Make the next do_export fail with this reason. */
  readonly failExportWith?: string;
}

/** Every fault kind the sandbox can inject. */
export interface Faults {
  readonly api?: ApiFaults;
  readonly store?: StoreFaults;
  readonly workflow?: WorkflowFaults;
}
