// Shared by the browser tests and the benchmark: the API over REST, Debian's Chromium through playwright-core,
// waiting helpers with useful failure messages, and screenshots.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const browserDir = path.resolve(here, '..');
export const repoRoot = path.resolve(browserDir, '..', '..');
export const screenshotDir = path.resolve(browserDir, '..', 'target', 'screenshots');
export const docsScreenshotDir = path.resolve(repoRoot, 'docs', 'screenshots');

/** Flags for a headless Chromium on a machine without a GPU, a sandbox, or a network beyond loopback. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const VIEWPORT = { width: 1280, height: 800 };

export function chromiumPath() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) {
    throw new Error(`No Chromium at ${candidates.join(' or ')}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  }
  return found;
}

/**
 * Launches Chromium with a fresh profile. playwright's launch() itself makes the --user-data-dir with mkdtemp
 * (/tmp/playwright_chromiumdev_profile-*) and deletes it in close(); it refuses a --user-data-dir of ours.
 * Each test then works in its own browser context (own cookies and localStorage) of this one browser.
 */
export async function launchBrowser() {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS });
}

/** The stack under test: AGENT_CENTER_URL (and AGENT_CENTER_API_TOKEN when the server requires one). */
export function stackUrl() {
  const url = process.env.AGENT_CENTER_URL;
  if (!url) {
    throw new Error('AGENT_CENTER_URL is not set (e.g. http://127.0.0.1:3000)');
  }
  return url.replace(/\/+$/, '');
}

/** A small REST client; every non-2xx answer throws with the problem body. */
export function apiClient(baseUrl = stackUrl(), token = process.env.AGENT_CENTER_API_TOKEN || '') {
  async function call(method, route, body) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    const response = await fetch(baseUrl + route, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`${method} ${route} -> ${response.status}: ${text}`);
    }
    return text ? JSON.parse(text) : null;
  }
  const api = {
    baseUrl,
    token,
    get: (route) => call('GET', route),
    post: (route, body) => call('POST', route, body ?? {}),
    patch: (route, body) => call('PATCH', route, body),
    async workspace(name) {
      const slug = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}-${randomSuffix()}`;
      return call('POST', '/api/workspaces', { slug, name });
    },
    task(workspaceId, title, commands, extra = {}) {
      return call('POST', '/api/tasks', {
        workspaceId,
        title,
        config: { commands: commands.map((command) => ({ command })) },
        ...extra,
      });
    },
    start: (taskId) => call('POST', '/api/runs', { taskId }),
    /** Waits until the run reaches one of the statuses; returns the run. */
    async awaitRun(runId, statuses, timeoutMs = 30_000) {
      let run;
      await until(
        `run ${runId} to be ${statuses.join(' or ')}`,
        async () => {
          run = await call('GET', `/api/runs/${runId}`);
          return statuses.includes(run.status);
        },
        { timeoutMs, describe: () => `last status ${run?.status}` },
      );
      return run;
    },
  };
  return api;
}

export function randomSuffix() {
  return Math.random().toString(36).slice(2, 8);
}

/**
 * Polls until check() returns truthy; on timeout fails with what it waited for and what it saw last.
 * Returns the truthy value. An error with `fatal: true` ends the wait at once (the awaited state can no longer come).
 */
export async function until(what, check, { timeoutMs = 15_000, intervalMs = 100, describe } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
      lastError = undefined;
    } catch (error) {
      if (error.fatal) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      const seen = describe ? await Promise.resolve(describe()).catch((e) => `(${e.message})`) : '';
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${seen ? `; ${seen}` : ''}${lastError ? `; last error: ${lastError.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * A browser context for one test: 1280×800, the workspace (and token) preset in localStorage the way the UI
 * keeps them, and the page's console errors and failed requests collected for the failure report.
 */
export async function openPage(browser, { workspaceId, token = process.env.AGENT_CENTER_API_TOKEN || '' } = {}) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  context.setDefaultTimeout(15_000);
  await context.addInitScript(
    ({ workspaceId, token }) => {
      // Only in the app's own pages (about:blank has no storage), and only the first time: the UI may change
      // them later (workspace selector, Settings).
      if (!location.protocol.startsWith('http')) return;
      if (workspaceId && localStorage.getItem('agentCenter.workspaceId') === null) {
        localStorage.setItem('agentCenter.workspaceId', workspaceId);
      }
      if (token && localStorage.getItem('agentCenter.apiToken') === null) {
        localStorage.setItem('agentCenter.apiToken', token);
      }
    },
    { workspaceId, token },
  );
  const problems = [];
  const watch = (page) => {
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  };
  context.on('page', watch);
  const page = await context.newPage();
  return { context, page, problems };
}

/**
 * Saves a PNG into e2e-tests/target/screenshots/ and, for the documentation's pictures (docs: true) when
 * UPDATE_SCREENSHOTS=true, into docs/screenshots/ too.
 */
export async function screenshot(page, name, { docs = true } = {}) {
  const png = await page.screenshot({ type: 'png' });
  const targets = [screenshotDir];
  if (docs && process.env.UPDATE_SCREENSHOTS === 'true') targets.push(docsScreenshotDir);
  for (const dir of targets) {
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, `${name}.png`), png);
  }
}

/**
 * A command that blocks until the test opens the gate, so "the run is still running" is a fact the test
 * controls rather than a race against the clock. Bounded: it gives up after 60 s whatever happens.
 */
export async function gate() {
  const dir = await mkdtemp(path.join(tmpdir(), 'ac-gate-'));
  const file = path.join(dir, 'open');
  return {
    /** The file whose creation opens the gate (no spaces: the fake agent reads it from its prompt as gate=<file>). */
    file,
    command: `for i in $(seq 600); do [ -e '${file}' ] && break; sleep 0.1; done`,
    async open() {
      await writeFile(file, '');
    },
    async remove() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A TCP proxy on 127.0.0.1:<free port> to the stack, so a test can cut the browser's connections for real: the
 * page, its REST calls and its /ws socket all go through it (same origin). drop() destroys every open connection;
 * while refuse(true) holds, new connections are reset as soon as they are accepted (the server looks down).
 */
export async function tcpProxy(target = stackUrl()) {
  const upstream = new URL(target);
  const port = Number(upstream.port || (upstream.protocol === 'https:' ? 443 : 80));
  const sockets = new Set();
  let refusing = false;
  let accepted = 0;
  const track = (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {}); // a reset is what this proxy is for
  };
  const server = net.createServer((client) => {
    track(client);
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    accepted++;
    const server = net.connect({ host: upstream.hostname, port });
    track(server);
    client.pipe(server);
    server.pipe(client);
    client.on('close', () => server.destroy());
    server.on('close', () => client.destroy());
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    /** Connections passed on to the stack so far. */
    get accepted() {
      return accepted;
    },
    refuse(on) {
      refusing = on;
    },
    /** Cuts every open connection (a reset, as when a network path dies). */
    drop() {
      for (const socket of sockets) socket.resetAndDestroy();
    },
    async close() {
      refusing = true;
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
