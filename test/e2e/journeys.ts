// The end-to-end journeys, written once: journeys.spec.ts runs them in Chromium through the browser host,
// test/e2e-electron runs them in the desktop app wherever an Electron binary exists. Each area keeps its
// journeys in its own journeys-<area>.ts; the shared steps are in kit.ts.
import { coreJourneys } from './journeys-core';
import type { Journey } from './kit';

export type { JourneyContext } from './kit';
export { SCREENSHOTS_DIR } from './kit';

/** Every journey, by name. */
export const journeys: readonly Journey[] = [...coreJourneys];
