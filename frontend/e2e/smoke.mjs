// Browser smoke test of the SPA against a running server (not part of `npm test`).
//
//   BASE_URL=http://127.0.0.1:8000 E2E_USER=admin E2E_PASSWORD=... npm run e2e:smoke
//
// Uses playwright-core with the Debian chromium (CHROMIUM=/usr/bin/chromium). Walks sign-in, the
// jobs list, queue, a job dashboard (chart, refresh, event log + CSV export), creating a job from
// an uploaded dataset, cancelling it, and sign-out; fails on page errors or unexpected API errors.
import { chromium } from 'playwright-core';

const BASE = process.env.BASE_URL ?? 'http://127.0.0.1:8000';
const USER = process.env.E2E_USER ?? 'admin';
const PASSWORD = process.env.E2E_PASSWORD;
const OUT = process.env.E2E_SCREENSHOTS; // optional folder for screenshots
if (!PASSWORD) {
  console.error('Set E2E_PASSWORD (and E2E_USER, BASE_URL).');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic'],
});
const problems = [];
const step = async (name, fn) => {
  const t = Date.now();
  try {
    await fn();
    console.log(`ok   ${name} (${Date.now() - t} ms)`);
  } catch (e) {
    problems.push(`${name}: ${e.message.split('\n')[0]}`);
    console.log(`FAIL ${name}: ${e.message.split('\n')[0]}`);
    if (OUT) await page.screenshot({ path: `${OUT}/fail-${name.replace(/\W+/g, '_')}.png`, fullPage: true }).catch(() => {});
  }
};
const shot = async (name) => {
  if (OUT) await page.screenshot({ path: `${OUT}/${name}.png`, fullPage: true });
};

const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, acceptDownloads: true });
const page = await ctx.newPage();
page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
page.on('response', (r) => {
  const url = r.url();
  // The first /api/auth/me before sign-in is expected to be refused.
  if (url.includes('/api/') && r.status() >= 500) problems.push(`HTTP ${r.status()} ${r.request().method()} ${url}`);
});

await step('sign in', async () => {
  await page.goto(`${BASE}/dashboard/training-jobs`);
  await page.getByLabel('Username').fill(USER);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('user-menu').waitFor();
});

await step('jobs list', async () => {
  await page.getByTestId('jobs-table').or(page.getByTestId('empty-state')).first().waitFor();
  await shot('list');
});

await step('queue tab', async () => {
  await page.getByRole('tab', { name: /Queue/ }).click();
  await page.getByTestId('active-slots').waitFor();
  if (!page.url().includes('tab=queue')) throw new Error('tab not kept in the URL');
  await shot('queue');
});

let jobId = null;
await step('create job with an uploaded dataset', async () => {
  await page.goto(`${BASE}/training-jobs/new`);
  await page.getByTestId('create-job-form').waitFor();
  const picker = page.getByTestId('dataset-picker');
  await picker.getByRole('button', { name: 'Upload JSONL' }).click();
  const lines = Array.from({ length: 40 }, (_, i) =>
    JSON.stringify({ messages: [{ role: 'user', content: `question ${i}` }, { role: 'assistant', content: `answer ${i}` }] }),
  ).join('\n');
  await picker.getByTestId('dataset-file-input').setInputFiles({ name: 'smoke.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(`${lines}\n`) });
  await picker.getByTestId('upload-dataset').click();
  await picker.getByTestId('dataset-ok').waitFor();
  await page.getByTestId('job-name-input').fill(`smoke ${new Date().toISOString()}`);
  await page.getByTestId('estimate-cost').waitFor();
  await shot('create');
  await page.getByTestId('submit-job').click();
  await page.getByTestId('job-dashboard').waitFor();
  jobId = page.url().split('/').pop();
});

await step('dashboard', async () => {
  if (!jobId) throw new Error('no job');
  await page.getByTestId('stage-indicator').waitFor();
  await page.getByTestId('refresh-button').click();
  await page.getByText('Metrics updated').waitFor();
  await shot('dashboard');
});

await step('event log + CSV export', async () => {
  await page.getByRole('tab', { name: 'Event Log' }).click();
  await page.getByTestId('event-row').first().waitFor();
  await page.getByTestId('event-row').first().click();
  await page.getByRole('button', { name: 'Copy JSON' }).waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  if (!download.suggestedFilename().endsWith('.csv')) throw new Error(`unexpected file ${download.suggestedFilename()}`);
  await page.getByRole('tab', { name: 'Overview' }).click();
});

await step('cancel job', async () => {
  const button = page.getByTestId('cancel-job-button');
  if (!(await button.count())) {
    console.log('     (job already finished — nothing to cancel)');
    return;
  }
  await button.click();
  const dialog = page.getByRole('dialog', { name: 'Cancel Training Job?' });
  const confirm = dialog.getByRole('button', { name: 'Confirm Cancellation' });
  if (await confirm.isEnabled()) throw new Error('confirm enabled before reason + checkbox');
  await dialog.getByLabel(/Reason for cancelling/).selectOption('testing');
  await dialog.getByLabel('I understand this action cannot be undone').check();
  await confirm.click();
  await page.getByText(/Job cancelled\. Final cost/).waitFor();
  await page.getByTestId('job-cancelled-indicator').or(page.getByTestId('job-cancelling-indicator')).first().waitFor();
  await shot('cancelled');
});

await step('phone layout has no horizontal scroll', async () => {
  await page.setViewportSize({ width: 375, height: 812 });
  for (const path of ['/dashboard/training-jobs', `/training-jobs/${jobId}`, '/training-jobs/new']) {
    await page.goto(`${BASE}${path}`);
    await page.waitForTimeout(800);
    const w = await page.evaluate(() => document.documentElement.scrollWidth);
    if (w > 375) throw new Error(`${path} is ${w}px wide`);
  }
  await page.setViewportSize({ width: 1366, height: 900 });
});

await step('sign out', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
});

await browser.close();
if (problems.length) {
  console.error(`\n${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log('\nsmoke test passed');
