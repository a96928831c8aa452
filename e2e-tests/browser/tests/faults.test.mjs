// The web UI under faults, run by FaultsEndToEndTest (it sets FAULTS_CONTROL_DIR and restarts the API when asked):
// the pages of runs with a 200 MB line and a `yes` flood open, and a page that is following a run resumes with no
// gap and no duplicate after the API was killed and restarted. Skipped when run on its own.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { apiClient, launchBrowser, openPage, screenshot, until } from '../lib/harness.mjs';
import { expectOutputLine, expectTaskStatus, outputRows, runOutput } from '../lib/ui.mjs';

const control = process.env.FAULTS_CONTROL_DIR;
const skip = control ? false : 'run by FaultsEndToEndTest (FAULTS_CONTROL_DIR)';
const TEST_TIMEOUT = 240_000;
let api;
let browser;

before(async () => {
  if (skip) return;
  api = apiClient();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

async function withPage(name, workspaceId, scenario) {
  const { context, page, problems } = await openPage(browser, { workspaceId });
  try {
    await scenario(page);
  } catch (error) {
    await screenshot(page, `failure-${name}`, { docs: false }).catch(() => {});
    error.message += `\n    at page ${page.url()}`;
    if (problems.length) error.message += `\n    browser said:\n      ${problems.join('\n      ')}`;
    throw error;
  } finally {
    await context.close();
  }
}

test('the page of a run whose 200 MB line was cut opens and says how long the line was', { skip, timeout: TEST_TIMEOUT }, async () => {
  const task = await api.get(`/api/tasks/${process.env.FAULTS_HUGE_LINE_TASK}`);
  await withPage('huge-line', task.workspaceId, async (page) => {
    await page.goto(`${api.baseUrl}/tasks/${task.id}`);
    await expectTaskStatus(page, 'failed', { timeoutMs: 60_000 });
    const marker = runOutput(page).getByRole('note').filter({ hasText: 'line cut:' });
    await marker.first().waitFor({ timeout: 60_000 });
    assert.match(await marker.first().innerText(), /line cut: 64 KiB of \d+(\.\d)? MiB shown/);
    await screenshot(page, 'fault-huge-line', { docs: false });
  });
});

test('the page of a run stopped at the output cap by a yes flood opens', { skip, timeout: TEST_TIMEOUT }, async () => {
  const task = await api.get(`/api/tasks/${process.env.FAULTS_FLOOD_TASK}`);
  await withPage('flood', task.workspaceId, async (page) => {
    await page.goto(`${api.baseUrl}/tasks/${task.id}`);
    await expectTaskStatus(page, 'failed', { timeoutMs: 180_000 });
    await until('the flood\'s lines in Run output', async () => (await runOutput(page).getByText('y', { exact: true }).count()) > 0, {
      timeoutMs: 180_000,
    });
    await screenshot(page, 'fault-flood', { docs: false });
  });
});

test('after the API is killed and restarted the page resumes the output with no gap and no duplicate', { skip, timeout: TEST_TIMEOUT }, async () => {
  const workspace = await api.workspace('Faults');
  const count = 300;
  const task = await api.task(workspace.id, 'Print while the API restarts', [
    `for i in $(seq 1 ${count}); do echo line-$i; sleep 0.05; done`,
  ]);
  const run = await api.start(task.id);
  const expected = Array.from({ length: count }, (_, i) => `line-${i + 1}`);
  await withPage('api-restart', workspace.id, async (page) => {
    await page.goto(`${api.baseUrl}/tasks/${task.id}`);
    await expectOutputLine(page, 'line-20', { timeoutMs: 60_000 });

    // FaultsEndToEndTest kills the API (SIGKILL) and starts it again on the same port
    await writeFile(path.join(control, 'restart-api.request'), run.id);
    await until('the API to be restarted', async () => existsSync(path.join(control, 'restart-api.done')), {
      timeoutMs: 180_000,
      intervalMs: 250,
    });

    await expectTaskStatus(page, 'completed', { timeoutMs: 120_000 });
    await expectOutputLine(page, `line-${count}`, { timeoutMs: 60_000 });
    const rows = await outputRows(page);
    assert.deepEqual(rows.filter((text) => /^line-\d+$/.test(text)), expected, 'Run output: each line once, in order');
  });
});
