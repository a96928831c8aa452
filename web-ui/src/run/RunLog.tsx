import { useVirtualizer } from '@tanstack/react-virtual';
import { AnsiUp } from 'ansi_up';
import { memo, useCallback, useLayoutEffect, useMemo, useRef, useState, type UIEvent } from 'react';
import { formatAbsolute } from '../components/Time';
import {
  commandOutcome,
  formatBytes,
  formatDuration,
  usageText,
  type AgentItem,
  type CommandItem,
  type LineItem,
  type TimelineItem,
  type ToolItem,
} from './timeline';

const ESC = '\x1b';
const BOTTOM_SLACK_PX = 48;
const ansiCache = new WeakMap<object, string>();

/** HTML for a line with ANSI colour codes (escaped by ansi_up); each line starts from the default colours. */
function ansiHtml(item: { text: string }): string {
  let html = ansiCache.get(item);
  if (html === undefined) {
    const converter = new AnsiUp();
    converter.use_classes = true;
    html = converter.ansi_to_html(item.text);
    ansiCache.set(item, html);
  }
  return html;
}

function estimateSize(item: TimelineItem | undefined): number {
  switch (item?.kind) {
    case 'line':
      return 20;
    case 'command':
      return 36;
    case 'status':
    case 'note':
    case 'agent':
    case 'usage':
      return 28;
    case 'reasoning':
      return 48;
    case 'tool':
      return 64;
    case 'message':
      return Math.max(48, Math.ceil(item.text.length / 90) * 22 + 36);
    default:
      return 24;
  }
}

/**
 * The run's timeline as a terminal-like, virtualized log: only the rows in view are in the DOM, so 100,000 lines
 * scroll smoothly. It follows new output while scrolled to the bottom, stops following when the reader scrolls up,
 * and follows again when they come back down (or press "Jump to latest").
 */
export function RunLog({ items, runEnded, emptyText }: { items: TimelineItem[]; runEnded: boolean; emptyText: string }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const followRef = useRef(true);
  const [following, setFollowing] = useState(true);
  const [collapsed, setCollapsed] = useState<ReadonlySet<number>>(() => new Set());

  const rows = useMemo(
    () =>
      collapsed.size === 0
        ? items
        : items.filter((item) => !(item.kind === 'line' && item.commandIndex !== null && collapsed.has(item.commandIndex))),
    [items, collapsed],
  );

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (index) => estimateSize(rows[index]),
    getItemKey: (index) => rows[index]?.key ?? index,
    overscan: 30,
  });
  const totalSize = virtualizer.getTotalSize();

  // While following, stay at the bottom whenever rows arrive or measured heights change.
  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (element && followRef.current) element.scrollTop = element.scrollHeight;
  }, [rows.length, totalSize, rows[rows.length - 1]]);

  const onScroll = useCallback((event: UIEvent<HTMLDivElement>) => {
    const element = event.currentTarget;
    const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight <= BOTTOM_SLACK_PX;
    if (atBottom !== followRef.current) {
      followRef.current = atBottom;
      setFollowing(atBottom);
    }
  }, []);

  const jumpToLatest = useCallback(() => {
    const element = scrollRef.current;
    followRef.current = true;
    setFollowing(true);
    if (element) {
      element.scrollTop = element.scrollHeight;
      element.focus({ preventScroll: true });
    }
  }, []);

  const toggle = useCallback((index: number) => {
    setCollapsed((current) => {
      const next = new Set(current);
      if (next.has(index)) next.delete(index);
      else next.add(index);
      return next;
    });
  }, []);

  return (
    <div className="runlog-wrap">
      <div
        ref={scrollRef}
        className="runlog"
        role="log"
        aria-label="Run output"
        aria-live="off"
        tabIndex={0}
        onScroll={onScroll}
      >
        {rows.length === 0 ? (
          <div className="runlog-empty">{emptyText}</div>
        ) : (
          <div className="runlog-inner" style={{ height: totalSize }}>
            {virtualizer.getVirtualItems().map((virtual) => {
              const item = rows[virtual.index]!;
              return (
                <div
                  key={virtual.key}
                  data-index={virtual.index}
                  ref={virtualizer.measureElement}
                  className="runlog-row"
                  style={{ transform: `translateY(${virtual.start}px)` }}
                >
                  <Row item={item} runEnded={runEnded} collapsed={item.kind === 'command' && collapsed.has(item.index)} onToggle={toggle} />
                </div>
              );
            })}
          </div>
        )}
      </div>
      {!following && rows.length > 0 && (
        <button type="button" className="btn btn-primary jump-latest" onClick={jumpToLatest}>
          Jump to latest ↓
        </button>
      )}
    </div>
  );
}

const Row = memo(function Row({
  item,
  runEnded,
  collapsed,
  onToggle,
}: {
  item: TimelineItem;
  runEnded: boolean;
  collapsed: boolean;
  onToggle: (index: number) => void;
}) {
  switch (item.kind) {
    case 'line': {
      const className = `line${item.stream === 'stderr' ? ' line-stderr' : ''}${item.commandIndex !== null ? ' line-in-command' : ''}`;
      const marker = item.truncatedFrom !== null ? <TruncationMarker item={item} /> : null;
      return item.text.includes(ESC) ? (
        <div className={className}>
          <span dangerouslySetInnerHTML={{ __html: ansiHtml(item) }} />
          {marker}
        </div>
      ) : (
        <div className={className}>
          {item.text}
          {marker}
        </div>
      );
    }
    case 'command':
      return <CommandHeader item={item} runEnded={runEnded} collapsed={collapsed} onToggle={onToggle} />;
    case 'status':
      return (
        <div className="event event-status" data-status={item.status}>
          <span className="event-dot" aria-hidden="true" />
          Status <strong>{item.status}</strong>
          <time className="muted" dateTime={item.at} title={formatAbsolute(item.at)}>
            {new Date(item.at).toLocaleTimeString()}
          </time>
        </div>
      );
    case 'message':
      return (
        <div className="agent-message" role="article" aria-label={`Message from ${item.provider ?? 'agent'}`} data-streaming={item.streaming || undefined}>
          <div className="agent-label">{item.provider ?? 'agent'}</div>
          <div className="agent-text">
            {item.text}
            {item.streaming && !runEnded && <span className="caret" aria-hidden="true" />}
          </div>
        </div>
      );
    case 'tool':
      return <ToolBlock item={item} />;
    case 'agent':
      return <AgentEvent item={item} />;
    case 'reasoning':
      return (
        <div className="agent-reasoning">
          <div className="agent-label">{item.provider ?? 'agent'} · reasoning</div>
          <div className="agent-reasoning-text">{item.text}</div>
        </div>
      );
    case 'usage':
      return (
        <div className="event event-usage">
          <span className="event-label">Usage</span> {usageText(item)}
        </div>
      );
    case 'note':
      return (
        <div className={`event event-note level-${item.level}`} data-event-type={item.eventType}>
          <span className="event-type">{item.eventType}</span> {item.message}
          {item.link && (
            <>
              {' '}
              <a href={item.link.href} target="_blank" rel="noreferrer">
                {item.link.label}
              </a>
            </>
          )}
        </div>
      );
  }
});

function CommandHeader({
  item,
  runEnded,
  collapsed,
  onToggle,
}: {
  item: CommandItem;
  runEnded: boolean;
  collapsed: boolean;
  onToggle: (index: number) => void;
}) {
  const outcome = commandOutcome(item, runEnded);
  const tone =
    item.state === 'running' ? (runEnded ? 'warn' : 'running') : item.state === 'blocked' || item.exitCode !== 0 ? 'error' : 'ok';
  return (
    <div className="command-block" data-outcome={tone}>
      <button
        type="button"
        className="command-toggle"
        aria-expanded={!collapsed}
        aria-label={collapsed ? 'Show output' : 'Hide output'}
        onClick={() => onToggle(item.index)}
      >
        {collapsed ? '▸' : '▾'}
      </button>
      <code className="command-text">$ {item.command}</code>
      <span className={`command-outcome tone-${tone}`}>{outcome}</span>
      {item.durationMs !== null && <span className="command-duration muted">{formatDuration(item.durationMs)}</span>}
      {item.rule && <span className="muted small">blocked by rule “{item.rule}”</span>}
    </div>
  );
}

function AgentEvent({ item }: { item: AgentItem }) {
  const tone = item.level === 'error' ? 'error' : item.level === 'warn' ? 'warn' : item.phase === 'finished' ? 'ok' : 'running';
  return (
    <div className={`event event-agent tone-${tone}`} data-phase={item.phase}>
      <span className="event-dot" aria-hidden="true" />
      <span className="event-text">{item.message}</span>
      {item.model && item.phase !== 'finished' && <span className="mono">{item.model}</span>}
      {item.durationMs !== null && <span>{formatDuration(item.durationMs)}</span>}
    </div>
  );
}

function ToolBlock({ item }: { item: ToolItem }) {
  const input = item.input === null || item.input === undefined ? null : typeof item.input === 'string' ? item.input : JSON.stringify(item.input, null, 2);
  const output = item.result?.output ?? null;
  return (
    <div className="tool-block" role="group" aria-label={`Tool call ${item.tool}: ${item.title}`} data-status={item.result?.status ?? 'pending'}>
      <div className="tool-head">
        <span className="tool-name">{item.tool}</span>
        <span className="tool-title">{item.title}</span>
        <span className={`tool-status tone-${item.result ? (item.result.status === 'ok' ? 'ok' : 'error') : 'running'}`}>
          {item.result
            ? `${item.result.status}${item.result.exitCode !== null ? ` (exit ${item.result.exitCode})` : ''}`
            : 'running'}
        </span>
      </div>
      {input && (
        <details className="tool-details">
          <summary>Input</summary>
          <pre>{input}</pre>
        </details>
      )}
      {output && (
        <details className="tool-details">
          <summary>Output ({lineCount(output)})</summary>
          <pre>{output.length > 20_000 ? `${output.slice(0, 20_000)}\n… (${output.length - 20_000} more characters)` : output}</pre>
        </details>
      )}
    </div>
  );
}

function lineCount(text: string): string {
  const lines = text.trimEnd().split('\n').length;
  return lines === 1 ? '1 line' : `${lines} lines`;
}

/** Shown after a line that was stored cut: how long the whole line was. */
function TruncationMarker({ item }: { item: LineItem }) {
  const shown = new TextEncoder().encode(item.text).length;
  const whole = item.truncatedFrom !== null && item.truncatedFrom >= 0 ? item.truncatedFrom : null;
  const label =
    whole !== null
      ? `line cut: ${formatBytes(shown)} of ${formatBytes(whole)} shown`
      : `line cut: ${formatBytes(shown)} shown`;
  return (
    <span className="line-truncated" role="note" title="The runner stores at most 64 KiB of one line">
      {' '}
      … {label}
    </span>
  );
}
