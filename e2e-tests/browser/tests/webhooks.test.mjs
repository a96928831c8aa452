// The Webhooks page driven in Chromium against the real stack: an endpoint added there is sent a signed JSON message
// by the worker when a run of the workspace ends, and the page lists the delivery.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { apiClient, launchBrowser, openPage, randomSuffix, screenshot, until } from '../lib/harness.mjs';

const api = apiClient();
const TEST_TIMEOUT = 90_000;
let browser;
let workspace;
let receiver;
const received = [];

before(async () => {
  browser = await launchBrowser();
  workspace = await api.workspace('Acme hooks');
  // A webhook receiver of the test's own, on loopback: it records each delivery and answers 204.
  receiver = http.createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(204).end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve()));
});

test('a webhook added on the Webhooks page is sent signed when a run ends, and its delivery is listed', { timeout: TEST_TIMEOUT }, async () => {
  const secret = `hook-secret-${randomSuffix()}`;
  const url = `http://127.0.0.1:${receiver.address().port}/hooks/ui`;
  const { context, page } = await openPage(browser, { workspaceId: workspace.id });
  try {
    await page.goto(`${api.baseUrl}/webhooks`);
    await page.getByRole('heading', { level: 1, name: 'Webhooks', exact: true }).waitFor();
    await page.getByLabel('URL', { exact: true }).fill(url);
    await page.getByLabel('Secret', { exact: true }).fill(secret);
    await page.getByRole('button', { name: 'Add webhook', exact: true }).click();
    await page.getByText(url, { exact: true }).waitFor();
    assert.equal(await page.getByText(secret).count(), 0, 'the secret is never shown');

    const task = await api.task(workspace.id, 'Notify the team', ['echo done']);
    const run = await api.start(task.id);
    await api.awaitRun(run.id, ['completed']);
    await until('the receiver got the webhook', async () => received.length === 1, { timeoutMs: 30_000 });
    const [delivery] = received;
    const expected = 'sha256=' + createHmac('sha256', secret).update(delivery.body, 'utf8').digest('hex');
    assert.equal(delivery.headers['x-agent-center-signature-256'], expected);
    assert.equal(delivery.headers['x-agent-center-event'], 'run.completed');
    const payload = JSON.parse(delivery.body);
    assert.equal(payload.event, 'run.completed');
    assert.equal(payload.run.id, run.id);
    assert.equal(payload.task.title, 'Notify the team');

    await page.getByRole('button', { name: 'Show deliveries', exact: true }).click();
    const log = page.getByRole('table', { name: 'Deliveries' });
    await until('the delivery is listed as delivered', async () => {
      if ((await log.getByRole('cell', { name: 'delivered', exact: true }).count()) === 1) return true;
      await page.getByRole('button', { name: /deliveries$/ }).click();
      return false;
    }, { timeoutMs: 30_000 });
    await log.getByRole('cell', { name: 'run.completed', exact: true }).waitFor();
    await screenshot(page, 'webhooks', { docs: false });
  } catch (error) {
    await screenshot(page, 'failure-webhooks', { docs: false }).catch(() => {});
    throw error;
  } finally {
    await context.close();
  }
});
