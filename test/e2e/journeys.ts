// The end-to-end journeys, written once: journeys.spec.ts runs them in Chromium through the browser host,
// test/e2e-electron runs them in the desktop app wherever an Electron binary exists. Each area keeps its
// journeys in its own journeys-<area>.ts; the shared steps are in kit.ts.
import { accountsJourneys } from './journeys-accounts';
import { appJourneys } from './journeys-app';
import { copiesJourneys } from './journeys-copies';
import { coreJourneys } from './journeys-core';
import { dialogsJourneys } from './journeys-dialogs';
import { findJourneys } from './journeys-find';
import { mirrorJourneys } from './journeys-mirror';
import type { Journey } from './kit';

export type { JourneyContext } from './kit';
export { SCREENSHOTS_DIR } from './kit';

/** Every journey, by name. */
export const journeys: readonly Journey[] = [
  ...coreJourneys,
  ...copiesJourneys,
  ...dialogsJourneys,
  ...appJourneys,
  ...findJourneys,
  ...accountsJourneys,
  ...mirrorJourneys,
];
