// The web UI driven in Chromium against the real stack (AGENT_CENTER_URL): each test sets up through the REST API,
// then works the UI the way a person does, finding things by role, label and text (see the UI contract).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { apiClient, gate, launchBrowser, openPage, screenshot, tcpProxy, until } from '../lib/harness.mjs';
import {
  agentMessages,
  expectAgentMessages,
  expectOutputLine,
  expectRowStatus,
  expectTaskStatus,
  markNoReload,
  openCreatedTask,
  outputRows,
  recordConnectionStates,
  openTasksFromNav,
  runOutput,
  taskRow,
  toolCall,
  wasNotReloaded,
} from '../lib/ui.mjs';

// Titles need only be unique in the workspace, which is new for every run: they read like real work in the
// screenshots that the README shows.
const api = apiClient();
const TEST_TIMEOUT = 90_000;
let browser;
let workspace;

before(async () => {
  browser = await launchBrowser();
  workspace = await api.workspace('Acme web');
});

after(async () => {
  await browser?.close();
});

/**
 * Runs a scenario in a fresh browser context (the workspace preset in localStorage). On failure it saves
 * target/screenshots/failure-<name>.png and adds the page's URL and console errors to the error.
 */
async function withPage(name, scenario) {
  const { context, page, problems } = await openPage(browser, { workspaceId: workspace.id });
  try {
    await scenario(page, context);
  } catch (error) {
    for (const [index, open] of context.pages().entries()) {
      await screenshot(open, `failure-${name}${index ? `-tab${index + 1}` : ''}`, { docs: false }).catch(() => {});
    }
    error.message += `\n    at page ${page.url()}`;
    if (problems.length) error.message += `\n    browser said:\n      ${problems.join('\n      ')}`;
    throw error;
  } finally {
    await context.close();
  }
}

async function tasksTitled(title) {
  const page = await api.get(`/api/tasks?workspaceId=${workspace.id}&limit=200`);
  return page.items.filter((task) => task.title === title);
}

test('the app is served at / and at deep links', { timeout: TEST_TIMEOUT }, async () => {
  const task = await api.task(workspace.id, 'Check the deep links', ['echo deep']);
  await withPage('deep-links', async (page) => {
    for (const route of ['/', '/tasks', `/tasks/${task.id}`, `/tasks/${task.id}?run=${crypto.randomUUID()}`, '/automations', '/settings']) {
      const response = await page.goto(api.baseUrl + route);
      assert.equal(response.status(), 200, `GET ${route}`);
      assert.match(response.headers()['content-type'], /^text\/html/, `GET ${route}`);
      assert.match(await page.title(), /Agent Center/, `title of ${route}`);
    }
  });
});

test('a deep link opens the task, live, with the main navigation', { timeout: TEST_TIMEOUT }, async () => {
  const title = 'Open the task page';
  const task = await api.task(workspace.id, title, ['echo deep']);
  await withPage('deep-link-task', async (page) => {
    await page.goto(`${api.baseUrl}/tasks/${task.id}`);
    await page.getByRole('heading', { level: 1, name: title, exact: true }).waitFor();
    await expectTaskStatus(page, 'pending');
    await page.getByRole('button', { name: 'Start', exact: true }).waitFor();
    await page.getByRole('status', { name: 'Connection' }).getByText('Live', { exact: true }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const name of ['Tasks', 'Automations', 'Repositories', 'Queue', 'Runners', 'Settings']) {
      await nav.getByRole('link', { name, exact: true }).waitFor();
    }
  });
});

test('a task created in the New task form runs live, completes and shows its diff', { timeout: TEST_TIMEOUT }, async () => {
  const title = 'Add a greeting file';
  const held = await gate();
  try {
    await withPage('create-and-start', async (page) => {
      await page.goto(`${api.baseUrl}/tasks`);
      await page.getByRole('heading', { name: 'Tasks', exact: true }).waitFor();
      await page.getByRole('button', { name: 'New task', exact: true }).click();
      await page.getByLabel('Title', { exact: true }).fill(title);
      await page.getByLabel('Commands', { exact: true }).fill(
        [
          'echo hello',
          'for i in 1 2 3; do echo "streaming line $i"; done',
          held.command, // holds the run in "running" until the test has seen it live
          "printf 'hi\\n' > new-file.txt",
        ].join('\n'),
      );
      await page.getByRole('button', { name: 'Create and start', exact: true }).click();

      // The form may open the new task itself or leave us on the list: both are fine, the task page is the goal.
      await openCreatedTask(page, title);

      // Live: the output arrives while the run is provably still running (it waits on the gate).
      await expectOutputLine(page, 'hello');
      await expectOutputLine(page, 'streaming line 3');
      await expectTaskStatus(page, 'running');
      await page.getByRole('button', { name: 'Cancel', exact: true }).waitFor();
      await screenshot(page, 'run-live');

      await held.open();
      await expectTaskStatus(page, 'completed');
      await page.getByRole('button', { name: 'Retry', exact: true }).waitFor();
      await page.getByText(/\bexit 0\b/).first().waitFor(); // a command block's result

      await page.getByRole('button', { name: 'Diff', exact: true }).click();
      const diff = page.getByRole('region', { name: 'Diff' });
      await diff.getByText('new-file.txt').first().waitFor();
      await diff.getByText('added', { exact: true }).first().waitFor();
      await screenshot(page, 'diff-viewer');
    });

    const created = await tasksTitled(title);
    assert.equal(created.length, 1, 'the form created exactly one task');
    assert.equal(created[0].status, 'completed');
    assert.deepEqual(
      created[0].config.commands.map((c) => c.command).slice(0, 2),
      ['echo hello', 'for i in 1 2 3; do echo "streaming line $i"; done'],
      'one command per line of the Commands field',
    );
    const diff = await api.get(`/api/runs/${created[0].latestRun.id}/diff`);
    assert.deepEqual(diff.files.map((f) => f.path), ['new-file.txt']);
  } finally {
    await held.remove();
  }
});

// The runner's Claude Code is a fake CLI (FAKE_CLAUDE=true, see BrowserEndToEndTest) replaying a recorded session:
// the message "I'll create hello.txt with a greeting." in three deltas, a Write tool call creating hello.txt, a Bash
// tool call `cat hello.txt`, the message "Done: hello.txt now greets you.", and the usage. With gate=<file> in its
// prompt it stops after the first delta until the file exists.
test(
  'a Claude task streams its text live, then shows its messages, tool calls, usage and diff',
  { timeout: TEST_TIMEOUT, skip: process.env.FAKE_CLAUDE !== 'true' && 'FAKE_CLAUDE is not set: the runner has no fake claude' },
  async () => {
    const title = 'Greet in a new file';
    const held = await gate();
    try {
      await withPage('agent-run', async (page) => {
        await page.goto(`${api.baseUrl}/tasks`);
        await page.getByRole('button', { name: 'New task', exact: true }).click();
        await page.getByLabel('Title', { exact: true }).fill(title);
        await page.getByLabel('Prompt', { exact: true }).fill(`Add a hello.txt with a greeting gate=${held.file}`);
        await page.getByLabel('Agent', { exact: true }).selectOption('claude');
        await page.getByRole('button', { name: 'Create and start', exact: true }).click();
        await openCreatedTask(page, title);

        // Live: the first delta is on screen while the agent is parked behind the gate, the rest is not.
        await expectAgentMessages(page, ["I'll create"], { timeoutMs: 30_000 });
        await expectTaskStatus(page, 'running');
        const log = runOutput(page);
        assert.equal(await log.getByText('hello.txt with a greeting', { exact: false }).count(), 0, 'not the final text yet');
        assert.equal(await log.getByRole('group', { name: /^Tool call / }).count(), 0, 'no tool call yet');

        await held.open();
        await expectTaskStatus(page, 'completed', { timeoutMs: 30_000 });
        // The final texts replace their deltas: each message once, in full.
        await expectAgentMessages(page, ["I'll create hello.txt with a greeting.", 'Done: hello.txt now greets you.']);
        const write = toolCall(page, 'Write', '/workspace/hello.txt');
        await write.getByText('ok', { exact: true }).waitFor();
        const bash = toolCall(page, 'Bash', 'cat hello.txt');
        await bash.getByText('ok', { exact: true }).waitFor();
        await log.getByText(/120 output tokens · \$0\.0032/).waitFor();
        await log.getByText('Claude Code finished', { exact: true }).waitFor();
        assert.equal(await log.getByText(/^agent\./).count(), 0, 'no agent event shown as a raw event type');
        assert.deepEqual(await agentMessages(page), ["I'll create hello.txt with a greeting.", 'Done: hello.txt now greets you.']);
        await screenshot(page, 'agent-run');
        await bash.getByText('Output (1 line)', { exact: true }).click();
        await bash.getByText('hello from claude', { exact: true }).waitFor();

        await page.getByRole('button', { name: 'Diff', exact: true }).click();
        const diff = page.getByRole('region', { name: 'Diff' });
        await diff.getByText('hello.txt').first().waitFor();
        await diff.getByText('added', { exact: true }).first().waitFor();
      });

      const [task] = await tasksTitled(title);
      assert.equal(task.config.agent.provider, 'claude', 'the form asked for the claude agent');
      assert.equal(task.status, 'completed');
      const diff = await api.get(`/api/runs/${task.latestRun.id}/diff`);
      assert.deepEqual(diff.files.map((f) => f.path), ['hello.txt']);
    } finally {
      await held.remove();
    }
  },
);

test('after a dropped connection the page reconnects and resumes the output with no gap and no duplicate', { timeout: TEST_TIMEOUT }, async () => {
  const title = 'Print a hundred lines';
  const held = await gate();
  const proxy = await tcpProxy();
  try {
    const task = await api.task(workspace.id, title, [
      'for i in $(seq 1 50); do echo line-$i; done',
      held.command,
      'for i in $(seq 51 100); do echo line-$i; done',
    ]);
    const run = await api.start(task.id);
    const expected = Array.from({ length: 100 }, (_, i) => `line-${i + 1}`);
    await withPage('reconnect', async (page) => {
      // Everything the page loads, asks and listens to goes through the proxy.
      await page.goto(`${proxy.url}/tasks/${task.id}`);
      const connection = page.getByRole('status', { name: 'Connection' });
      await expectOutputLine(page, 'line-50');
      await expectTaskStatus(page, 'running');
      await connection.getByText('Live', { exact: true }).waitFor();
      await recordConnectionStates(page);
      await markNoReload(page);

      // The connection dies and the server stays unreachable while the run prints its second half and ends.
      proxy.refuse(true);
      proxy.drop();
      await connection.getByText('Reconnecting…', { exact: true }).waitFor();
      await held.open();
      await api.awaitRun(run.id, ['completed']);
      assert.equal(await runOutput(page).getByText('line-51', { exact: true }).count(), 0, 'nothing arrived while cut off');

      // Reachable again: the page comes back by itself and resumes after the last event it had. Its next try may
      // be up to the backoff's cap (15 s) away, the longer the cut lasted (a slow machine): wait well past that.
      const acceptedBefore = proxy.accepted;
      proxy.refuse(false);
      await expectTaskStatus(page, 'completed', { timeoutMs: 45_000 });
      await expectOutputLine(page, 'line-100');
      let states;
      await until(
        'the indicator to go Reconnecting…, Reconnected, then Live',
        async () => {
          states = await page.evaluate(() => window.__connectionStates);
          return states.at(-1) === 'Live';
        },
        { timeoutMs: 20_000, describe: () => `it read ${JSON.stringify(states)}` },
      );
      assert.deepEqual(
        states.filter((state, i) => state !== states[i - 1]),
        ['Live', 'Reconnecting…', 'Reconnected', 'Live'],
        'the Connection indicator, in order',
      );
      assert.ok(proxy.accepted > acceptedBefore, 'a new connection was made through the proxy');
      assert.ok(await wasNotReloaded(page), 'the page was not reloaded');

      // The truth (REST, straight to the stack) and the page (every row of the virtualized log) agree exactly.
      const logs = (await (await fetch(`${api.baseUrl}/api/runs/${run.id}/logs?format=text`, {
        headers: api.token ? { Authorization: `Bearer ${api.token}` } : {},
      })).text()).split('\n').filter((line) => line.startsWith('line-'));
      assert.deepEqual(logs, expected, 'the stored output');
      const rows = await outputRows(page);
      assert.deepEqual(rows.filter((text) => /^line-\d+$/.test(text)), expected, 'Run output: each line once, in order');
    });
  } finally {
    await held.open();
    await held.remove();
    await proxy.close();
  }
});

test('cancelling a running task ends it cancelled and keeps its output', { timeout: TEST_TIMEOUT }, async () => {
  const title = 'Long-running import';
  const task = await api.task(workspace.id, title, ['echo before the sleep', 'sleep 60']);
  const run = await api.start(task.id);
  await withPage('cancel', async (page) => {
    await page.goto(`${api.baseUrl}/tasks/${task.id}`);
    await expectOutputLine(page, 'before the sleep');
    await expectTaskStatus(page, 'running');
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expectTaskStatus(page, 'cancelled');
    await expectOutputLine(page, 'before the sleep');
    await page.getByRole('button', { name: 'Retry', exact: true }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Cancel', exact: true }).count(), 0, 'no Cancel once the run ended');
  });
  assert.equal((await api.get(`/api/runs/${run.id}`)).status, 'cancelled');
});

test('a follow-up queues a second run in the same workspace, which completes', { timeout: TEST_TIMEOUT }, async () => {
  const title = 'Count the runs';
  // Each run appends to the same file: the second run sees the first one's workspace.
  const task = await api.task(workspace.id, title, ['printf x >> count.txt', 'echo "count=$(wc -c < count.txt)"']);
  await api.start(task.id);
  await withPage('follow-up', async (page) => {
    await page.goto(`${api.baseUrl}/tasks/${task.id}`);
    await expectTaskStatus(page, 'completed');
    await expectOutputLine(page, 'count=1');

    await page.getByLabel('Follow-up', { exact: true }).fill('Once more, please');
    await page.getByRole('button', { name: 'Send follow-up', exact: true }).click();

    const runs = page.getByRole('navigation', { name: 'Runs' });
    await runs.getByText(/^Run 2\b/).first().waitFor();
    const second = await until('the follow-up run to exist and complete', async () => {
      const list = await api.get(`/api/tasks/${task.id}/runs`);
      const run = list.items.find((r) => r.attempt === 2);
      return run?.status === 'completed' && run;
    }, { timeoutMs: 30_000 });
    await runs.getByText(/^Run 2\b/).first().click();
    await expectOutputLine(page, 'count=2');
    await expectTaskStatus(page, 'completed');
    assert.equal(second.prompt, 'Once more, please');

    // A follow-up may bring its own commands, for that run only.
    await page.getByText('Other commands for this run', { exact: true }).click();
    await page.getByLabel('Commands for this run', { exact: true }).fill('echo "only this time: $(wc -c < count.txt)"');
    await page.getByLabel('Follow-up', { exact: true }).fill('Just report');
    await page.getByRole('button', { name: 'Send follow-up', exact: true }).click();
    const third = await until('the third run to complete', async () => {
      const list = await api.get(`/api/tasks/${task.id}/runs`);
      const run = list.items.find((r) => r.attempt === 3);
      return run?.status === 'completed' && run;
    }, { timeoutMs: 30_000 });
    await runs.getByText(/^Run 3\b/).first().click();
    await expectOutputLine(page, 'only this time: 2');
    assert.deepEqual(third.config.commands.map((c) => c.command), ['echo "only this time: $(wc -c < count.txt)"']);
    const task3 = await api.get(`/api/tasks/${task.id}`);
    assert.equal(task3.config.commands.length, 2, "the task's own commands are unchanged");
  });
});

test('an automation created in the form and triggered by hand makes a task that runs', { timeout: TEST_TIMEOUT }, async () => {
  const name = 'Yearly report';
  const taskTitle = 'Write the yearly report';
  await withPage('automation', async (page) => {
    await page.goto(`${api.baseUrl}/automations`);
    await page.getByRole('heading', { name: 'Automations', exact: true }).waitFor();
    await page.getByRole('button', { name: 'New automation', exact: true }).click();
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByLabel('Cron', { exact: true }).fill('0 6 1 1 *');
    // The cron field explains itself as you type.
    await page.getByText(/January/).first().waitFor();
    const timezone = page.getByLabel('Timezone', { exact: true });
    if ((await timezone.evaluate((el) => el.tagName)) === 'SELECT') {
      await timezone.selectOption('UTC');
    } else {
      await timezone.fill('UTC');
    }
    await page.getByLabel('Task title', { exact: true }).fill(taskTitle);
    await page.getByLabel('Commands', { exact: true }).fill('echo made by an automation');
    await page.getByRole('button', { name: 'Create automation', exact: true }).click();

    // Trigger now of this automation: the nearest block around its name that has the button.
    const named = page.getByText(name, { exact: true }).first();
    await named.waitFor();
    await named
      .locator('xpath=ancestor::*[.//button[normalize-space()="Trigger now"]][1]')
      .getByRole('button', { name: 'Trigger now', exact: true })
      .click();

    const task = await until('a task made by the automation', async () => (await tasksTitled(taskTitle))[0]);
    assert.ok(task.automationId, 'the task names its automation');

    await openTasksFromNav(page);
    await taskRow(page, taskTitle).waitFor();
    await expectRowStatus(page, taskTitle, 'completed', { timeoutMs: 30_000 }); // its whole run, like awaitRun
    await page.getByRole('link', { name: taskTitle, exact: true }).click();
    await expectOutputLine(page, 'made by an automation');
  });
});

test('a second tab on the task list follows status changes made elsewhere, without reloading', { timeout: TEST_TIMEOUT }, async () => {
  const title = 'Build the release';
  const held = await gate();
  try {
    const task = await api.task(workspace.id, title, ['echo watched', held.command]);
    await withPage('second-tab', async (first, context) => {
      await first.goto(`${api.baseUrl}/tasks`);
      const second = await context.newPage();
      await second.goto(`${api.baseUrl}/tasks`);
      for (const tab of [first, second]) {
        await expectRowStatus(tab, title, 'pending');
        await markNoReload(tab);
      }

      // A change through the REST API reaches both tabs.
      await api.start(task.id);
      for (const tab of [first, second]) await expectRowStatus(tab, title, 'running');

      // A change made in the first tab reaches the second one.
      await first.getByRole('link', { name: title, exact: true }).click();
      await first.getByRole('heading', { level: 1, name: title, exact: true }).waitFor();
      await first.getByRole('button', { name: 'Cancel', exact: true }).click();
      await expectTaskStatus(first, 'cancelled');
      await expectRowStatus(second, title, 'cancelled');

      assert.ok(await wasNotReloaded(first), 'the first tab was not reloaded');
      assert.ok(await wasNotReloaded(second), 'the second tab was not reloaded');
    });
  } finally {
    await held.open();
    await held.remove();
  }
});

test('the task list shows each task with its status and filters by status', { timeout: TEST_TIMEOUT }, async () => {
  const done = 'Lint the code';
  const stopped = 'Nightly backup';
  const doneTask = await api.task(workspace.id, done, ['echo lint ok']);
  await api.awaitRun((await api.start(doneTask.id)).id, ['completed']);
  const stoppedTask = await api.task(workspace.id, stopped, ['sleep 60']);
  const stoppedRun = await api.start(stoppedTask.id);
  await api.awaitRun(stoppedRun.id, ['running']);
  await api.post(`/api/runs/${stoppedRun.id}/cancel`);
  await api.awaitRun(stoppedRun.id, ['cancelled']);

  await withPage('task-list', async (page) => {
    await page.goto(`${api.baseUrl}/tasks`);
    await expectRowStatus(page, done, 'completed');
    await expectRowStatus(page, stopped, 'cancelled');
    await screenshot(page, 'task-list');

    // getByLabel would match the whole <label> text, which includes the options: the select's name is "Status".
    const filter = page.getByRole('combobox', { name: 'Status', exact: true });
    await filter.selectOption('cancelled');
    await until('only cancelled tasks listed', async () =>
      (await page.getByRole('link', { name: done, exact: true }).count()) === 0 &&
      (await page.getByRole('link', { name: stopped, exact: true }).count()) === 1);
    await filter.selectOption('All');
    await page.getByRole('link', { name: done, exact: true }).waitFor();
  });
});

// A workspace of its own: its budget is spent at the end, which would refuse the other tests' runs.
test(
  'the Usage page charts what the agent used and a budget set there refuses new runs',
  { timeout: TEST_TIMEOUT, skip: process.env.FAKE_CLAUDE !== 'true' && 'FAKE_CLAUDE is not set: the runner has no fake claude' },
  async () => {
    const spending = await api.workspace('Usage budget');
    const task = await api.post('/api/tasks', {
      workspaceId: spending.id,
      title: 'Spend some tokens',
      prompt: 'Add a hello.txt with a greeting',
      config: { agent: { provider: 'claude' } },
    });
    const run = await api.start(task.id);
    await api.awaitRun(run.id, ['completed'], 60_000);

    const { context, page } = await openPage(browser, { workspaceId: spending.id });
    try {
      await page.goto(`${api.baseUrl}/tasks`);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Usage', exact: true }).click();
      await page.getByRole('heading', { name: 'Usage', level: 1 }).waitFor();
      const totals = page.getByLabel('Totals');
      await totals.getByText('$0.0032').waitFor(); // Claude Code's own figure for the recorded run
      await page.locator('.usage-chart svg').first().waitFor();
      await page.getByLabel('Group by', { exact: true }).selectOption('task');
      await page.getByRole('table').getByRole('link', { name: 'Spend some tokens' }).waitFor();

      await page.getByLabel('Max tokens', { exact: true }).fill('1');
      await page.getByLabel('Period', { exact: true }).selectOption('day');
      await page.getByRole('button', { name: 'Save budget', exact: true }).click();
      await page.getByText('Budget saved.', { exact: true }).waitFor();
      await page.getByRole('alert').getByText('The workspace’s token budget is spent').waitFor();
      await page.evaluate(() => window.scrollTo(0, 0));
      await screenshot(page, 'usage');
    } finally {
      await context.close();
    }

    const workspaceNow = await api.get(`/api/workspaces/${spending.id}`);
    assert.deepEqual(workspaceNow.budget, { period: 'day', maxTokens: 1, maxCostUsd: null });
    await assert.rejects(api.start(task.id), /-> 422: .*"code":"budget_exhausted"/);
  },
);

test('the queue shows waiting runs in order with why they wait, and a runner is drained and resumed', { timeout: TEST_TIMEOUT }, async () => {
  // A workspace of its own with a limit of one run at a time, so the other tests' runs are not held back.
  const own = await api.workspace('Release train');
  await api.patch(`/api/workspaces/${own.id}`, { maxConcurrentRuns: 1 });
  const first = await api.start((await api.task(own.id, 'Build the release', ['sleep 60'])).id);
  await api.awaitRun(first.id, ['running']);
  const second = await api.start((await api.task(own.id, 'Sign the artifacts', ['echo signed'])).id);
  const third = await api.start((await api.task(own.id, 'Publish the notes', ['echo published'])).id);
  await until('both queued runs wait for the workspace limit', async () => {
    const queue = await api.get(`/api/runs/queue?workspaceId=${own.id}`);
    return queue.items.length === 2 && queue.items.every((run) => run.waitingFor === 'workspace_limit');
  });
  const runner = (await api.get('/api/runners')).items.find((r) => r.status === 'online');
  const { context, page } = await openPage(browser, { workspaceId: own.id });
  try {
    await page.goto(`${api.baseUrl}/queue`);
    const rows = page.getByRole('table', { name: 'Queued runs in order' }).locator('tbody tr');
    await until('the two queued runs listed', async () => (await rows.count()) === 2);
    assert.equal(await rows.nth(0).getAttribute('data-run-id'), second.id);
    assert.equal(await rows.nth(1).getAttribute('data-run-id'), third.id);
    for (const index of [0, 1]) {
      await rows.nth(index).getByText("Waiting: the workspace's concurrency limit is reached", { exact: true }).waitFor();
    }
    await screenshot(page, 'queue', { docs: false });

    await page.goto(`${api.baseUrl}/runners`);
    await page.getByRole('button', { name: `Drain runner ${runner.name}`, exact: true }).click();
    await page.getByRole('button', { name: `Resume runner ${runner.name}`, exact: true }).waitFor();
    await until('the runner shows draining', async () =>
      (await page.getByTestId(`runner-status-${runner.name}`).textContent()) === 'draining');
    const drained = (await api.get('/api/runners')).items.find((r) => r.id === runner.id);
    assert.ok(drained.drainRequestedAt, 'drainRequestedAt set');
    await page.getByRole('button', { name: `Resume runner ${runner.name}`, exact: true }).click();
    await page.getByRole('button', { name: `Drain runner ${runner.name}`, exact: true }).waitFor();
    await until('the runner shows online', async () =>
      (await page.getByTestId(`runner-status-${runner.name}`).textContent()) === 'online');
  } finally {
    await context.close();
    await api.post(`/api/runners/${runner.id}/resume`);
    await api.post(`/api/runs/${first.id}/cancel`);
  }
  // With the first run gone, the limit lets the others through one after the other.
  await api.awaitRun(second.id, ['completed'], 60_000);
  await api.awaitRun(third.id, ['completed'], 60_000);
});
