import type { Runner } from '../api/types';

/** A runner's isolation level: `bubblewrap`, or a warning for `none`. */
export function IsolationBadge({ isolation }: { isolation: Runner['isolation'] }) {
  if (isolation === 'bubblewrap') {
    return (
      <span className="badge badge-ok" title="Each command and agent runs in bubblewrap namespaces as an unprivileged user">
        bubblewrap
      </span>
    );
  }
  if (isolation === 'none') {
    return (
      <span className="badge badge-warn" title="Commands and agents run on the host as the runner's user">
        none — not isolated
      </span>
    );
  }
  return <span className="muted">unknown</span>;
}

/** A loud warning naming the runners (not offline) whose runs are not isolated; nothing when there are none. */
export function UnisolatedRunnersAlert({ runners }: { runners: Runner[] }) {
  const unisolated = runners.filter((runner) => runner.isolation === 'none' && runner.status !== 'offline');
  if (unisolated.length === 0) return null;
  return (
    <div className="alert alert-warn" role="alert">
      <strong>Runs are not isolated</strong> on {unisolated.map((runner) => runner.name).join(', ')}: their commands and coding agents run on the
      host as the runner&apos;s user and can read what it can. Install bubblewrap there, or set <code>RUNNER_SANDBOX=none</code> only where a
      container or VM is the boundary. Tasks with <code>config.sandbox.required</code> fail on these runners.
    </div>
  );
}
