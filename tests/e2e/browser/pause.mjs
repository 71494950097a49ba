// FR2.2.2 in the browser (tests/e2e/test_browser.py::test_browser_pause_and_resume_against_real_training),
// against the running stack with a real job training (JOB_PAUSE, seeded by browser_seed.py `pause`):
// the Pause button while training, the confirmation, the paused state with its card, the resume
// modal (switching the GPU type updates the estimate and its warnings), a second pause and the
// timeline listing both; then the paused job is cancelled. Five screenshots, prefixed "pause-".
import { BASE_URL, assert, firstNumber, launch, newContext, required, shot, signIn, step, until, watchPage } from './lib.mjs';

const PHASE = required('PHASE');
const member = { username: required('MEMBER_USER'), password: required('MEMBER_PASS') };
const JOB = required('JOB_PAUSE');
// Starting again after a resume (queue, checkpoint download, model loading) on a busy 2-core host.
const SLOW_MS = 240_000;

const statusOf = (page) => page.getByTestId('job-dashboard').getAttribute('data-status');

/** Refresh the job page until `probe` holds (the page polls slowly while a job runs). */
async function refreshUntil(page, what, probe, timeout = SLOW_MS) {
  return until(
    what,
    async () => {
      if (await probe()) return true;
      await page.getByTestId('refresh-button').click();
      return false;
    },
    { timeout, every: 2000 },
  );
}

async function pauseOnce(page, { screenshots }) {
  await refreshUntil(page, 'the Pause button to be enabled while training', async () => {
    const button = page.getByTestId('pause-job-button');
    return (await button.count()) > 0 && (await button.isEnabled());
  });
  const stepBefore = firstNumber(await page.getByTestId('step-counter').textContent().catch(() => '')) || 0;
  if (screenshots) await shot(page, 'pause-01-training-with-pause-button');

  await page.getByTestId('pause-job-button').click();
  const modal = page.getByTestId('pause-modal');
  await modal.waitFor();
  assert((await modal.getByTestId('pause-current-state').textContent()).includes('Spend so far'), 'the modal shows the spend so far');
  assert((await modal.textContent()).includes('Paused time is never billed'), 'the modal says what happens');
  if (screenshots) await shot(page, 'pause-02-confirmation', { fullPage: false });
  await modal.getByTestId('confirm-pause').click();
  await modal.waitFor({ state: 'detached' });

  // The request is answered at once; the worker stops at its next step boundary.
  await until('the job to be paused', async () => (await statusOf(page)) === 'paused', { timeout: SLOW_MS, every: 1000 });
  const card = page.getByTestId('paused-card');
  await card.waitFor();
  const pausedStep = firstNumber(await card.getByTestId('paused-step').textContent());
  assert(pausedStep >= stepBefore, `paused at step ${pausedStep}, not before ${stepBefore}`);
  assert((await card.getByTestId('paused-by').textContent()).includes('Elena'), 'the card says who paused it');
  assert(/\$\d/.test(await card.getByTestId('paused-spend').textContent()), 'the card shows the spend');
  assert((await page.getByTestId('pause-job-button').count()) === 0, 'no Pause button on a paused job');
  // The progress card says paused (with the stage it stopped in), and the cost tracker shows no
  // running projection: nothing accrues while paused.
  await until('the progress card to say paused', async () => (await page.getByTestId('stage-badge').textContent()).startsWith('‖Paused'));
  assert((await page.getByTestId('projected-cost').count()) === 0, 'no running projection while paused');
  assert((await page.getByTestId('paused-cost-note').textContent()).includes('nothing accrues'), 'the cost tracker says nothing accrues');
  return pausedStep;
}

async function phasePause(browser) {
  const context = await newContext(browser);
  const page = await context.newPage();
  const problems = watchPage(page, 'pause');
  await signIn(page, member.username, member.password);
  await page.goto(`${BASE_URL}/training-jobs/${JOB}`);
  await page.getByTestId('job-dashboard').waitFor();

  const firstStep = await step('pause a training job from its dashboard [pages 1-3]', async () => {
    const pausedStep = await pauseOnce(page, { screenshots: true });
    await shot(page, 'pause-03-paused-state');
    return pausedStep;
  });

  await step('resume modal: previous configuration, GPU type switch updates the estimate [page 4]', async () => {
    await page.getByTestId('paused-card-resume').click();
    const modal = page.getByTestId('resume-modal');
    await modal.waitFor();
    await until('the resume options', async () => (await modal.getByTestId('resume-gpu-type').count()) > 0);
    const from = await modal.getByTestId('resume-from').textContent();
    assert(from.includes(`step ${firstStep.toLocaleString('en-US')}`), `resumes from the paused step: ${from}`);
    assert((await modal.getByTestId('resume-config-learning_rate').textContent()).length > 0, 'previous config shown');
    const select = modal.getByTestId('resume-gpu-type');
    const current = await select.inputValue();
    const other = await select.locator('option').evaluateAll((opts, cur) => opts.map((o) => o.value).find((v) => v !== cur), current);
    assert(other, 'the catalog offers another GPU type');
    const costBefore = await modal.getByTestId('resume-estimate-cost').textContent();
    await select.selectOption(other);
    await until('the estimate and warnings of the other type', async () => {
      const warnings = modal.getByTestId('resume-warnings');
      return (await warnings.count()) > 0 && (await warnings.textContent()).includes('bit-identical');
    });
    const costAfter = await modal.getByTestId('resume-estimate-cost').textContent();
    console.log(`  remaining cost: ${current} ${costBefore} → ${other} ${costAfter}`);
    await shot(page, 'pause-04-resume-modal-gpu-switch', { fullPage: false });
    // This stack's workers are CPU ones: resume on the job's own type so it runs again.
    await select.selectOption(current);
    await modal.getByTestId('confirm-resume').click();
    await modal.waitFor({ state: 'detached' });
    await until('the job to be queued or running again', async () => ['queued', 'provisioning', 'running'].includes(await statusOf(page)));
  });

  await step('pause again and read both pauses in the timeline [page 5]', async () => {
    const secondStep = await pauseOnce(page, { screenshots: false });
    assert(secondStep > firstStep, `the resumed run went on from step ${firstStep} (paused again at ${secondStep})`);
    const items = page.getByTestId('pause-timeline-item');
    await until('two pauses in the history', async () => (await items.count()) === 2);
    assert((await items.nth(0).getAttribute('data-state')) === 'resumed', 'the first pause was resumed');
    assert((await items.nth(1).getAttribute('data-state')) === 'paused', 'the second pause is current');
    assert((await items.nth(0).textContent()).includes(`paused at step ${firstStep.toLocaleString('en-US')}`), 'the first pause keeps its step');
    const split = page.getByTestId('pause-time-split');
    assert((await split.getByTestId('paused-time').textContent()) !== '—', 'paused time is shown');
    await page.getByTestId('pause-history-section').scrollIntoViewIfNeeded();
    await shot(page, 'pause-05-multi-pause-timeline');
  });

  await step('the jobs list offers Resume (not Pause) in the paused job\'s row menu, with the same dialog', async () => {
    await page.goto(`${BASE_URL}/dashboard/training-jobs`);
    const row = page.locator(`[data-testid="job-row"][data-job-id="${JOB}"]`);
    await row.waitFor();
    await row.getByRole('button', { name: /^Actions for / }).click();
    const items = await page.getByRole('menuitem').allTextContents();
    assert(items.includes('Resume Training') && !items.includes('Pause Job'), `row menu of a paused job: ${items.join(', ')}`);
    await page.getByRole('menuitem', { name: 'Resume Training' }).click();
    const modal = page.getByTestId('resume-modal');
    await modal.waitFor();
    await until('the resume options', async () => (await modal.getByTestId('resume-gpu-type').count()) > 0);
    assert((await modal.getByTestId('resume-from').textContent()).includes('step'), 'the list opens the job page\'s resume dialog');
    await modal.getByRole('button', { name: 'Stay Paused' }).click();
    await modal.waitFor({ state: 'detached' });
    await page.goto(`${BASE_URL}/training-jobs/${JOB}`);
    await page.getByTestId('job-dashboard').waitFor();
  });

  await step('a paused job can be cancelled', async () => {
    await page.getByTestId('cancel-job-button').click();
    const modal = page.getByTestId('cancel-modal');
    await modal.getByLabel(/Reason for cancelling/).selectOption('testing');
    await modal.getByLabel('I understand this action cannot be undone').check();
    await modal.getByTestId('confirm-cancel').click();
    await until('the job to be cancelled', async () => (await statusOf(page)) === 'cancelled');
  });

  await context.close();
  return problems;
}

const PHASES = { pause: phasePause };

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
