import { create } from 'zustand';
import {
  accountsSlice,
  backupsSlice,
  copiesSlice,
  jobsSlice,
  mirrorSlice,
  settingsSlice,
  sitesSlice,
  uiSlice,
  updatesSlice,
} from './slices';
import type { Store } from './types';

/** The renderer's one store, made of typed slices. Select atomically; use useShallow for several fields. */
export const useStore = create<Store>()((...a) => ({
  ...accountsSlice(...a),
  ...sitesSlice(...a),
  ...backupsSlice(...a),
  ...jobsSlice(...a),
  ...copiesSlice(...a),
  ...mirrorSlice(...a),
  ...settingsSlice(...a),
  ...updatesSlice(...a),
  ...uiSlice(...a),
}));

export * from './types';
