import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { subscribeEvents } from './events';
import { hydrate, keepSnapshot, loadAll } from './start';
import './styles.css';

// The first render already has the site list this window showed last; the engine's answers replace it.
const snapshot = hydrate();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
subscribeEvents();
void loadAll(snapshot).then(() => keepSnapshot(snapshot));
