// Why a queued run waits (Run.waitingFor, recorded by the worker after each claim round), in words.

/** What a run's waitingFor means, in words. */
export function describeWaiting(
  waitingFor: string | null | undefined,
  runnerNames: ReadonlyMap<string, string>,
): string {
  if (!waitingFor) return 'Next to be taken';
  if (waitingFor.startsWith('runner:')) {
    const runnerId = waitingFor.slice('runner:'.length);
    return `Waiting for runner ${runnerNames.get(runnerId) ?? runnerId}, which holds the task's workspace`;
  }
  switch (waitingFor) {
    case 'workspace_limit':
      return "Waiting: the workspace's concurrency limit is reached";
    case 'repository_limit':
      return "Waiting: the repository's concurrency limit is reached";
    case 'runner_capacity':
      return 'Waiting for a free runner slot';
    case 'backoff':
      return 'Waiting to retry a failed dispatch';
    default:
      return `Waiting (${waitingFor})`;
  }
}
