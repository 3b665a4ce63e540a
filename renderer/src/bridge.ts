import type { LifeboatBridge } from '@shared/api/contract';

declare global {
  interface Window {
    /** The contract, exposed by the preload (desktop) or the browser host's client (web). */
    lifeboat?: LifeboatBridge;
  }
}

/** The bridge to the main side; throws a readable error when the page runs without one. */
export function bridge(): LifeboatBridge {
  if (!window.lifeboat) throw new Error('Lifeboat’s engine is not connected to this page.');
  return window.lifeboat;
}
