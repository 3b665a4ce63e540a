import { bridge } from './bridge';
import { useStore } from './store';

/** The one place main-side events reach the store; components never subscribe to the bridge themselves. */
export function subscribeEvents(): () => void {
  const b = bridge();
  const offs = [
    b.on('jobs.updated', ({ job }) => {
      const before = useStore.getState().jobs[job.id];
      useStore.getState().upsertJob(job);
      if (before?.state === 'running' && job.state === 'succeeded')
        useStore.getState().toast('success', `${job.title}: done.`);
      if (before?.state === 'running' && job.state === 'failed')
        useStore.getState().toast('error', `${job.title}: ${job.error?.message ?? 'failed'}`);
      // A finished backup changes the catalog: refresh the environment it belongs to.
      if (job.kind === 'create-backup' && job.state === 'succeeded') {
        const s = useStore.getState();
        for (const id of Object.keys(s.backups))
          void s.loadBackups(id.slice(0, id.lastIndexOf('/')) as never, id.slice(id.lastIndexOf('/') + 1));
      }
    }),
    b.on('accounts.changed', () => {
      void useStore.getState().loadAccounts();
    }),
    // The whole list, as it is now; the view asks about newer backups itself, when it opens.
    b.on('copies.changed', ({ copies }) => useStore.getState().setCopies(copies)),
    b.on('settings.changed', ({ settings }) => useStore.getState().setSettings(settings)),
    b.on('mirror.changed', ({ profile }) => useStore.getState().setMirrorProfile(profile)),
    b.on('updates.changed', ({ update }) => useStore.getState().setUpdate(update)),
  ];
  return () => offs.forEach((off) => off());
}
