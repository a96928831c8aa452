#!/usr/bin/env node
// Web UI benchmark against a running stack (not a test: it prints figures and asserts nothing).
//
//   node e2e-tests/browser/bench.mjs [--url http://127.0.0.1:3000] [--token T] [--loads 7] [--lines 100000]
//                                    [--assets web-ui/target/classes/static/assets] [--chromium /usr/bin/chromium]
//                                    [--ws-probe]
//
// 1. first render: N cold loads (each in a new browser context, so with an empty cache) of the task list and of a
//    task page, timed from navigation start until the list row / the task's heading and status are in the DOM
//    (checked every animation frame), beside the browser's own navigation and paint timings and the bytes
//    transferred;
// 2. streaming: with the task page open, a run printing `seq <lines>` is started, and until its last line is
//    rendered the page counts animation frames (fps) and long main-thread tasks (PerformanceObserver 'longtask');
//    with --ws-probe a bare WebSocket subscriber in another tab also times the API's delivery of the last line;
// 3. bundle: raw and gzip size of the built JS and CSS (gzip level 6, as Tomcat's server.compression sends them).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { apiClient, launchBrowser, repoRoot, VIEWPORT } from './lib/harness.mjs';

const { values: options } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.AGENT_CENTER_URL || 'http://127.0.0.1:3000' },
    token: { type: 'string', default: process.env.AGENT_CENTER_API_TOKEN || '' },
    loads: { type: 'string', default: '7' },
    lines: { type: 'string', default: '100000' },
    assets: { type: 'string', default: path.join(repoRoot, 'web-ui', 'target', 'classes', 'static', 'assets') },
    chromium: { type: 'string' },
    'ws-probe': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (options.help) {
  console.log('usage: node e2e-tests/browser/bench.mjs [--url URL] [--token T] [--loads N] [--lines N] [--assets DIR] [--chromium PATH] [--ws-probe]');
  process.exit(0);
}
if (options.chromium) process.env.CHROMIUM_PATH = options.chromium;
const baseUrl = options.url.replace(/\/+$/, '');
const loads = Number(options.loads);
const lines = Number(options.lines);
const api = apiClient(baseUrl, options.token);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const ms = (value) => (value == null || Number.isNaN(value) ? '   n/a' : `${value.toFixed(0).padStart(6)} ms`);
const kib = (bytes) => `${(bytes / 1024).toFixed(1).padStart(7)} KiB`;

async function main() {
  console.log(`Agent Center web UI benchmark against ${baseUrl}`);
  const health = await fetch(`${baseUrl}/health`).then((r) => r.json()).catch((e) => ({ status: `unreachable (${e.message})` }));
  if (health.status !== 'ok') throw new Error(`${baseUrl}/health: ${JSON.stringify(health)}; start the stack first (./agent-center up)`);

  const workspace = await api.workspace('UI benchmark');
  const listed = await api.task(workspace.id, 'Benchmark: listed task', ['echo listed']);
  await api.awaitRun((await api.start(listed.id)).id, ['completed', 'failed']);

  const browser = await launchBrowser();
  try {
    console.log(`Chromium ${browser.version()}, viewport ${VIEWPORT.width}x${VIEWPORT.height}, headless\n`);
    await firstRender(browser, workspace, listed);
    await streaming(browser, workspace);
  } finally {
    await browser.close();
  }
  await bundle();
}

async function newContext(browser, workspaceId) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  await context.addInitScript(
    ({ workspaceId, token }) => {
      if (!location.protocol.startsWith('http')) return;
      localStorage.setItem('agentCenter.workspaceId', workspaceId);
      if (token) localStorage.setItem('agentCenter.apiToken', token);
    },
    { workspaceId, token: options.token },
  );
  return context;
}

/** Milliseconds from navigation start until ready() holds, checked every animation frame. */
const untilVisible = (page, ready, arg) =>
  page.waitForFunction(ready, arg, { polling: 'raf', timeout: 30_000 }).then(() => page.evaluate(() => performance.now()));

async function coldLoad(browser, workspace, route, ready, arg) {
  const context = await newContext(browser, workspace.id);
  try {
    const page = await context.newPage();
    let transferred = 0;
    page.on('requestfinished', async (request) => {
      const sizes = await request.sizes().catch(() => null);
      if (sizes) transferred += sizes.responseBodySize + sizes.responseHeadersSize;
    });
    const navigation = page.goto(baseUrl + route, { waitUntil: 'commit' });
    await navigation;
    const visible = await untilVisible(page, ready, arg);
    await page.waitForLoadState('load');
    const timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      return {
        ttfb: nav.responseStart,
        domContentLoaded: nav.domContentLoadedEventEnd,
        load: nav.loadEventEnd,
        fcp: fcp ? fcp.startTime : null,
      };
    });
    return { visible, transferred, ...timing };
  } finally {
    await context.close();
  }
}

async function firstRender(browser, workspace, task) {
  const scenarios = [
    {
      name: 'task list (/tasks)',
      route: '/tasks',
      ready: (title) => [...document.querySelectorAll('a')].some((a) => a.textContent.trim() === title),
      arg: task.title,
    },
    {
      name: 'task page (/tasks/<id>)',
      route: `/tasks/${task.id}`,
      ready: (title) =>
        document.querySelector('h1')?.textContent.trim() === title &&
        document.querySelector('[data-testid="task-status"]')?.textContent.trim() === 'completed' &&
        document.querySelector('[role="log"]')?.textContent.includes('listed'),
      arg: task.title,
    },
  ];
  console.log(`1. First render: median of ${loads} cold loads (new context each: empty cache and storage)`);
  console.log('   page                       visible     TTFB  DOMContentLoaded   FCP    load   transferred');
  for (const scenario of scenarios) {
    await coldLoad(browser, workspace, scenario.route, scenario.ready, scenario.arg); // warms the server, not the browser
    const samples = [];
    for (let i = 0; i < loads; i++) samples.push(await coldLoad(browser, workspace, scenario.route, scenario.ready, scenario.arg));
    const m = (key) => median(samples.map((s) => s[key]));
    console.log(
      `   ${scenario.name.padEnd(24)} ${ms(m('visible'))} ${ms(m('ttfb'))} ${ms(m('domContentLoaded'))}    ${ms(m('fcp'))} ${ms(m('load'))} ${kib(m('transferred'))}`,
    );
  }
  console.log('   (visible: navigation start until the row / the heading, status and output are in the DOM)\n');
}

async function streaming(browser, workspace) {
  // The markers are computed by the shell, so the command's own text (shown in its command block) has neither.
  const markers = { first: 'start of stream 42', last: 'end of stream 42' };
  const task = await api.task(workspace.id, `Benchmark: seq ${lines}`, [
    `echo "start of stream $((6 * 7))"; seq ${lines}; echo "end of stream $((6 * 7))"`,
  ]);
  const context = await newContext(browser, workspace.id);
  try {
    const page = await context.newPage();
    await page.goto(`${baseUrl}/tasks/${task.id}`);
    await page.waitForFunction((title) => document.querySelector('h1')?.textContent.trim() === title, task.title);
    await page.getByRole('status', { name: 'Connection' }).getByText('Live', { exact: true }).waitFor().catch(() => {});

    // Instruments the page, then starts the run from inside it, so every time is on the page's clock.
    const startedAt = await page.evaluate(
      async ({ taskId, token, markers }) => {
        const bench = (window.__bench = { frames: [], longTasks: [], end: null, firstLine: null });
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) bench.longTasks.push({ start: entry.startTime, duration: entry.duration });
        }).observe({ type: 'longtask' });
        const frame = (now) => {
          bench.frames.push(now);
          if (bench.end == null) requestAnimationFrame(frame);
        };
        requestAnimationFrame(frame);
        // Rendered = a node holding the marker text was added (or its text set) inside the log. A MutationObserver
        // sees it in the same task that rendered it, and costs little beside the rendering itself.
        const holds = (node, marker) => (node.textContent ?? '').includes(marker);
        new MutationObserver((records) => {
          for (const record of records) {
            const nodes = record.type === 'characterData' ? [record.target] : [...record.addedNodes];
            for (const node of nodes) {
              const element = node.nodeType === 1 ? node : node.parentElement;
              if (!element?.closest('[role="log"]')) continue;
              if (bench.firstLine == null && holds(node, markers.first)) bench.firstLine = performance.now();
              if (bench.end == null && holds(node, markers.last)) bench.end = performance.now();
            }
          }
        }).observe(document.body, { childList: true, subtree: true, characterData: true });
        bench.epochOffset = Date.now() - performance.now();
        const headers = { 'Content-Type': 'application/json' };
        if (token) headers.Authorization = `Bearer ${token}`;
        const started = performance.now();
        const response = await fetch('/api/runs', { method: 'POST', headers, body: JSON.stringify({ taskId }) });
        if (!response.ok) throw new Error(`POST /api/runs: ${response.status} ${await response.text()}`);
        bench.runId = (await response.json()).id;
        return started;
      },
      { taskId: task.id, token: options.token, markers },
    );
    // Off by default: the probe's own work shares the machine's cores with the page being measured.
    const delivered = options['ws-probe']
      ? probeDelivery(browser, await page.evaluate(() => window.__bench.runId), markers.last)
      : Promise.resolve(undefined);
    await page.waitForFunction(() => window.__bench.end != null, null, { timeout: 180_000, polling: 500 });
    const deliveredAt = await delivered;
    const bench = await page.evaluate(() => ({
      ...window.__bench,
      domNodes: document.getElementsByTagName('*').length,
      heap: performance.memory ? performance.memory.usedJSHeapSize : null,
    }));
    const run = await api.awaitRun(bench.runId, ['completed', 'failed']);
    const runSeconds = (Date.parse(run.finishedAt) - Date.parse(run.startedAt || run.queuedAt)) / 1000;

    const duration = bench.end - startedAt;
    const frames = bench.frames.filter((t) => t >= startedAt && t <= bench.end);
    const worstSecond = worstWindow(frames, startedAt, bench.end);
    const longTasks = bench.longTasks.filter((t) => t.start + t.duration >= startedAt && t.start <= bench.end);
    const longest = Math.max(0, ...longTasks.map((t) => t.duration));
    const blocked = longTasks.reduce((sum, t) => sum + t.duration, 0);

    console.log(`2. Streaming ${lines} lines (seq ${lines}) into the open task page`);
    console.log(`   run start -> last line rendered:       ${ms(duration)}`);
    console.log(`   run start -> first line rendered:      ${ms(bench.firstLine == null ? null : bench.firstLine - startedAt)}`);
    console.log(`   runner time (startedAt -> finishedAt): ${ms(runSeconds * 1000)}  (run ${run.status})`);
    if (deliveredAt !== undefined) {
      console.log(`   run start -> last line over /ws:       ${ms(deliveredAt == null ? null : deliveredAt - (bench.epochOffset + startedAt))}  (a bare WebSocket client in another tab)`);
    }
    console.log(`   frames: ${(frames.length / (duration / 1000)).toFixed(1)} fps on average, ${worstSecond} in the worst 1 s window`);
    console.log(`   long tasks (>50 ms): ${longTasks.length}, longest ${ms(longest).trim()}, ${ms(blocked).trim()} in all (${((100 * blocked) / duration).toFixed(0)}% of the time)`);
    console.log(`   after the stream: ${bench.domNodes} DOM elements, JS heap ${bench.heap == null ? 'n/a' : `${(bench.heap / 1048576).toFixed(1)} MiB`}\n`);
  } finally {
    await context.close();
  }
}

/**
 * A bare WebSocket subscriber in a page of its own (its own renderer process, so it does not compete with the UI's
 * main thread): resolves with the epoch time at which the event holding `marker` arrived, or null.
 */
async function probeDelivery(browser, runId, marker) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${baseUrl}/health`);
    return await page.evaluate(
      ({ runId, marker, token }) =>
        new Promise((resolve) => {
          const url = new URL('/ws', location.href);
          url.protocol = url.protocol.replace('http', 'ws');
          if (token) url.searchParams.set('token', token);
          const socket = new WebSocket(url);
          const timeout = setTimeout(() => resolve(null), 180_000);
          socket.onopen = () => socket.send(JSON.stringify({ type: 'subscribe_run', runId }));
          socket.onmessage = (message) => {
            const data = JSON.parse(message.data);
            if (data.type === 'run_event' && (data.event.message ?? '').includes(marker)) {
              clearTimeout(timeout);
              socket.close();
              resolve(Date.now());
            }
          };
          socket.onerror = () => resolve(null);
        }),
      { runId, marker, token: options.token },
    );
  } finally {
    await context.close();
  }
}

/** The fewest animation frames in any 1 s window (sliding by frame) between start and end. */
function worstWindow(frames, start, end) {
  if (end - start < 1000) return frames.length;
  let worst = Infinity;
  let right = 0;
  for (let left = start; left + 1000 <= end; left += 100) {
    while (right < frames.length && frames[right] < left) right++;
    let count = 0;
    for (let i = right; i < frames.length && frames[i] < left + 1000; i++) count++;
    worst = Math.min(worst, count);
  }
  return worst;
}

async function bundle() {
  console.log(`3. Bundle (${path.relative(process.cwd(), options.assets) || options.assets})`);
  let files;
  try {
    files = (await readdir(options.assets)).filter((f) => /\.(js|css)$/.test(f)).sort();
  } catch (error) {
    console.log(`   not found (${error.code}): build the UI first (./mvnw -q -pl web-ui package)`);
    return;
  }
  const totals = { js: [0, 0], css: [0, 0] };
  for (const file of files) {
    const content = await readFile(path.join(options.assets, file));
    const gz = gzipSync(content, { level: 6 }).length;
    const kind = file.endsWith('.css') ? 'css' : 'js';
    totals[kind][0] += content.length;
    totals[kind][1] += gz;
    console.log(`   ${file.padEnd(40)} ${kib(content.length)} raw ${kib(gz)} gzip`);
  }
  for (const [kind, [raw, gz]] of Object.entries(totals)) {
    console.log(`   ${`all ${kind}`.padEnd(40)} ${kib(raw)} raw ${kib(gz)} gzip`);
  }
}

main().catch((error) => {
  console.error(error.stack || error.message);
  process.exit(1);
});
