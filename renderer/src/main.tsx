import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { bridge } from './bridge';
import { subscribeEvents } from './events';
import { useStore } from './store';
import './styles.css';

async function start(): Promise<void> {
  const s = useStore.getState();
  subscribeEvents();
  const info = await bridge().system.info();
  if (info.ok) s.setNativeShell(info.value.native);
  await Promise.all([s.loadAccounts(), s.loadSettings(), s.loadJobs()]);
  if ((useStore.getState().accounts.data?.length ?? 0) > 0) await s.loadSites(false);
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
void start();
