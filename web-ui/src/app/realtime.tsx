import { createContext, useContext, useEffect, useMemo, useRef, useSyncExternalStore, type ReactNode } from 'react';
import { RealtimeClient, realtimeUrl, type ConnectionState } from '../realtime/RealtimeClient';
import { onPrefsChange, prefs, TOKEN_KEY } from './prefs';

const RealtimeContext = createContext<RealtimeClient | null>(null);

/** One socket for the app, started on mount, restarted when the API token changes. */
export function RealtimeProvider({ children }: { children: ReactNode }) {
  const client = useMemo(
    () => new RealtimeClient({ url: () => realtimeUrl(window.location, prefs.token()) }),
    [],
  );
  useEffect(() => {
    client.start();
    const offPrefs = onPrefsChange((key) => {
      if (key === TOKEN_KEY) client.restart();
    });
    const wake = () => client.reconnectNow();
    const onVisible = () => {
      if (document.visibilityState === 'visible') wake();
    };
    window.addEventListener('online', wake);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      offPrefs();
      window.removeEventListener('online', wake);
      document.removeEventListener('visibilitychange', onVisible);
      client.stop();
    };
  }, [client]);
  return <RealtimeContext.Provider value={client}>{children}</RealtimeContext.Provider>;
}

export function useRealtime(): RealtimeClient {
  const client = useContext(RealtimeContext);
  if (!client) throw new Error('useRealtime outside RealtimeProvider');
  return client;
}

export function useConnectionState(): ConnectionState {
  const client = useRealtime();
  return useSyncExternalStore(
    (onChange) => client.onState(onChange),
    () => client.state,
  );
}

/**
 * Calls `listener` when a task changes on the server (any task, or only `taskId`), and after every reconnect (a
 * change may have been missed while away).
 */
export function useTaskChanges(listener: (taskId: string | null) => void, taskId?: string): void {
  const client = useRealtime();
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => {
    const offChanges = client.onTasksChanged((changed) => {
      if (!taskId || changed === null || changed === taskId) ref.current(changed);
    });
    const offReconnect = client.onReconnect(() => ref.current(null));
    return () => {
      offChanges();
      offReconnect();
    };
  }, [client, taskId]);
}
