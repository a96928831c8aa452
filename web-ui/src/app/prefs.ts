// Browser-kept preferences: the API token, the current workspace and the theme (localStorage keys from the UI
// contract). Reads never throw: a browser that refuses storage just gets defaults.

export const TOKEN_KEY = 'agentCenter.apiToken';
export const WORKSPACE_KEY = 'agentCenter.workspaceId';
export const THEME_KEY = 'agentCenter.theme';

export type Theme = 'system' | 'light' | 'dark';

function read(key: string): string | null {
  try {
    return globalThis.localStorage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function write(key: string, value: string | null): void {
  try {
    if (value === null || value === '') globalThis.localStorage?.removeItem(key);
    else globalThis.localStorage?.setItem(key, value);
  } catch {
    // storage refused (private mode, quota): the value lives for this page only
  }
  listeners.forEach((listener) => listener(key));
}

type Listener = (key: string) => void;
const listeners = new Set<Listener>();

/** Told when a preference changes in this tab, or in another one (the storage event). */
export function onPrefsChange(listener: Listener): () => void {
  listeners.add(listener);
  const onStorage = (e: StorageEvent) => {
    if (e.key === TOKEN_KEY || e.key === WORKSPACE_KEY || e.key === THEME_KEY) listener(e.key);
  };
  globalThis.addEventListener?.('storage', onStorage);
  return () => {
    listeners.delete(listener);
    globalThis.removeEventListener?.('storage', onStorage);
  };
}

export const prefs = {
  token: () => read(TOKEN_KEY),
  setToken: (token: string | null) => write(TOKEN_KEY, token?.trim() || null),
  workspaceId: () => read(WORKSPACE_KEY),
  setWorkspaceId: (id: string | null) => write(WORKSPACE_KEY, id),
  theme: (): Theme => {
    const value = read(THEME_KEY);
    return value === 'light' || value === 'dark' ? value : 'system';
  },
  setTheme: (theme: Theme) => write(THEME_KEY, theme === 'system' ? null : theme),
};

export function applyTheme(theme: Theme): void {
  const root = globalThis.document?.documentElement;
  if (!root) return;
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
}
