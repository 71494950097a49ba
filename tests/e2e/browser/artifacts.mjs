// Browser journeys of "duplicate a job" and "keep what a stopped job produced" (issue #13), run by
// tests/e2e/test_browser.py::test_browser_artifacts_and_bulk after the seed's `artifacts` phase:
//   artifacts  duplicate the failed job X from its page and from the list's menu (the create form
//              comes prefilled; the new job says "cloned from X"), then download the adapter and a
//              checkpoint of the cancelled job P and check what arrived
//   bulk       select the three "bulk sweep" jobs (one is the manager's), cancel them with one
//              reason (the manager's is refused and stays), download the list as CSV (the rows
//              the table shows, in its order) and the cancelled job's metrics as CSV
// Screenshots: artifacts-*.png. Exit code 0 when every step passed.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { BASE_URL, assert, launch, newContext, required, shot, signIn, step, until, watchPage } from './lib.mjs';

const PHASE = required('PHASE');
const member = { username: required('MEMBER_USER'), password: required('MEMBER_PASS') };
const jobUrl = (id, query = '') => `${BASE_URL}/training-jobs/${id}${query}`;

/** Names of the entries of a (ustar) tar archive. */
function tarNames(buffer) {
  const names = [];
  for (let offset = 0; offset + 512 <= buffer.length; ) {
    const header = buffer.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const prefix = header.subarray(345, 500).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(header.subarray(124, 136).toString('utf8').replace(/\0.*$/s, '').trim() || '0', 8);
    names.push(prefix ? `${prefix}/${name}` : name);
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}

async function download(page, trigger) {
  // Generous: the first partial adapter a web process builds loads torch and PEFT first.
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), trigger.click()]);
  const file = await dl.path();
  assert(file, `download ${dl.suggestedFilename()} failed: ${await dl.failure()}`);
  return { name: dl.suggestedFilename(), bytes: readFileSync(file) };
}

async function phaseArtifacts(browser) {
  const failedId = required('JOB_FAILED');
  const cancelledId = required('JOB_CANCELLED');
  const context = await newContext(browser);
  const page = await context.newPage();
  const problems = watchPage(page, 'member');
  await signIn(page, member.username, member.password);
  const failedName = await (await page.request.get(`${BASE_URL}/api/training/jobs/${failedId}`)).json().then((j) => j.name);

  await step('Duplicate from the failed job’s page opens the create form prefilled', async () => {
    await page.goto(jobUrl(failedId));
    await page.getByTestId('error-card').waitFor();
    await page.getByTestId('duplicate-job-button').click();
    await page.waitForURL(/\/training-jobs\/new\?clone=/);
    const notice = page.getByTestId('clone-notice');
    await until('the clone notice to name the source', async () => (await notice.textContent())?.includes(`Duplicating ${failedName}`));
    await until('the name to be prefilled', async () => (await page.getByLabel('Job name').inputValue()) === `${failedName} (copy)`);
    await until('the dataset to be prefilled', async () => (await page.getByLabel('Training dataset', { exact: true }).inputValue()) !== '');
    assert((await page.getByLabel('Base model').inputValue()) === 'tiny-random-llama', 'base model prefilled');
    assert(await page.getByRole('radio', { name: /Custom/ }).isChecked(), 'the custom preset is kept');
    assert((await page.getByLabel('Epochs').inputValue()) === '1', 'epochs prefilled from the source');
    await shot(page, 'artifacts-01-duplicate-form');
  });

  let cloneId;
  await step('Submitting creates the copy, which says where it came from', async () => {
    await page.getByLabel('Job name').fill(`${failedName} retry`);
    await page.getByTestId('submit-job').click();
    await page.waitForURL(/\/training-jobs\/[0-9a-f-]{36}$/);
    cloneId = page.url().split('/').pop();
    assert(cloneId !== failedId, 'a new job was created');
    const cloned = page.getByTestId('cloned-from');
    await until('"cloned from" in the header', async () => (await cloned.textContent())?.includes(`cloned from ${failedName}`));
    const body = await (await page.request.get(`${BASE_URL}/api/training/jobs/${cloneId}`)).json();
    const source = await (await page.request.get(`${BASE_URL}/api/training/jobs/${failedId}`)).json();
    assert(body.cloned_from?.id === failedId, `cloned_from recorded: ${JSON.stringify(body.cloned_from)}`);
    assert(JSON.stringify(body.hyperparameters) === JSON.stringify(source.hyperparameters), 'same hyperparameters as the source');
    assert(body.dataset?.id === source.dataset?.id, 'same dataset as the source');
    await shot(page, 'artifacts-02-cloned-job');
    await cloned.getByRole('link').click();
    await page.waitForURL(jobUrl(failedId));
  });

  await step('Duplicate is in the jobs list’s row menu too', async () => {
    await page.goto(`${BASE_URL}/dashboard/training-jobs?search=${encodeURIComponent(failedName)}`);
    const row = page.locator(`[data-testid="job-row"][data-job-id="${failedId}"]`);
    await row.getByRole('button', { name: `Actions for ${failedName}` }).click();
    await page.getByRole('menuitem', { name: 'Duplicate' }).click();
    await page.waitForURL(new RegExp(`/training-jobs/new\\?clone=${failedId}`));
    await until('the form to be prefilled', async () => (await page.getByLabel('Job name').inputValue()) === `${failedName} (copy)`);
  });

  await step('The cancelled job lists its checkpoints and downloads the latest adapter', async () => {
    await page.goto(jobUrl(cancelledId));
    await page.getByTestId('cancelled-card').waitFor();
    const section = page.getByTestId('checkpoints-section');
    await section.waitFor();
    const api = await (await page.request.get(`${BASE_URL}/api/training/jobs/${cancelledId}/checkpoints`)).json();
    assert(api.length >= 2, `at least two checkpoints stored (${api.length})`);
    const latest = api.reduce((a, b) => (b.step > a.step ? b : a));
    await until('a row per checkpoint', async () => (await page.getByTestId('checkpoint-row').count()) === api.length);
    const steps = await page.getByTestId('checkpoint-row').evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('data-step'))));
    assert(JSON.stringify(steps) === JSON.stringify(api.map((c) => c.step).sort((a, b) => b - a)), `rows newest first: ${steps}`);
    const button = page.getByTestId('latest-adapter-download');
    assert((await button.textContent()).includes(`step ${latest.step}`), 'the offer names the latest step');
    await shot(page, 'artifacts-03-cancelled-checkpoints');

    const adapter = await download(page, button);
    assert(adapter.name.endsWith(`-step-${latest.step}-adapter.tar.gz`), `adapter file name: ${adapter.name}`);
    const names = tarNames(gunzipSync(adapter.bytes));
    for (const want of ['adapter/adapter_config.json', 'adapter/adapter_model.safetensors']) assert(names.includes(want), `${want} in ${names}`);
  });

  await step('A checkpoint downloads byte for byte (its sha256)', async () => {
    const api = await (await page.request.get(`${BASE_URL}/api/training/jobs/${cancelledId}/checkpoints`)).json();
    const oldest = api.reduce((a, b) => (b.step < a.step ? b : a));
    const row = page.locator(`[data-testid="checkpoint-row"][data-step="${oldest.step}"]`);
    const file = await download(page, row.getByTestId('checkpoint-download'));
    assert(file.name === `checkpoint-step-${oldest.step}.pt`, `checkpoint file name: ${file.name}`);
    const digest = createHash('sha256').update(file.bytes).digest('hex');
    assert(digest === oldest.sha256, `sha256 ${digest} matches the stored ${oldest.sha256}`);
  });

  await context.close();
  return problems;
}

/** RFC 4180 rows (quoted fields, doubled quotes, newlines inside quotes). */
function parseCsv(text) {
  const out = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), (i += 1);
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\n') row.push(cell), out.push(row), (row = []), (cell = '');
    else if (c !== '\r') cell += c;
  }
  if (cell || row.length) row.push(cell), out.push(row);
  const [header, ...rest] = out;
  return rest.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

async function phaseBulk(browser) {
  const mine = required('JOBS_MINE').split(',');
  const theirs = required('JOB_THEIRS');
  const cancelledId = required('JOB_CANCELLED');
  const context = await newContext(browser);
  const page = await context.newPage();
  const problems = watchPage(page, 'member');
  await signIn(page, member.username, member.password);
  const status = async (id) => (await (await page.request.get(`${BASE_URL}/api/training/jobs/${id}`)).json()).status;

  await step('Select every "bulk sweep" job on the page', async () => {
    await page.goto(`${BASE_URL}/dashboard/training-jobs?search=bulk+sweep&ordering=name`);
    await until('the three bulk jobs', async () => (await page.getByTestId('job-row').count()) === 3);
    assert((await page.getByTestId('bulk-bar').count()) === 0, 'no bulk bar before a selection');
    await page.getByRole('checkbox', { name: 'Select all jobs on this page' }).check();
    await until('3 selected', async () => (await page.getByTestId('bulk-count').textContent()) === '3 selected');
    await page.getByRole('checkbox', { name: 'Select bulk sweep 3 (maya)' }).uncheck();
    await until('2 selected', async () => (await page.getByTestId('bulk-count').textContent()) === '2 selected');
    await page.getByRole('checkbox', { name: 'Select bulk sweep 3 (maya)' }).check();
    await shot(page, 'artifacts-04-bulk-selection');
  });

  await step('Cancel them with one reason: the manager’s job is refused and left alone', async () => {
    await page.getByTestId('bulk-cancel').click();
    const modal = page.getByTestId('bulk-cancel-modal');
    await modal.getByTestId('bulk-cancel-reason').selectOption('testing');
    await modal.getByRole('textbox').fill('bulk check');
    await modal.getByTestId('bulk-cancel-confirm').click();
    const summary = page.getByTestId('bulk-result-summary');
    await until('the result', async () => (await summary.textContent())?.startsWith('Cancelled 2 of 3'));
    assert((await summary.textContent()).includes('1 refused'), await summary.textContent());
    const refusal = page.getByTestId('bulk-refusal');
    assert((await refusal.count()) === 1, 'one refusal listed');
    assert((await refusal.getAttribute('data-code')) === 'permission_denied', 'refused for permission');
    assert((await refusal.textContent()).includes("bulk sweep 3 (maya): Only the job's creator or a manager can cancel it."), await refusal.textContent());
    for (const id of mine) await until(`${id} to be cancelled`, async () => ['cancelling', 'cancelled'].includes(await status(id)));
    assert(!['cancelling', 'cancelled'].includes(await status(theirs)), 'the manager’s job is untouched');
    await until('the selection to clear', async () => (await page.getByTestId('bulk-bar').count()) === 0);
    await shot(page, 'artifacts-05-bulk-result');
  });

  await step('Export CSV downloads the list as filtered and sorted', async () => {
    const shown = await page.getByTestId('job-row').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-job-id')));
    const csv = await download(page, page.getByTestId('export-csv'));
    assert(/^training-jobs-\d{8}-\d{6}\.csv$/.test(csv.name), `file name ${csv.name}`);
    const rows = parseCsv(csv.bytes.toString('utf8'));
    assert(JSON.stringify(rows.map((r) => r.id)) === JSON.stringify(shown), `CSV ids ${rows.map((r) => r.id)} = table ${shown}`);
    assert(JSON.stringify(rows.map((r) => r.name)) === JSON.stringify(['bulk sweep 1', 'bulk sweep 2', 'bulk sweep 3 (maya)']), 'sorted by name');
    const mineRows = rows.filter((r) => mine.includes(r.id));
    assert(mineRows.every((r) => r.cancel_reason === 'testing'), 'the reason is in the CSV');
  });

  await step('The cancelled job’s metrics download as CSV', async () => {
    await page.goto(jobUrl(cancelledId));
    const link = page.getByTestId('metrics-csv');
    await link.waitFor();
    const csv = await download(page, link);
    const rows = parseCsv(csv.bytes.toString('utf8'));
    const api = await (await page.request.get(`${BASE_URL}/api/training/jobs/${cancelledId}/metrics?max_points=20000`)).json();
    assert(rows.length === api.total_points && rows.length > 0, `${rows.length} rows for ${api.total_points} points`);
    assert(JSON.stringify(rows.map((r) => Number(r.step))) === JSON.stringify(api.points.map((p) => p.step)), 'one row per step, in order');
    assert(rows.every((r) => r.gpu_utilization === ''), 'no invented GPU figures on a CPU host');
    assert(Math.abs(Number(rows.at(-1).train_loss) - api.points.at(-1).train_loss) < 1e-9, 'the last train loss matches');
  });

  await context.close();
  return problems;
}

const PHASES = { artifacts: phaseArtifacts, bulk: phaseBulk };

async function main() {
  const run = PHASES[PHASE];
  if (!run) throw new Error(`unknown PHASE ${PHASE}`);
  const started = Date.now();
  const browser = await launch();
  try {
    const problems = await run(browser);
    assert(problems.length === 0, `page errors:\n${problems.join('\n')}`);
  } finally {
    await browser.close();
  }
  console.log(`phase ${PHASE} passed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
