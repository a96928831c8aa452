import { useConnectionState } from '../app/realtime';
import type { ConnectionState } from '../realtime/RealtimeClient';

const TEXT: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  reconnected: 'Reconnected',
  stopped: 'Offline',
};

const HINT: Record<ConnectionState, string> = {
  connecting: 'Opening the live connection to the server',
  live: 'Statuses and run output update live',
  reconnecting: 'The live connection dropped; trying again (nothing is lost: runs resume where they stopped)',
  reconnected: 'The live connection is back; missed updates were fetched',
  stopped: 'Not connected',
};

/** The live connection's state in words (role=status, so a change is announced). */
export function ConnectionIndicator() {
  const state = useConnectionState();
  return (
    <span role="status" aria-label="Connection" className="connection" data-state={state} title={HINT[state]}>
      <span className="connection-dot" aria-hidden="true" />
      {TEXT[state]}
    </span>
  );
}
