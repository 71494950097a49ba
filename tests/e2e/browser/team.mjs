// Team controls in the browser (tests/e2e/test_browser.py::test_team_controls_in_the_browser),
// after tests/e2e/browser_seed.py `team`: the member (running limit 0, queued limit = her queued
// jobs, a low-priority job waiting) and the manager (monthly budget $0).
//   controls  the priority control (high only for the manager), the quota refusal, the waiting
//             job's quota and ageing reason, and the budget refusal with its figures
import { BASE_URL, assert, launch, newContext, required, shot, signIn, step, until, watchPage } from './lib.mjs';

const PHASE = required('PHASE');
const member = { username: required('MEMBER_USER'), password: required('MEMBER_PASS') };
const manager = { username: required('MANAGER_USER'), password: required('MANAGER_PASS') };
const LOW_JOB = required('TEAM_LOW_JOB');
const QUEUED = Number(required('TEAM_QUEUED'));
const DATASET = required('TEAM_DATASET');

async function openCreateForm(page, name) {
  await page.goto(`${BASE_URL}/training-jobs/new`);
  await page.getByTestId('team-controls').waitFor();
  await page.getByTestId('quota-summary').waitFor();
  await page.getByLabel('Job name', { exact: true }).fill(name);
  const dataset = page.getByLabel('Training dataset', { exact: true });
  await until('the dataset list', async () => (await dataset.locator('option', { hasText: DATASET }).count()) > 0);
  const value = await dataset.locator('option', { hasText: DATASET }).first().getAttribute('value');
  await dataset.selectOption(value);
}

async function submitRefused(page) {
  await page.getByTestId('submit-job').click();
  const alert = page.getByRole('alert').filter({ hasText: 'Could not create the job' });
  await alert.waitFor();
  return (await alert.textContent()) ?? '';
}

async function controls(browser) {
  const memberCtx = await newContext(browser);
  const page = await memberCtx.newPage();
  const problems = watchPage(page, 'member');
  await step('sign in as the member', () => signIn(page, member.username, member.password));

  await step('the priority control: low and normal, high is for managers', async () => {
    await openCreateForm(page, 'elena one too many');
    const control = page.getByTestId('priority-control');
    assert(await control.getByRole('button', { name: 'High' }).isDisabled(), 'high is disabled for a member');
    assert((await control.getByRole('button', { name: 'Normal' }).getAttribute('aria-pressed')) === 'true', 'normal by default');
    await control.getByRole('button', { name: 'Low' }).click();
    assert((await control.getByRole('button', { name: 'Low' }).getAttribute('aria-pressed')) === 'true', 'low selected');
    const summary = (await page.getByTestId('quota-summary').textContent()) ?? '';
    assert(summary.includes(`${QUEUED} of ${QUEUED} queued`), `quota summary shows the queued limit: ${summary}`);
    assert(summary.includes('of 0 running'), `quota summary shows the running limit: ${summary}`);
  });

  await step('a submission over the queued limit is refused with the count', async () => {
    const text = await submitRefused(page);
    assert(text.includes(`You already have ${QUEUED} queued — your limit is ${QUEUED}.`), `quota message: ${text}`);
    assert(page.url().endsWith('/training-jobs/new'), 'stays on the form');
    await shot(page, 'team-quota-refused');
  });

  await step('the waiting low-priority job says why: the running limit and its ageing bound', async () => {
    await page.goto(`${BASE_URL}/training-jobs/${LOW_JOB}`);
    const reason = page.getByTestId('queue-reason');
    await reason.waitFor();
    const text = (await reason.textContent()) ?? '';
    assert(/You already have \d+ running — your limit is 0/.test(text), `running-limit reason: ${text}`);
    assert(/low priority: later jobs can go ahead of it only until \d\d:\d\d UTC/.test(text), `ageing bound: ${text}`);
    await shot(page, 'team-low-priority-waiting');
  });

  const managerCtx = await newContext(browser);
  const mpage = await managerCtx.newPage();
  problems.push(...watchPage(mpage, 'manager'));
  await step('sign in as the manager', () => signIn(mpage, manager.username, manager.password));

  await step('a manager may pick high; over the monthly budget the job is refused with the figures', async () => {
    await openCreateForm(mpage, 'maya over budget');
    const control = mpage.getByTestId('priority-control');
    const high = control.getByRole('button', { name: 'High' });
    await until('high to be enabled for a manager', () => high.isEnabled());
    await high.click();
    await mpage.getByTestId('budget-cap-toggle').check();
    await mpage.getByTestId('budget-cap').fill('5');
    const summary = (await mpage.getByTestId('quota-summary').textContent()) ?? '';
    assert(summary.includes('left of $0.00 this month'), `budget summary: ${summary}`);
    const text = await submitRefused(mpage);
    assert(/This job could cost up to \$[\d.,]+, more than what is left of your \w+ \d{4} budget: \$0\.00 budget - \$[\d.,]+ spent - \$[\d.,]+ committed to unfinished jobs = \$0\.00 left\./.test(text), `budget message: ${text}`);
    await shot(mpage, 'team-budget-refused');
  });

  assert(problems.length === 0, `page problems:\n${problems.join('\n')}`);
  await memberCtx.close();
  await managerCtx.close();
}

const browser = await launch();
try {
  if (PHASE === 'controls') await controls(browser);
  else throw new Error(`unknown phase ${PHASE}`);
} finally {
  await browser.close();
}
