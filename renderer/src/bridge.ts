import type { LifeboatBridge } from '@shared/api/contract';
import { webSocketBridge } from './lib/ws-bridge';

declare global {
  interface Window {
    /** The contract, exposed by the preload (desktop) or set up here for the browser host. */
    lifeboat?: LifeboatBridge;
  }
}

let cached: LifeboatBridge | null = null;

/** The bridge to the main side: the preload's in the desktop app, a WebSocket to the browser host otherwise. */
export function bridge(): LifeboatBridge {
  if (cached) return cached;
  if (window.lifeboat) return (cached = window.lifeboat);
  // The browser host serves the page at its root and answers the WebSocket at /ws; the browser's cookie for
  // this run (set by the one-time sign-in link) is what lets both through.
  if (location.protocol === 'http:') return (cached = webSocketBridge(`ws://${location.host}/ws`));
  throw new Error('Lifeboat’s engine is not connected to this page.');
}
