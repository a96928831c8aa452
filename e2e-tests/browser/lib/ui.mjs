// How the tests find things in the UI: by role, label and text, exactly as /work/ui-contract.md names them.
import { until } from './harness.mjs';

const TERMINAL = ['completed', 'failed', 'cancelled'];
export const TASK_URL = /\/tasks\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

export const runOutput = (page) => page.getByRole('log', { name: 'Run output' });

/** Waits until the output terminal shows a line with exactly this text. */
export async function expectOutputLine(page, text, { timeoutMs = 20_000 } = {}) {
  const log = runOutput(page);
  await until(`a line "${text}" in Run output`, async () => (await log.getByText(text, { exact: true }).count()) > 0, {
    timeoutMs,
    describe: async () => `Run output reads: ${JSON.stringify(tail(await log.innerText({ timeout: 1000 })))}`,
  });
}

/**
 * After "Create and start" in the New task form: the form may open the new task itself or leave us on the list
 * (both are fine, the task page is the goal). Waits, with a generous deadline and no fixed guess at how long the
 * form's requests take, until one of them happened: the task's page is open, or the form is gone and the list
 * shows the task (then follows its link).
 */
export async function openCreatedTask(page, title, { timeoutMs = 30_000 } = {}) {
  const form = page.getByRole('button', { name: 'Create and start', exact: true });
  const link = page.getByRole('link', { name: title, exact: true });
  const where = await until(
    `the new task "${title}" to open, or to be listed once the form closed`,
    async () => {
      if (TASK_URL.test(page.url())) return 'task page';
      if ((await form.count()) === 0 && (await link.count()) > 0) return 'list';
      return null;
    },
    { timeoutMs, describe: async () => `at ${page.url()}, the form ${(await form.count()) > 0 ? 'still open' : 'closed'}` },
  );
  if (where === 'list') {
    await link.click();
    await page.waitForURL(TASK_URL);
  }
  await page.getByRole('heading', { level: 1, name: title, exact: true }).waitFor();
}

/** The assistant messages in Run output (each a role="article" named "Message from <provider>"), their texts in order. */
export async function agentMessages(page) {
  const texts = await runOutput(page).getByRole('article', { name: /^Message from / }).allInnerTexts();
  return texts.map((text) => text.replace(/^\S+\n/, '').trim()); // without the provider label
}

/** Waits until Run output shows exactly these assistant messages, in this order. */
export async function expectAgentMessages(page, expected, { timeoutMs = 20_000 } = {}) {
  let seen;
  await until(
    `the assistant messages ${JSON.stringify(expected)} in Run output`,
    async () => {
      seen = await agentMessages(page);
      return JSON.stringify(seen) === JSON.stringify(expected);
    },
    { timeoutMs, describe: () => `it shows ${JSON.stringify(seen)}` },
  );
}

/** A tool call block in Run output: role="group" named "Tool call <tool>: <title>". */
export function toolCall(page, tool, title) {
  return runOutput(page).getByRole('group', { name: `Tool call ${tool}: ${title}`, exact: true });
}

/** Reads a status badge: its text and data-status must both name the status. */
async function readBadge(badge) {
  const text = ((await badge.textContent({ timeout: 1000 })) ?? '').trim();
  const data = await badge.getAttribute('data-status', { timeout: 1000 });
  return { text, data };
}

async function expectBadge(badge, status, what, timeoutMs) {
  let last;
  await until(
    `${what} to read "${status}"`,
    async () => {
      last = await readBadge(badge);
      if (last.data !== status && TERMINAL.includes(last.data) && TERMINAL.includes(status)) {
        // Ended otherwise: waiting longer cannot help.
        const error = new Error(`${what} reads "${last.text}" (data-status ${last.data}), expected "${status}"`);
        error.fatal = true;
        throw error;
      }
      return last.text === status && last.data === status;
    },
    { timeoutMs, describe: () => (last ? `it reads "${last.text}" (data-status ${last.data})` : 'no badge found') },
  );
}

/** The task detail's status badge (data-testid="task-status"). */
export function expectTaskStatus(page, status, { timeoutMs = 20_000 } = {}) {
  return expectBadge(page.getByTestId('task-status'), status, 'the task status badge', timeoutMs);
}

/** A task list row: the nearest element around the task's title link that holds a status badge. */
export function taskRow(page, title) {
  return page
    .getByRole('link', { name: title, exact: true })
    .locator('xpath=ancestor::*[.//*[@data-status]][1]');
}

export function expectRowStatus(page, title, status, { timeoutMs = 20_000 } = {}) {
  return expectBadge(
    taskRow(page, title).locator('[data-status]').first(),
    status,
    `the status badge of task "${title}" in the list`,
    timeoutMs,
  );
}

/** Opens the task list through the main navigation (client-side, no reload). */
export async function openTasksFromNav(page) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tasks', exact: true }).click();
  await page.getByRole('heading', { name: 'Tasks', exact: true }).waitFor();
}

/** A marker in the page's JavaScript world: it survives client-side navigation and dies with a reload. */
export async function markNoReload(page) {
  await page.evaluate(() => {
    window.__agentCenterNoReload = true;
  });
}

export async function wasNotReloaded(page) {
  return page.evaluate(() => window.__agentCenterNoReload === true);
}

/**
 * Records every text the header's Connection indicator shows from now on in window.__connectionStates (the
 * current one first), so that a state shown for a moment is not missed by polling.
 */
export async function recordConnectionStates(page) {
  await page.evaluate(() => {
    const read = () => document.querySelector('[role="status"][aria-label="Connection"]')?.textContent?.trim() ?? null;
    const states = [read()];
    window.__connectionStates = states;
    new MutationObserver(() => {
      const now = read();
      if (now !== states.at(-1)) states.push(now);
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
}

/**
 * The texts of all rows of Run output, in order. The log is virtualized (only the rows near the view are in the
 * DOM), so this scrolls it from top to bottom and collects each row by its data-index; it fails if an index was
 * never rendered. After each scroll it waits until the rows in the DOM cover the whole view (the virtualizer has
 * caught up, however slow the machine), not for a fixed time.
 */
export async function outputRows(page, { stepTimeoutMs = 10_000 } = {}) {
  const rows = await runOutput(page).evaluate(
    async (log, stepTimeoutMs) => {
      const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
      const viewCovered = () => {
        const inner = log.firstElementChild;
        if (!inner || !inner.querySelector('[data-index]')) return false;
        const top = log.getBoundingClientRect().top + log.clientTop;
        const bottom = Math.min(top + log.clientHeight, inner.getBoundingClientRect().bottom);
        const boxes = [...inner.querySelectorAll('[data-index]')]
          .map((row) => row.getBoundingClientRect())
          .filter((box) => box.bottom > top && box.top < bottom)
          .sort((a, b) => a.top - b.top);
        let reached = top;
        for (const box of boxes) {
          if (box.top > reached + 1) return false; // a hole: rows still placed for an earlier scroll position
          reached = Math.max(reached, box.bottom);
        }
        return reached >= bottom - 1;
      };
      const waitFor = async (what, condition) => {
        const deadline = Date.now() + stepTimeoutMs;
        for (;;) {
          await frame();
          if (condition()) return;
          if (Date.now() > deadline) {
            throw new Error(`Timed out after ${stepTimeoutMs} ms waiting for ${what} (scrollTop ${log.scrollTop} of ${log.scrollHeight})`);
          }
        }
      };
      // To the top. The log follows new output (and row heights measured late) while at the bottom, so insist
      // until it stays at the top, with the rows there rendered, for two frames in a row.
      log.scrollTop = 0;
      let still = 0;
      await waitFor('Run output to stay scrolled to the top', () => {
        if (log.scrollTop !== 0) {
          log.scrollTop = 0;
          still = 0;
          return false;
        }
        return viewCovered() && ++still >= 2;
      });
      const seen = new Map();
      for (let step = 0; step < 10_000; step++) {
        await waitFor('the rows in view to be rendered', viewCovered);
        for (const row of log.querySelectorAll('[data-index]')) {
          seen.set(Number(row.getAttribute('data-index')), row.innerText.trim());
        }
        if (log.scrollTop + log.clientHeight >= log.scrollHeight - 1) break;
        log.scrollTop += Math.max(1, Math.floor(log.clientHeight / 2));
      }
      return [...seen.entries()].sort((a, b) => a[0] - b[0]);
    },
    stepTimeoutMs,
  );
  const missing = rows.filter(([index], i) => index !== i);
  if (rows.length === 0 || missing.length > 0) {
    throw new Error(`Run output rows were not all rendered while scrolling: indices ${JSON.stringify(rows.map(([index]) => index))}`);
  }
  return rows.map(([, text]) => text);
}

function tail(text, lines = 15) {
  return text.split('\n').slice(-lines).join('\n');
}
