import { useEffect, useState } from 'react';
import { onUnauthorized } from '../api/api';
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

/**
 * The live connection's state in words (role=status, so a change is announced). A browser cannot see why a
 * WebSocket upgrade failed, so while the API answers 401 and the socket is down, the indicator says the token is
 * the reason instead of retrying silently.
 */
export function ConnectionIndicator() {
  const state = useConnectionState();
  const [refused, setRefused] = useState(false);
  useEffect(() => onUnauthorized(() => setRefused(true)), []);
  useEffect(() => {
    if (state === 'live' || state === 'reconnected') setRefused(false);
  }, [state]);
  const tokenNeeded = refused && state !== 'live' && state !== 'reconnected';
  return (
    <span
      role="status"
      aria-label="Connection"
      className="connection"
      data-state={tokenNeeded ? 'stopped' : state}
      title={tokenNeeded ? 'The server requires an API token: set it in Settings' : HINT[state]}
    >
      <span className="connection-dot" aria-hidden="true" />
      {tokenNeeded ? 'Token needed' : TEXT[state]}
    </span>
  );
}
