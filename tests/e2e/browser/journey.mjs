// The browser journeys of tests/e2e/test_browser.py, against a running stack (web server, scheduler,
// Celery workers training tiny-random-llama). One phase per run (PHASE), because the test seeds
// real jobs between them:
//   empty     no jobs yet: the empty jobs list and the empty queue
//   progress  a quick job is training: open it, watch the loss curve, metrics and stage bar advance
//             until it completes
//   main      list, filters, search, queue, the live dashboard (zoom, mobile, event log, cancel and
//             polling stopped), the over-budget and the failed job
// Exit code 0 when every step passed; screenshots go to SCREENSHOT_DIR.
import {
  BASE_URL,
  TIMEOUT_MS,
  assert,
  dismissToasts,
  firstNumber,
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
const member = { username: required('MEMBER_USER'), password: required('MEMBER_PASS') };
const manager = { username: required('MANAGER_USER'), password: required('MANAGER_PASS') };

const jobUrl = (id, query = '') => `${BASE_URL}/training-jobs/${id}${query}`;
const rows = (page) => page.getByTestId('job-row');
const statusOf = (page) => page.getByTestId('job-dashboard').getAttribute('data-status');

/** The last logged step in the loss curve's text alternative ("... (step 1 to 57) ..."). */
async function lastChartStep(page) {
  const label = await page.locator('.chart-box canvas').getAttribute('aria-label');
  const m = /\(step \d+ to (\d+)\)/.exec(label ?? '');
  return m ? Number(m[1]) : NaN;
}

async function stageStates(page) {
  const out = {};
  for (const key of ['preprocessing', 'model_loading', 'training', 'finalization']) {
    out[key] = await page.getByTestId(`stage-${key}`).getAttribute('data-state');
  }
  return out;
}

/** Click Refresh and wait for its toast; returns once the refetch has landed. */
async function refresh(page) {
  const toasts = page.getByTestId('toast').filter({ hasText: 'Metrics updated' });
  const before = await toasts.count();
  await page.getByTestId('refresh-button').click();
  await until('the "Metrics updated" toast', async () => (await toasts.count()) > before);
}

/** Requests the dashboard makes for one job (detail, metrics, events), recorded from now on. */
function recordJobRequests(page, jobId) {
  const seen = [];
  const re = new RegExp(`/api/training/jobs/${jobId}(/metrics|/events)?(\\?|$)`);
  const onRequest = (req) => {
    if (req.method() === 'GET' && re.test(new URL(req.url()).pathname + '?')) seen.push(req.url());
  };
  page.on('request', onRequest);
  return { seen, stop: () => page.off('request', onRequest) };
}

async function phaseEmpty(browser) {
  const context = await newContext(browser);
  const page = await context.newPage();
  const problems = watchPage(page, 'member');

  await step('sign in as the member; the header shows who is signed in', async () => {
    await signIn(page, member.username, member.password);
    const who = await page.getByTestId('user-menu').innerText();
    assert(/Elena Member/.test(who), `header shows ${JSON.stringify(who)}`);
  });

  await step('empty jobs list offers "Create Your First Training Job" [page 3]', async () => {
    await page.getByRole('heading', { name: 'No training jobs yet' }).waitFor();
    const cta = page.getByRole('link', { name: 'Create Your First Training Job' });
    assert((await cta.getAttribute('href')) === '/training-jobs/new', 'CTA goes to the create form');
    await shot(page, '03-jobs-list-empty');
  });

  await step('empty queue tab says so and offers "Create New Training Job" [page 5]', async () => {
    await page.getByRole('tab', { name: /Queue/ }).click();
    await page.waitForURL(/tab=queue/);
    await page.getByRole('heading', { name: 'Queue is empty' }).waitFor();
    await page.getByTestId('queue-view').getByRole('link', { name: 'Create New Training Job' }).waitFor();
    assert((await page.getByTestId('queue-count').innerText()) === '0', 'queue count badge is 0');
    await shot(page, '05-queue-empty');
  });
  return problems;
}

async function phaseProgress(browser) {
  const quickId = required('JOB_QUICK');
  const context = await newContext(browser);
  const page = await context.newPage();
  const problems = watchPage(page, 'member');

  await step('sign in and find the training job by searching its name', async () => {
    await signIn(page, member.username, member.password);
    await until('three jobs in the list', async () => (await rows(page).count()) === 3);
    await page.getByTestId('jobs-search').fill('quick');
    await page.waitForURL(/search=quick/);
    await until('only the quick job listed', async () => (await rows(page).count()) === 1);
    await rows(page).first().getByTestId('status-badge').filter({ hasText: 'Running' }).waitFor();
  });

  await step('open the running job: loss curve, metrics and stage bar appear', async () => {
    await rows(page).first().click();
    await page.waitForURL(`**/training-jobs/${quickId}`);
    await page.locator('.chart-box canvas').waitFor();
    await page.getByTestId('metric-train_loss').waitFor();
    const states = await stageStates(page);
    assert(states.preprocessing === 'completed', `preprocessing ${states.preprocessing}`);
    assert(states.model_loading === 'completed', `model loading ${states.model_loading}`);
    assert(states.training === 'active', `training ${states.training}`);
    assert(states.finalization === 'pending', `finalization ${states.finalization}`);
  });

  await step('refresh: the step counter, loss curve and metrics update', async () => {
    const step0 = firstNumber(await page.getByTestId('step-counter').innerText());
    const chart0 = await lastChartStep(page);
    await until(
      'a newer step after Refresh',
      async () => {
        await refresh(page);
        return firstNumber(await page.getByTestId('step-counter').innerText()) > step0;
      },
      { timeout: 60_000, every: 1500 },
    );
    // Progress (heartbeats) can run ahead of the batched metric reports, so keep refreshing
    // until the new points have landed rather than waiting on the 60 s poll.
    await until(
      'the loss curve to extend',
      async () => {
        if ((await lastChartStep(page)) > chart0) return true;
        await refresh(page);
        return (await lastChartStep(page)) > chart0;
      },
      { timeout: 60_000, every: 1500 },
    );
    const loss = await page.getByTestId('metric-train_loss').innerText();
    assert(/\d\.\d{2,}/.test(loss), `training loss shown: ${JSON.stringify(loss)}`);
  });

  await step('the stage bar advances through finalization to completed [page 10]', async () => {
    await until(
      'the job to complete',
      async () => {
        if ((await statusOf(page)) === 'completed') return true;
        await refresh(page);
        return false;
      },
      { timeout: 150_000, every: 3000 },
    );
    const states = await stageStates(page);
    for (const [key, state] of Object.entries(states)) assert(state === 'completed', `${key} ${state}`);
    await page.getByTestId('completed-card').waitFor();
    assert(/100%/.test(await page.getByTestId('progress-percent').innerText()), 'progress shows 100%');
    assert((await page.getByTestId('cancel-job-button').count()) === 0, 'no Cancel button once completed');
    await shot(page, '10-dashboard-completed');
  });
  return problems;
}

async function phaseMain(browser) {
  const ids = {
    live: required('JOB_LIVE'),
    budget: required('JOB_BUDGET'),
    failed: required('JOB_FAILED'),
    quick: required('JOB_QUICK'),
    queued: required('JOB_QUEUED').split(','),
  };
  const total = 4 + ids.queued.length;

  const context = await newContext(browser);
  // A controllable clock (flowing in real time until told otherwise) lets the journey jump past
  // the dashboard's 60 s polling interval to prove polling runs while active and stops after.
  await context.clock.install();
  const page = await context.newPage();
  const problems = watchPage(page, 'member');

  const mgrContext = await newContext(browser);
  const mgr = await mgrContext.newPage();
  const mgrProblems = watchPage(mgr, 'manager');

  await step('sign in as the member: all jobs, with every kind of status', async () => {
    await signIn(page, member.username, member.password);
    await until(`${total} jobs listed`, async () => (await rows(page).count()) === total);
    const pager = await page.locator('.card__footer').innerText();
    assert(pager.includes(`Showing 1–${total} of ${total} jobs`), `pagination: ${pager}`);
    for (const status of ['Running', 'Queued', 'Completed', 'Failed']) {
      await page.getByTestId('status-badge').filter({ hasText: status }).first().waitFor();
    }
  });

  await step('filter to Active jobs and open a row\'s actions menu [page 2]', async () => {
    await page.getByLabel('Status filter').selectOption('active');
    await page.waitForURL(/status=active/);
    await until('two active jobs', async () => (await rows(page).count()) === 2);
    for (const badge of await page.getByTestId('job-row').getByTestId('status-badge').allInnerTexts()) {
      assert(/Running|Provisioning/.test(badge), `active filter shows ${badge}`);
    }
    const live = page.locator(`[data-testid="job-row"][data-job-id="${ids.live}"]`);
    await live.getByRole('progressbar').waitFor();
    await live.getByRole('button', { name: /^Actions for / }).click();
    const menu = page.getByRole('menu');
    await menu.getByRole('menuitem', { name: 'View Details' }).waitFor();
    await menu.getByRole('menuitem', { name: 'Cancel Job' }).waitFor();
    assert((await menu.getByRole('menuitem', { name: 'Delete' }).count()) === 0, 'no Delete on a running job');
    await shot(page, '02-jobs-list-active-filtered');
    await page.keyboard.press('Escape');
    await until('the menu to close', async () => (await page.getByRole('menu').count()) === 0);
  });

  await step('mixed statuses with a date range and a name search, kept in the URL [page 1]', async () => {
    await page.getByLabel('Status filter').selectOption('');
    await page.getByLabel('Date range filter').selectOption('7d');
    await page.getByTestId('jobs-search').fill('elena');
    // The search is debounced (500 ms), then lands in the URL with the other filters.
    await page.waitForURL((url) => url.searchParams.get('search') === 'elena' && url.searchParams.get('dateRange') === '7d');
    const names = await until('only elena\'s jobs', async () => {
      const all = await page.locator('[data-testid="job-row"] .job-link').allInnerTexts();
      return all.length > 0 && all.every((n) => n.includes('elena')) ? all : null;
    });
    assert(names.length === 6, `six of elena's jobs, got ${names}`);
    const statuses = new Set(await page.getByTestId('job-row').getByTestId('status-badge').allInnerTexts());
    assert(statuses.size >= 4, `mixed statuses: ${[...statuses]}`);
    const pager = await page.locator('.card__footer').innerText();
    assert(pager.includes('Showing 1–6 of 6 jobs'), `pagination: ${pager}`);
    // Reloading keeps the filters: the URL is the state.
    await page.reload();
    await until('filters restored', async () => (await page.getByTestId('jobs-search').inputValue()) === 'elena');
    assert((await page.getByLabel('Date range filter').inputValue()) === '7d', 'date range restored');
    await until('six rows again', async () => (await rows(page).count()) === 6);
    await shot(page, '01-jobs-list-mixed-filtered');
  });

  await step('queue tab (manager): slots full, five positions with estimated starts [page 4]', async () => {
    await signIn(mgr, manager.username, manager.password);
    await mgr.getByRole('tab', { name: /Queue/ }).click();
    await mgr.getByTestId('active-slots').getByRole('heading', { name: /Active training jobs: 2 of 2 slots/ }).waitFor();
    assert((await mgr.getByTestId('slot-busy').count()) === 2, 'two busy slots');
    await until('five queue cards', async () => (await mgr.getByTestId('queue-card').count()) === ids.queued.length);
    const positions = await mgr.getByTestId('position-badge').allInnerTexts();
    assert(JSON.stringify(positions) === JSON.stringify(['#1', '#2', '#3', '#4', '#5']), `positions ${positions}`);
    const cardIds = await mgr.getByTestId('queue-card').evaluateAll((els) => els.map((e) => e.dataset.jobId));
    assert(JSON.stringify(cardIds) === JSON.stringify(ids.queued), 'queue order is submission order');
    for (const start of await mgr.getByTestId('estimated-start').allInnerTexts()) {
      // e.g. "Est. Start: Today at 6:45 AM (in 42m)"
      assert(/Est\. Start: .+ at .+\(in .+\)/.test(start), `estimated start: ${start}`);
    }
    await mgr.getByRole('button', { name: 'Promote to front' }).first().waitFor();
    assert((await mgr.getByTestId('queue-count').innerText()) === String(ids.queued.length), 'tab count');
    await shot(mgr, '04-queue-normal');
  });

  await step('open the live job: skeleton first, then the dashboard [page 6]', async () => {
    // Hold the job's first response briefly so the loading state can be seen and pictured.
    let held = false;
    await page.route(`**/api/training/jobs/${ids.live}`, async (route) => {
      if (!held) {
        held = true;
        await page.getByTestId('dashboard-skeleton').waitFor();
        await shot(page, '06-dashboard-initial-load');
      }
      await route.continue();
    });
    await page.locator(`[data-testid="job-row"][data-job-id="${ids.live}"] .job-link`).click();
    await page.waitForURL(`**/training-jobs/${ids.live}`);
    await page.getByTestId('progress-header').waitFor();
    await page.unroute(`**/api/training/jobs/${ids.live}`);
    assert(held, 'the skeleton was shown');
  });

  await step('active dashboard: progress, stages, loss curve, metrics, cost within estimate [page 7]', async () => {
    await page.locator('.chart-box canvas').waitFor();
    assert((await statusOf(page)) === 'running', 'job is running');
    const states = await stageStates(page);
    assert(states.training === 'active' && states.model_loading === 'completed', JSON.stringify(states));
    assert(/Step [\d,]+ of [\d,]+/.test(await page.getByTestId('step-counter').innerText()), 'step counter');
    assert(/Epoch \d+ of 60/.test(await page.getByTestId('epoch-counter').innerText()), 'epoch counter');
    for (const key of ['train_loss', 'val_loss', 'learning_rate', 'tokens_per_second']) {
      await page.getByTestId(`metric-${key}`).waitFor();
    }
    // Its estimate comes from the quick job's measured throughput, so it is within budget.
    assert((await page.getByTestId('cost-tracker').getAttribute('data-tone')) === 'green', 'cost tone green');
    assert((await page.getByTestId('cost-alert').count()) === 0, 'no over-budget alert');
    // The elapsed time ticks every second between polls.
    const e0 = await page.getByTestId('elapsed').innerText();
    await until('the elapsed time to tick', async () => (await page.getByTestId('elapsed').innerText()) !== e0);
    await shot(page, '07-dashboard-active');
  });

  await step('metrics update: Refresh brings newer steps and a longer curve', async () => {
    const step0 = firstNumber(await page.getByTestId('step-counter').innerText());
    const chart0 = await lastChartStep(page);
    await until(
      'newer steps',
      async () => {
        await refresh(page);
        return firstNumber(await page.getByTestId('step-counter').innerText()) > step0 && (await lastChartStep(page)) > chart0;
      },
      { timeout: 60_000, every: 1500 },
    );
  });

  await step('zoom in to the last 500 steps and hover for the tooltip [page 8]', async () => {
    const box = page.locator('.chart-box canvas');
    await dismissToasts(page); // before hovering: closing one later would move the mouse away
    await page.getByRole('button', { name: 'Zoom In' }).click();
    await until('the zoomed range', async () => /Showing steps/.test(await page.getByTestId('chart-range').innerText()));
    await page.getByRole('button', { name: 'Reset' }).waitFor({ state: 'visible' });
    // The chart's middle may lie below the fold of a 960 px window (the page above it grew):
    // bring it into view, or the pointer lands outside the window and hovers nothing.
    await box.scrollIntoViewIfNeeded();
    const b = await box.boundingBox();
    const before = await box.evaluate((c) => c.toDataURL());
    const x = b.x + b.width * 0.8;
    const y = b.y + b.height * 0.5;
    await page.mouse.move(x, y);
    // Chart.js draws the tooltip on the canvas: wait until the picture changed and settled. A
    // metrics refresh redraws the chart without the tooltip until the mouse moves again (a
    // person's hand always does), so each try nudges the pointer by a pixel and back:
    // vertically, since the tooltip follows the step under the pointer's x. A sideways nudge
    // that straddled two steps made the tooltip jump between them on every try, so the picture
    // never settled (CI: the tooltip was drawn, the step timed out).
    let nudge = 0;
    await until('the tooltip to be drawn', async () => {
      nudge = 1 - nudge;
      await page.mouse.move(x, y + nudge);
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const a = await box.evaluate((c) => c.toDataURL());
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const b2 = await box.evaluate((c) => c.toDataURL());
      return a === b2 && a !== before;
    });
    await shot(page, '08-dashboard-loss-zoomed', { keepScroll: true, keepToasts: true });
    await page.getByRole('button', { name: 'Reset' }).click();
    await until('all steps again', async () => /Showing all steps/.test(await page.getByTestId('chart-range').innerText()));
  });

  await step('phone width (375 px): single column, collapsible sections [page 12]', async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    await page.mouse.move(0, 0);
    // The chart follows the new width on its ResizeObserver callback, a frame or two later.
    await until('no horizontal scrolling at 375 px', async () =>
      (await page.evaluate(() => document.documentElement.scrollWidth)) <= 375,
    );
    await shot(page, '12-dashboard-mobile');
    await page.setViewportSize({ width: 1440, height: 960 });
  });

  await step('event log: mixed types, filter, search, expand a row and copy its JSON [page 13]', async () => {
    await page.getByRole('tab', { name: 'Event Log' }).click();
    await page.waitForURL(/tab=events/);
    await until('events', async () => (await page.getByTestId('event-row').count()) > 3);
    const types = new Set(await page.getByTestId('event-row').evaluateAll((els) => els.map((e) => e.dataset.type)));
    // Newest first: a metrics event per logging interval (this job logs every step) and the
    // checkpoints; the status events are further back, and the type filter below must find them.
    assert(types.has('metrics'), `the latest events include metrics: ${[...types]}`);
    assert(/Page 1 of \d+/.test(await page.getByTestId('event-log').locator('.card__footer').innerText()), 'event pager');

    await page.getByTestId('event-type-filter').selectOption('status');
    await until('only status events', async () => {
      const t = await page.getByTestId('event-row').evaluateAll((els) => els.map((e) => e.dataset.type));
      return t.length > 0 && t.every((x) => x === 'status');
    });
    await page.getByTestId('event-type-filter').selectOption('');
    await page.getByTestId('event-search').fill('training');
    await until('only matching events', async () => {
      const m = await page.locator('[data-testid="event-row"] .col-msg').allInnerTexts();
      return m.length > 0 && m.every((x) => /training/i.test(x));
    });
    await page.getByTestId('event-search').fill('');
    await until('every type again (the metrics events are back)', async () => {
      const t = await page.getByTestId('event-row').evaluateAll((els) => els.map((e) => e.dataset.type));
      return t.includes('metrics');
    });

    // A checkpoint event has a rich payload (step, size, checksum); any row does if none yet.
    const checkpoint = page.locator('[data-testid="event-row"][data-type="checkpoint"]').first();
    const row = (await checkpoint.count()) ? checkpoint : page.getByTestId('event-row').first();
    await row.getByRole('button', { name: 'Show event details' }).click();
    const payload = page.locator('.event-payload').first();
    await payload.waitFor();
    const shown = await payload.locator('.payload-box').innerText();
    assert(/^\s*\{/.test(shown), `expanded JSON shows the payload: ${shown.slice(0, 200)}`);
    await payload.getByRole('button', { name: 'Copy JSON' }).click();
    await page.getByTestId('toast').filter({ hasText: 'JSON copied to clipboard' }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    const parsed = JSON.parse(copied);
    assert(parsed && typeof parsed === 'object', `copied JSON: ${copied.slice(0, 200)}`);
    for (const key of Object.keys(parsed)) assert(shown.includes(`"${key}"`), `copied key ${key} is shown`);
    assert(/Live · updates every 10 s/.test(await page.getByTestId('event-log').innerText()), 'live indicator');
    await shot(page, '13-event-log-mixed-expanded');
  });

  await step('cancel through the modal: guarded confirm, Escape, Go Back [page 15]', async () => {
    await page.getByRole('tab', { name: 'Overview' }).click();
    await page.getByTestId('cancel-job-button').click();
    const modal = page.getByTestId('cancel-modal');
    await modal.getByRole('heading', { name: 'Cancel Training Job?' }).waitFor();
    await page.keyboard.press('Escape');
    await until('Escape to close the modal', async () => (await modal.count()) === 0);
    await page.getByTestId('cancel-job-button').click();
    await modal.getByRole('button', { name: 'Go Back' }).click();
    await until('Go Back to close the modal', async () => (await modal.count()) === 0);

    await page.getByTestId('cancel-job-button').click();
    await modal.waitFor();
    const text = await modal.innerText();
    assert(/\d+% Complete \(Step [\d,]+ of [\d,]+\)/.test(text), `progress line: ${text.slice(0, 300)}`);
    assert(/Cost spent/i.test(text) && /What happens/i.test(text), 'cost spent and impact shown');
    const confirm = modal.getByTestId('confirm-cancel');
    assert(await confirm.isDisabled(), 'confirm disabled with nothing chosen');
    await modal.getByLabel(/Reason for cancelling/).selectOption('testing');
    assert(await confirm.isDisabled(), 'confirm disabled without the checkbox');
    await modal.getByLabel('Notes (optional)').fill('Browser test: cancelling the live run.');
    await modal.getByLabel('I understand this action cannot be undone').check();
    assert(await confirm.isEnabled(), 'confirm enabled with a reason and the checkbox');
    await shot(page, '15-cancel-modal', { fullPage: false });
  });

  await step('with the modal open, the dashboard still polls (jump past its 60 s interval)', async () => {
    const rec = recordJobRequests(page, ids.live);
    // Control: nothing polls faster than the interval (a short real-time window stays quiet) ...
    await new Promise((r) => setTimeout(r, 1500));
    assert(rec.seen.length === 0, `no requests inside the interval: ${rec.seen}`);
    // ... and once the interval has passed, the job and its metrics are fetched again.
    await page.clock.fastForward(61_000);
    await until('the job and its metrics to be polled', async () =>
      rec.seen.some((u) => !/metrics|events/.test(u)) && rec.seen.some((u) => /metrics/.test(u)),
    );
    rec.stop();
  });

  await step('confirm: toast with the final cost, status Cancelled, polling stopped', async () => {
    await page.getByTestId('cancel-modal').getByTestId('confirm-cancel').click();
    await page.getByTestId('toast').filter({ hasText: /Job cancelled\. Final cost: \$\d/ }).waitFor();
    // "Cancelling" until the worker confirms at its next heartbeat (2 s here), then Cancelled.
    await page.getByTestId('job-cancelled-indicator').waitFor({ timeout: 90_000 });
    assert((await statusOf(page)) === 'cancelled', 'status cancelled');
    await page.locator('.job-header').getByTestId('status-badge').filter({ hasText: 'Cancelled' }).waitFor();
    await page.getByTestId('cancelled-card').waitFor();
    assert((await page.getByTestId('cancel-job-button').count()) === 0, 'Cancel button gone');

    // Nothing asks for this job any more: jump well past every polling interval (10 s events,
    // 60 s job and metrics) and watch the network.
    const rec = recordJobRequests(page, ids.live);
    await page.clock.fastForward(61_000);
    await page.clock.fastForward(61_000);
    await page.getByRole('tab', { name: 'Event Log' }).click();
    await page.getByText('Job finished · no new events').waitFor();
    const afterTab = rec.seen.length; // switching tabs may load the event list once
    await page.clock.fastForward(61_000);
    // Real time too: any request already scheduled would show up within this window.
    await new Promise((r) => setTimeout(r, 3000));
    rec.stop();
    const polls = rec.seen.filter((u) => !/\/events/.test(u));
    assert(polls.length === 0, `no job or metrics requests after cancel: ${polls}`);
    assert(rec.seen.length === afterTab, `no event polling after cancel: ${rec.seen}`);
  });

  await step('over-budget job (manager): red cost bar, alert, emphasised Cancel [page 9]', async () => {
    await mgr.goto(jobUrl(ids.budget));
    await mgr.getByTestId('cost-alert').waitFor();
    assert((await mgr.getByTestId('cost-tracker').getAttribute('data-tone')) === 'red', 'cost tone red');
    const cancel = mgr.getByTestId('cancel-job-button');
    assert(/btn--emphasis/.test(await cancel.getAttribute('class')), 'Cancel emphasised');
    await mgr.locator('.chart-box canvas').waitFor();
    await shot(mgr, '09-dashboard-cost-warning');
  });

  await step('failed job: error shown, failed stage red, partial data kept [page 11]', async () => {
    await page.goto(jobUrl(ids.failed));
    const card = page.getByTestId('error-card');
    await card.waitFor();
    const text = await card.innerText();
    assert(/Training failed: Invalid dataset/.test(text), `error card: ${text}`);
    assert(/Needs a fix on your side/.test(text), 'user error flagged');
    const states = await stageStates(page);
    assert(Object.values(states).includes('failed'), `a failed stage: ${JSON.stringify(states)}`);
    await page.locator('[data-testid^="stage-"][data-state="failed"] [role="alert"]').waitFor();
    // Advice to cancel makes no sense once the job has ended.
    assert((await page.getByTestId('cost-alert').count()) === 0, 'no over-budget alert on a failed job');
    await shot(page, '11-dashboard-failed');
  });

  await step('failed job\'s event log filtered to errors [page 14]', async () => {
    await page.getByRole('tab', { name: 'Event Log' }).click();
    await page.getByTestId('event-type-filter').selectOption('error');
    await until('only error events', async () => {
      const t = await page.getByTestId('event-row').evaluateAll((els) => els.map((e) => e.dataset.type));
      return t.length > 0 && t.every((x) => x === 'error');
    });
    await page.getByTestId('event-row').first().getByRole('button', { name: 'Show event details' }).click();
    await page.locator('.event-payload').first().waitFor();
    await shot(page, '14-event-log-errors');
  });

  return [...problems, ...mgrProblems];
}

const PHASES = { empty: phaseEmpty, progress: phaseProgress, main: phaseMain };

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
  console.log(`phase ${PHASE} passed in ${((Date.now() - started) / 1000).toFixed(1)}s (timeout per wait ${TIMEOUT_MS / 1000}s)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
