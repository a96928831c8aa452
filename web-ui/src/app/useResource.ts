import { useCallback, useEffect, useRef, useState } from 'react';
import { toApiError, type ApiError } from '../api/client';

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | null;
  /** True until the first answer (or error) for the current key. */
  loading: boolean;
  /** True while any fetch is under way, refreshes included. */
  fetching: boolean;
  reload: () => void;
}

/**
 * Loads data for a key and reloads it on demand. A refresh keeps showing the previous data (no flash of a
 * loading state); answers to an older key or an older reload are ignored, so a slow response cannot overwrite a
 * newer one.
 */
export function useResource<T>(key: string | null, load: () => Promise<T>): Resource<T> {
  const [state, setState] = useState<{ key: string | null; data: T | undefined; error: ApiError | null }>({
    key: null,
    data: undefined,
    error: null,
  });
  const [fetching, setFetching] = useState(false);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const latest = useRef(0);

  useEffect(() => {
    if (key === null) return;
    const ticket = ++latest.current;
    setFetching(true);
    loadRef.current().then(
      (data) => {
        if (ticket !== latest.current) return;
        setState({ key, data, error: null });
        setFetching(false);
      },
      (error: unknown) => {
        if (ticket !== latest.current) return;
        setState((previous) => ({
          key,
          data: previous.key === key ? previous.data : undefined,
          error: toApiError(error),
        }));
        setFetching(false);
      },
    );
  }, [key, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const current = state.key === key;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : null,
    loading: key !== null && !current,
    fetching,
    reload,
  };
}

/** Calls `reload` every `ms` while the page is visible: for data no notification announces (heartbeats, reasons). */
export function usePollWhileVisible(reload: () => void, ms: number): void {
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') reload();
    }, ms);
    return () => clearInterval(timer);
  }, [reload, ms]);
}

/** Calls `fn` at most once per `ms` (trailing), for bursts of change notifications. */
export function useThrottled(fn: () => void, ms: number): () => void {
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  return useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      fnRef.current();
    }, ms);
  }, [ms]);
}
