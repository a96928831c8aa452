import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api } from '../api/api';
import type { Workspace } from '../api/types';
import { broadcast, onBroadcast } from '../sync/broadcast';
import { onPrefsChange, prefs, TOKEN_KEY, WORKSPACE_KEY } from './prefs';
import { useResource, type Resource } from './useResource';

interface WorkspaceContextValue {
  workspaces: Resource<Workspace[]>;
  /** The current workspace, or null while loading or when there is none. */
  current: Workspace | null;
  select: (id: string) => void;
  created: (workspace: Workspace) => void;
}

const WorkspaceContext = createContext<WorkspaceContextValue | null>(null);

export function WorkspaceProvider({ children }: { children: ReactNode }) {
  const workspaces = useResource('workspaces', async () => (await api.workspaces.list()).items);
  const [selectedId, setSelectedId] = useState<string | null>(() => prefs.workspaceId());
  const { reload } = workspaces;

  useEffect(() => {
    const offPrefs = onPrefsChange((key) => {
      if (key === WORKSPACE_KEY) setSelectedId(prefs.workspaceId());
      if (key === TOKEN_KEY) reload(); // a new token may open what a 401 closed
    });
    const offSync = onBroadcast((message) => {
      if (message.type === 'workspace') setSelectedId(message.workspaceId);
      if (message.type === 'workspaces' || message.type === 'token') reload();
    });
    return () => {
      offPrefs();
      offSync();
    };
  }, [reload]);

  const list = workspaces.data;
  // The remembered workspace if it still exists, else the oldest one (the list is newest first).
  const current = useMemo(() => {
    if (!list || list.length === 0) return null;
    return list.find((w) => w.id === selectedId) ?? list[list.length - 1] ?? null;
  }, [list, selectedId]);

  const select = useCallback((id: string) => {
    prefs.setWorkspaceId(id);
    setSelectedId(id);
    broadcast({ type: 'workspace', workspaceId: id });
  }, []);

  const created = useCallback(
    (workspace: Workspace) => {
      select(workspace.id);
      broadcast({ type: 'workspaces' });
      reload();
    },
    [select, reload],
  );

  const value = useMemo(() => ({ workspaces, current, select, created }), [workspaces, current, select, created]);
  return <WorkspaceContext.Provider value={value}>{children}</WorkspaceContext.Provider>;
}

export function useWorkspaces(): WorkspaceContextValue {
  const value = useContext(WorkspaceContext);
  if (!value) throw new Error('useWorkspaces outside WorkspaceProvider');
  return value;
}

/** The current workspace; only used below the gate that ensures there is one. */
export function useWorkspace(): Workspace {
  const { current } = useWorkspaces();
  if (!current) throw new Error('no current workspace');
  return current;
}
