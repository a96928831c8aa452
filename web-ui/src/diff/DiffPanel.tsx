import { useEffect, useMemo, useRef } from 'react';
import { api } from '../api/api';
import { useResource } from '../app/useResource';
import { ErrorAlert } from '../components/ErrorAlert';
import { EmptyState, Loading } from '../components/States';
import { RelativeTime } from '../components/Time';
import { highlightLine } from './highlight';
import { joinDiff, languageOf, type DiffEntry, type DiffFile } from './parse';

/** Files with more patch lines than this are shown without syntax colours. */
const HIGHLIGHT_LIMIT = 3000;

/** The run's workspace changes, docked beside the timeline. */
export default function DiffPanel({ runId, runActive, onClose }: { runId: string; runActive: boolean; onClose: () => void }) {
  const diff = useResource(`diff:${runId}`, () => api.runs.diff(runId));
  const { reload } = diff;
  const wasActive = useRef(runActive);
  useEffect(() => {
    // The runner stores the diff when the run ends: fetch again then.
    if (wasActive.current && !runActive) reload();
    wasActive.current = runActive;
  }, [runActive, reload]);

  const entries = useMemo(() => (diff.data ? joinDiff(diff.data.files ?? [], diff.data.patch) : []), [diff.data]);
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => headingRef.current?.focus(), []);

  return (
    <section
      role="region"
      aria-label="Diff"
      className="diff-panel"
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.stopPropagation();
          onClose();
        }
      }}
    >
      <div className="diff-head">
        <h2 ref={headingRef} tabIndex={-1}>
          Diff
        </h2>
        <div className="toolbar">
          <button type="button" className="btn btn-small" onClick={reload} disabled={diff.fetching} aria-busy={diff.fetching}>
            Refresh
          </button>
          <button type="button" className="btn btn-small btn-icon" onClick={onClose} aria-label="Close panel" title="Close panel">
            ×
          </button>
        </div>
      </div>
      <ErrorAlert error={diff.error} onRetry={reload} />
      {diff.loading ? (
        <Loading label="Loading diff…" />
      ) : !diff.data ? null : !diff.data.available ? (
        <EmptyState title={runActive ? 'The diff is not ready yet' : 'No diff stored for this run'}>
          <p>
            {runActive
              ? 'The runner stores the workspace changes when the run ends; this panel updates then.'
              : 'The run ended without stored workspace changes (it may have failed before its workspace was ready).'}
          </p>
        </EmptyState>
      ) : entries.length === 0 ? (
        <EmptyState title="No changes">
          <p>The run left its workspace as it found it.</p>
        </EmptyState>
      ) : (
        <>
          <p className="diff-stats">
            <strong>
              {diff.data.stats?.filesChanged ?? entries.length} {(diff.data.stats?.filesChanged ?? entries.length) === 1 ? 'file' : 'files'} changed
            </strong>
            <span className="add">+{diff.data.stats?.additions ?? sum(entries, 'additions')}</span>
            <span className="del">−{diff.data.stats?.deletions ?? sum(entries, 'deletions')}</span>
            {diff.data.createdAt && (
              <span className="muted small">
                stored <RelativeTime iso={diff.data.createdAt} />
              </span>
            )}
          </p>
          {diff.data.truncated && (
            <p className="notice" role="note">
              The patch was truncated (too large). Every changed file is listed; files past the cut show no patch.
            </p>
          )}
          <ul className="diff-files" aria-label="Changed files">
            {entries.map((entry, i) => (
              <li key={`${entry.path}:${i}`}>
                <FilePatch entry={entry} open={entries.length <= 30} />
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function sum(entries: DiffEntry[], key: 'additions' | 'deletions'): number {
  return entries.reduce((total, e) => total + e[key], 0);
}

/** One changed file: badge, path and counts as the summary, its patch inside. */
function FilePatch({ entry, open }: { entry: DiffEntry; open: boolean }) {
  const renamedFrom = entry.patch?.oldPath && entry.patch.oldPath !== entry.path ? entry.patch.oldPath : null;
  return (
    <details className="diff-file" open={open}>
      <summary>
        <span className={`badge file-${entry.status}`}>{entry.status}</span>
        <span className="mono path">{entry.path}</span>
        {renamedFrom && <span className="muted small">(from {renamedFrom})</span>}
        <span className="add">+{entry.additions}</span>
        <span className="del">−{entry.deletions}</span>
      </summary>
      {entry.patch === null ? (
        <p className="muted small diff-note">No patch for this file (the patch was cut before it).</p>
      ) : entry.patch.binary ? (
        <p className="muted small diff-note">Binary file.</p>
      ) : entry.patch.hunks.length === 0 ? (
        <p className="muted small diff-note">{entry.status === 'renamed' ? 'Renamed without changes.' : 'No text changes (empty file or mode change).'}</p>
      ) : (
        <Hunks file={entry.patch} />
      )}
    </details>
  );
}

function Hunks({ file }: { file: DiffFile }) {
  const language = languageOf(file.path);
  const size = file.hunks.reduce((n, h) => n + h.lines.length, 0);
  const highlight = size <= HIGHLIGHT_LIMIT ? language : null;
  return (
    <div className="diff-code" role="table" aria-label={`Changes in ${file.path}`}>
      {file.hunks.map((hunk, h) => (
        <div key={h} role="rowgroup">
          <div className="hunk-header mono" role="row">
            <span role="cell">{hunk.header}</span>
          </div>
          {hunk.lines.map((line, l) => {
            const html = line.type === 'note' ? null : highlightLine(line.text, highlight);
            return (
              <div key={l} className={`diff-line diff-${line.type}`} role="row">
                <span className="ln" role="cell" aria-label={line.oldLine === null ? undefined : `old line ${line.oldLine}`}>
                  {line.oldLine ?? ''}
                </span>
                <span className="ln" role="cell" aria-label={line.newLine === null ? undefined : `new line ${line.newLine}`}>
                  {line.newLine ?? ''}
                </span>
                <span className="sign" role="cell" aria-hidden="true">
                  {line.type === 'add' ? '+' : line.type === 'del' ? '−' : line.type === 'note' ? '\\' : ' '}
                </span>
                {html === null ? (
                  <span className="code" role="cell">
                    {line.text}
                  </span>
                ) : (
                  <span className="code hljs" role="cell" dangerouslySetInnerHTML={{ __html: html }} />
                )}
              </div>
            );
          })}
        </div>
      ))}
    </div>
  );
}
