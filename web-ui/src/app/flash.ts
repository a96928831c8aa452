import type { ApiError } from '../api/client';

// An error to show on the next page, for actions that navigate away before their last step failed
// (e.g. a task that was created but could not be started).
const pending = new Map<string, ApiError>();

export const flash = {
  set: (key: string, error: ApiError) => pending.set(key, error),
  take: (key: string): ApiError | null => {
    const error = pending.get(key) ?? null;
    pending.delete(key);
    return error;
  },
};
