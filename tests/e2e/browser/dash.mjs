// Browser journey of the job-dashboard figures and the run comparison (tests/e2e/test_browser.py,
// test_browser_dash_compare_runs_and_offline), against the real stack after two quick runs that
// differ in learning rate and LoRA rank trained to completion (browser_seed.py, phase "dash"):
//   compare   pick the two runs from the jobs list's "Compare runs", overlaid curves by step and by
//             tokens seen, the differing settings, the URL reopens the same comparison
//   job page  the finished run: terminal stage bar, loss chart to the last step with smoothing,
//             learning-rate/throughput/GPU charts, metric events filtered through the URL
//   offline   the browser goes offline: banner, "updated … ago", Refresh answers at once
// Exit code 0 when every step passed; screenshots (dash-*.png) go to SCREENSHOT_DIR.
import { BASE_URL, TIMEOUT_MS, assert, launch, newContext, required, shot, signIn, step, until, watchPage } from './lib.mjs';

const member = { username: required('MEMBER_USER'), password: required('MEMBER_PASS') };
const runs = required('JOB_RUNS').split(',');

async function phaseDash(browser) {
  const context = await newContext(browser);
  const page = await context.newPage();
  const problems = watchPage(page, 'member');
  await signIn(page, member.username, member.password);

  await step('compare: pick the two runs from the jobs list, overlaid curves and what differs', async () => {
    await page.getByTestId('compare-runs-button').click();
    await page.getByTestId('compare-page').waitFor();
    for (const id of runs) await page.locator(`[data-testid="compare-checkbox"][data-job-id="${id}"]`).check();
    await until('the URL to hold both runs', async () => new URL(page.url()).searchParams.get('jobs') === runs.join(','));
    const table = page.getByTestId('compare-table');
    await table.waitFor();
    const lr = await table.getByTestId('compare-row-learning_rate').innerText();
    assert(/0\.0002/.test(lr) && /0\.001/.test(lr), `learning rates differ: ${lr}`);
    const rank = await table.getByTestId('compare-row-lora_r').innerText();
    assert(/8/.test(rank) && /16/.test(rank), `ranks differ: ${rank}`);
    assert((await table.getByTestId('compare-row-batch_size').count()) === 0, 'identical settings are not listed');
    const best = await table.getByTestId('compare-row-best_val_loss').innerText();
    assert(/\d\.\d{3}.*\d\.\d{3}/s.test(best), `best validation losses: ${best}`);
    // Two runs × (training + validation) curves, each with points.
    await until('four curves', async () => (await page.getByTestId('compare-chart').getAttribute('data-curves')) === '4');
    await page.getByTestId('compare-align').selectOption('tokens');
    await until('align=tokens in the URL', async () => new URL(page.url()).searchParams.get('align') === 'tokens');
    const label = await page.locator('[data-testid="compare-chart"] canvas').getAttribute('aria-label');
    assert(/by tokens seen/.test(label), `chart by tokens: ${label}`);
    assert((await page.getByTestId('compare-chart').getAttribute('data-curves')) === '4', 'both runs on the tokens axis');
    await shot(page, 'dash-compare');
  });

  await step('compare: the URL is shareable (a fresh page opens the same comparison)', async () => {
    const url = page.url();
    const other = await context.newPage();
    const otherProblems = watchPage(other, 'shared');
    await other.goto(url);
    await other.getByTestId('compare-table').waitFor();
    assert((await other.getByTestId('compare-align').inputValue()) === 'tokens', 'alignment restored');
    const names = await other.locator('[data-testid="compare-table"] thead th a').allInnerTexts();
    assert(names.length === 2 && names.every((n) => /elena compare/i.test(n)), `runs restored: ${names}`);
    await other.close();
    problems.push(...otherProblems);
  });

  await step('finished run: terminal stage bar, chart to the last step, smoothing, LR/throughput/GPU charts', async () => {
    await page.goto(`${BASE_URL}/training-jobs/${runs[1]}`);
    await page.getByTestId('job-dashboard').waitFor();
    assert((await page.getByTestId('job-dashboard').getAttribute('data-status')) === 'completed', 'run completed');
    const states = await page.locator('[data-testid^="stage-"][data-state]').evaluateAll((els) => els.map((e) => e.dataset.state));
    assert(states.length === 4 && states.every((s) => s === 'completed'), `stage bar terminal: ${states}`);
    await page.getByTestId('loss-curve').waitFor();
    const range = await page.getByTestId('chart-range').innerText();
    const total = (await page.getByTestId('step-counter').innerText()).match(/of ([\d,]+)/)?.[1];
    assert(total && range.includes(`0–${total} of ${total} planned`), `x-axis ends at the last step: ${range}`);
    assert((await page.getByTestId('planned-range').isDisabled()) === true, 'no planned range beyond a finished run');
    // A range input: set it the way a drag does (React listens to the input event).
    await page.getByTestId('smoothing-slider').evaluate((el) => {
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(el, '0.6');
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await until('the smoothed legend', async () => /smoothed 0\.60/.test(await page.locator('.chart-legend').innerText()));
    await page.getByTestId('log-scale').check();
    const yTitle = await page.locator('.chart-box canvas').getAttribute('aria-label');
    assert(yTitle && /Loss curve/.test(yTitle), 'chart still drawn in log scale');
    const lrPoints = Number(await page.getByTestId('chart-lr').getAttribute('data-points'));
    const tpsPoints = Number(await page.getByTestId('chart-tps').getAttribute('data-points'));
    assert(lrPoints > 3 && tpsPoints > 3, `learning-rate and throughput charts drawn (${lrPoints}, ${tpsPoints})`);
    // The stack trains on CPUs: no GPU figure exists, and none is drawn as zero.
    assert(/Not measured/.test(await page.getByTestId('chart-gpu-util').innerText()), 'GPU utilisation not invented');
    assert(/Not measured/.test(await page.getByTestId('chart-gpu-mem').innerText()), 'GPU memory not invented');
    assert(/^\$\d+\.\d{4}$/.test((await page.getByTestId('current-spend').innerText()).trim()), 'one money format (4 decimals on a CPU run)');
    await shot(page, 'dash-job-charts');
  });

  await step('event log: metric events in time order, the filter survives a reload', async () => {
    await page.goto(`${BASE_URL}/training-jobs/${runs[1]}?tab=events&ev_type=metrics`);
    await page.getByTestId('event-log').waitFor();
    await until('metric events', async () => (await page.getByTestId('event-row').count()) > 3);
    const types = await page.getByTestId('event-row').evaluateAll((els) => els.map((e) => e.dataset.type));
    assert(types.every((t) => t === 'metrics'), `only metric events: ${types}`);
    const text = await page.getByTestId('event-row').first().innerText();
    assert(/Step \d+\/\d+ · train loss \d/.test(text), `a metric line: ${text}`);
    const times = await page.locator('[data-testid="event-row"] time').evaluateAll((els) => els.map((e) => e.getAttribute('datetime')));
    assert(times.every((t, i) => i === 0 || new Date(times[i - 1]) >= new Date(t)), `newest first in time order: ${times}`);
    await page.reload();
    await page.getByTestId('event-log').waitFor();
    assert((await page.getByTestId('event-type-filter').inputValue()) === 'metrics', 'filter restored from the URL');
  });

  await step('offline: banner with the data age, Refresh answers at once, back online clears it', async () => {
    await page.goto(`${BASE_URL}/training-jobs/${runs[0]}`);
    await page.getByTestId('job-dashboard').waitFor();
    await until('"Updated" indicator', async () => /Updated/.test(await page.getByTestId('updated-ago').innerText()));
    await context.setOffline(true);
    const banner = page.getByTestId('connection-banner');
    await banner.waitFor();
    assert((await banner.getAttribute('data-connection')) === 'offline', 'offline banner');
    assert(/You are offline/.test(await banner.innerText()) && /are from \d/.test(await banner.innerText()), 'banner says how old the data is');
    const clicked = Date.now();
    await page.getByTestId('refresh-button').click();
    await page.getByTestId('toast').filter({ hasText: 'You are offline' }).waitFor({ timeout: 5000 });
    assert(Date.now() - clicked < 5000, 'Refresh answers offline at once');
    assert(!(await page.getByTestId('refresh-button').isDisabled()), 'Refresh is not left spinning');
    assert((await page.getByTestId('updated-ago').getAttribute('data-connection')) === 'offline', 'indicator shows offline');
    await shot(page, 'dash-offline', { keepToasts: true });
    await context.setOffline(false);
    await until('the banner to go', async () => (await page.getByTestId('connection-banner').count()) === 0);
  });

  await context.close();
  return problems;
}

async function main() {
  const started = Date.now();
  const browser = await launch();
  try {
    const problems = await phaseDash(browser);
    assert(problems.length === 0, `page errors:\n${problems.join('\n')}`);
  } finally {
    await browser.close();
  }
  console.log(`phase dash passed in ${((Date.now() - started) / 1000).toFixed(1)}s (timeout per wait ${TIMEOUT_MS / 1000}s)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
