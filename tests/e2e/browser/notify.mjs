// Browser journeys of the worker's Logs tab, "notify me when this job ends" and team webhooks,
// against the real stack (tests/e2e/test_browser.py::test_browser_logs_notifications_webhooks).
//   PHASE=webhooks  the manager adds a webhook pointing at the test's local receiver, sends a
//                   test and sees it succeed in the delivery log; the secret goes to
//                   WEBHOOK_SECRET_FILE so the test can verify every signature it received.
//   PHASE=logs      the member follows JOB_NOTIFY's Logs tab while it trains (new lines arrive
//                   without a reload), searches, downloads, turns on "Notify me when this job
//                   ends" (notifications permitted by the context) and gets the notification.
import { writeFileSync } from 'node:fs';
import {
  assert,
  BASE_URL,
  launch,
  newContext,
  required,
  shot,
  signIn,
  step,
  until,
  watchPage,
} from './lib.mjs';

const PHASE = required('PHASE');

/** Records every Notification the page constructs (headless Chromium shows none on screen). */
async function recordNotifications(context) {
  await context.grantPermissions(['notifications'], { origin: BASE_URL });
  await context.addInitScript(() => {
    const Real = window.Notification;
    window.__notes = [];
    class Recorded {
      static get permission() {
        return Real ? Real.permission : 'granted';
      }
      static requestPermission(...args) {
        return Real ? Real.requestPermission(...args) : Promise.resolve('granted');
      }
      constructor(title, options) {
        window.__notes.push({ title, body: options && options.body });
        this.onclick = null;
      }
      close() {}
    }
    window.Notification = Recorded;
  });
}

async function webhooks(browser) {
  const receiver = required('RECEIVER_URL');
  const context = await newContext(browser);
  const page = await context.newPage();
  const problems = watchPage(page, 'manager');
  await step('manager signs in and opens Settings → Webhooks', async () => {
    await signIn(page, required('MANAGER_USER'), required('MANAGER_PASS'));
    await page.getByTestId('user-menu').getByRole('button', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
    await page.getByText('No webhooks yet.').waitFor();
  });
  await step('adds a webhook for job completed/failed: the secret is shown once', async () => {
    await page.getByLabel('Name').fill('CI receiver');
    await page.getByTestId('webhook-url').fill(receiver);
    await page.getByTestId('webhook-create').click();
    const secret = (await page.getByTestId('webhook-secret').locator('code').textContent()).trim();
    assert(secret.startsWith('whsec_'), `secret ${secret}`);
    writeFileSync(required('WEBHOOK_SECRET_FILE'), secret);
    await page.getByTestId('webhook-card').waitFor();
    const tags = await page.getByTestId('webhook-card').textContent();
    assert(tags.includes('job.completed') && tags.includes('job.failed') && !tags.includes('job.paused'), tags);
  });
  await step('"Send test" reaches the receiver: the delivery log says succeeded, HTTP 200', async () => {
    await page.getByTestId('webhook-test').click();
    await until('the test delivery to succeed', async () => {
      const rows = page.getByTestId('delivery-row');
      return (await rows.count()) === 1 && (await rows.first().getAttribute('data-status')) === 'succeeded';
    }, { timeout: 60_000 });
    const row = await page.getByTestId('delivery-row').first().textContent();
    assert(row.includes('webhook.test') && row.includes('200'), row);
    await shot(page, 'notify-03-webhooks-delivery-log');
  });
  await step('a member sees that only managers manage webhooks', async () => {
    const memberContext = await newContext(browser);
    const member = await memberContext.newPage();
    await signIn(member, required('MEMBER_USER'), required('MEMBER_PASS'));
    assert((await member.getByTestId('user-menu').getByRole('button', { name: 'Webhooks' }).count()) === 0, 'member has a Webhooks button');
    await member.goto(`${BASE_URL}/settings/webhooks`);
    await member.getByTestId('webhooks-managers-only').waitFor();
    await memberContext.close();
  });
  assert(problems.length === 0, problems.join('\n'));
  await context.close();
}

async function logs(browser) {
  const jobId = required('JOB_NOTIFY');
  const context = await newContext(browser);
  await recordNotifications(context);
  const page = await context.newPage();
  const problems = watchPage(page, 'member');
  const lineCount = () => page.getByTestId('log-line').count();
  const cursor = async () => Number(await page.getByTestId('log-view').getAttribute('data-cursor'));

  await step('member opens the training job and its Logs tab', async () => {
    await signIn(page, required('MEMBER_USER'), required('MEMBER_PASS'));
    await page.goto(`${BASE_URL}/training-jobs/${jobId}`);
    await page.getByTestId('job-dashboard').waitFor();
    await page.getByRole('tab', { name: 'Logs' }).click();
    await until('log lines', async () => (await lineCount()) >= 3);
    const first = await page.getByTestId('log-line').first().textContent();
    assert(first.includes('Attempt 1 of job'), `first line: ${first}`);
    assert(await page.getByTestId('log-follow').isChecked(), 'follow is on for a running job');
  });

  await step('turns on "Notify me when this job ends" (the browser allows notifications)', async () => {
    await page.getByTestId('notify-button').click();
    await until('the toggle to be on', async () => (await page.getByTestId('notify-button').getAttribute('aria-pressed')) === 'true');
  });

  await step('follow mode: new training lines arrive without a reload, the view stays at the end', async () => {
    const before = await lineCount();
    const cursorBefore = await cursor();
    await until('new log lines', async () => (await lineCount()) > before, { timeout: 90_000 });
    assert((await cursor()) > cursorBefore, 'the cursor moved forward');
    const text = await page.getByTestId('log-view').textContent();
    assert(/step \d+\/\d+ · epoch/.test(text) && text.includes('loss'), 'a training progress line is shown');
    const atEnd = await page.getByTestId('log-view').evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 30);
    assert(atEnd, 'the view follows the end');
    await shot(page, 'notify-01-logs-following');
  });

  await step('search narrows the lines on the server; download gives the text file', async () => {
    await page.getByTestId('log-search').fill('loss');
    await until('only matching lines', async () => {
      const texts = await page.getByTestId('log-line').allTextContents();
      return texts.length > 0 && texts.every((t) => t.includes('loss'));
    });
    const href = await page.getByTestId('log-download').getAttribute('href');
    assert(href === `/api/training/jobs/${jobId}/logs/download?search=loss`, href);
    const response = await page.request.get(`${BASE_URL}${href}`);
    assert(response.status() === 200, `download ${response.status()}`);
    const body = await response.text();
    const lines = body.trim().split('\n');
    assert(lines.length > 0 && lines.every((l) => l.includes('loss') && l.includes('[attempt 1]')), body.slice(0, 300));
    await shot(page, 'notify-02-logs-search');
    await page.getByTestId('log-search').fill('');
  });

  await step('the job ends: the browser notification and the in-app message arrive, once', async () => {
    // The notification poll (10 s while watching) usually beats the dashboard's own (60 s).
    const notes = await until('a notification', async () => {
      const n = await page.evaluate(() => window.__notes);
      return n.length ? n : null;
    }, { timeout: 300_000, every: 500 });
    assert(notes.length === 1, JSON.stringify(notes));
    assert(notes[0].title === 'Training job completed' && notes[0].body === 'elena notify me completed', JSON.stringify(notes));
    await page.getByTestId('toast').filter({ hasText: 'elena notify me completed' }).waitFor();
    await shot(page, 'notify-04-job-ended-notified', { keepToasts: true });
    await page.getByRole('button', { name: 'Refresh' }).click();
    await until('the page to show the job completed', async () => (await page.getByTestId('job-dashboard').getAttribute('data-status')) === 'completed');
    await until('the last log line', async () => (await page.getByTestId('log-line').last().textContent()).includes('Training finished'));
    assert(!(await page.getByTestId('log-follow').isChecked()), 'follow stops once the job ended');
    // Shown once: a reload does not notify again.
    const polled = page.waitForResponse((r) => r.url().endsWith('/api/training/notifications') && r.status() === 200);
    await page.reload();
    const after = await (await polled).json();
    assert(after.results.length === 0 && after.watching.length === 0, JSON.stringify(after));
    await until('the log lines after the reload', async () => (await page.getByTestId('log-line').count()) > 0);
    const again = await page.evaluate(() => window.__notes.length);
    assert(again === 0, 'no second notification after a reload');
  });
  assert(problems.length === 0, problems.join('\n'));
  await context.close();
}

const browser = await launch();
try {
  if (PHASE === 'webhooks') await webhooks(browser);
  else if (PHASE === 'logs') await logs(browser);
  else throw new Error(`unknown phase ${PHASE}`);
} finally {
  await browser.close();
}
