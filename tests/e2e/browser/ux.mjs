// The accessibility, phone and form journeys of tests/e2e/test_browser.py
// (test_browser_ux_accessibility_mobile_and_forms), against the running stack:
//   - a signed-out visit goes to sign-in and back to the page asked for; a session that ends
//     mid-visit shows sign-in, never the API's "Authentication credentials were not provided"
//   - axe-core on every page of the app, light and dark (prefers-color-scheme), 0 serious/critical
//   - 375 px: the menu button and its links, an expanded event readable within the screen, the
//     card list's sort
//   - create form: out-of-bounds LoRA values flagged before submit (bounds served by the API), the
//     draft restored and discarded
//   - cancel: reason "Other" needs a note, the character counter
// Env: BASE_URL, SCREENSHOT_DIR, MEMBER_USER/MEMBER_PASS, JOB_CANCEL (a queued or training job of
// the member's), JOB_EVENTS (a job whose events carry payloads). The axe report goes to
// SCREENSHOT_DIR/ux-axe-report.json.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { BASE_URL, SCREENSHOT_DIR, TIMEOUT_MS, assert, axeCheck, axeResults, launch, required, shot, step, until, watchPage } from './lib.mjs';

const member = { username: required('MEMBER_USER'), password: required('MEMBER_PASS') };
const JOB_CANCEL = required('JOB_CANCEL');
const JOB_EVENTS = required('JOB_EVENTS');
const jobUrl = (id, query = '') => `${BASE_URL}/training-jobs/${id}${query}`;

async function context(browser, { colorScheme = 'light', width = 1440, height = 960 } = {}) {
  const ctx = await browser.newContext({ viewport: { width, height }, colorScheme, timezoneId: 'UTC', locale: 'en-US' });
  ctx.setDefaultTimeout(TIMEOUT_MS);
  return ctx;
}

/** Fills the sign-in form the app is showing (whatever page was asked for). */
async function signInHere(page) {
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Username').fill(member.username);
  await page.getByLabel('Password').fill(member.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('user-menu').waitFor();
}

const pathOf = (page) => {
  const u = new URL(page.url());
  return `${u.pathname}${u.search}`;
};

/** Opens each page of the app and runs axe on it; `theme` names the report entries. */
async function axeEveryPage(page, theme) {
  await page.goto(`${BASE_URL}/dashboard/training-jobs`);
  await page.getByTestId('job-row').first().waitFor();
  await axeCheck(page, `jobs-list ${theme}`);

  await page.goto(`${BASE_URL}/dashboard/training-jobs?tab=queue`);
  await page.getByRole('tab', { name: /Queue/, selected: true }).waitFor();
  await page.waitForLoadState('networkidle');
  await axeCheck(page, `queue ${theme}`);

  await page.goto(`${BASE_URL}/training-jobs/new`);
  await page.locator('label.preset', { hasText: 'Custom' }).click();
  await page.getByLabel('LoRA rank (r)', { exact: true }).waitFor();
  await axeCheck(page, `create-form ${theme}`);

  await page.goto(jobUrl(JOB_CANCEL));
  await page.getByTestId('job-dashboard').waitFor();
  await page.waitForLoadState('networkidle');
  await axeCheck(page, `dashboard ${theme}`);

  await page.goto(jobUrl(JOB_EVENTS, '?tab=events'));
  await page.getByTestId('event-row').first().waitFor();
  await page.getByTestId('event-row').first().getByRole('button', { name: 'Show event details' }).click();
  await page.locator('.event-payload').first().waitFor();
  await axeCheck(page, `event-log ${theme}`);

  await page.goto(jobUrl(JOB_CANCEL, '?cancel=1'));
  await page.getByTestId('cancel-modal').waitFor();
  await page.getByLabel(/Reason for cancelling/).selectOption('other');
  await page.getByLabel('I understand this action cannot be undone').check();
  await page.getByTestId('cancel-notes-error').waitFor();
  await axeCheck(page, `cancel-modal ${theme}`);
  await page.getByRole('button', { name: 'Go Back' }).click();

  await page.goto(`${BASE_URL}/settings/api-tokens`);
  await page.getByRole('heading', { name: 'API tokens' }).waitFor();
  await page.waitForLoadState('networkidle');
  await axeCheck(page, `api-tokens ${theme}`);

  await page.goto(`${BASE_URL}/no-such-page`);
  await page.getByTestId('not-found').waitFor();
  await axeCheck(page, `not-found ${theme}`);
}

/** The 375 px menu: hidden top links, the Menu button, its links; axe with it open. */
async function mobileMenu(page, theme) {
  await page.goto(`${BASE_URL}/dashboard/training-jobs`);
  await page.getByTestId('job-row').first().waitFor();
  assert(!(await page.locator('.topnav').isVisible()), 'the desktop links are hidden at 375 px');
  await axeCheck(page, `jobs-list 375px ${theme}`);
  const toggle = page.getByRole('button', { name: 'Menu' });
  await toggle.click();
  const menu = page.getByTestId('mobile-nav');
  await menu.waitFor();
  for (const name of ['Jobs', 'Queue', 'API tokens']) assert(await menu.getByRole('link', { name }).isVisible(), `the menu shows ${name}`);
  const box = await menu.boundingBox();
  assert(box && box.x >= 0 && box.x + box.width <= 375, `the menu fits the screen (${JSON.stringify(box)})`);
  // The open menu covers part of the page (by design): check the menu and its button; the page
  // behind it was checked just above, at the same width, with the menu closed.
  await axeCheck(page, `mobile-menu ${theme}`, { include: ['.mobile-nav'] });
  return menu;
}

async function main() {
  const browser = await launch();
  const problems = [];
  try {
    const desk = await context(browser);
    const page = await desk.newPage();
    problems.push(...watchPage(page, 'ux'));

    await step('signed out: a job page goes to sign-in, and back to it after signing in', async () => {
      await page.goto(jobUrl(JOB_EVENTS, '?tab=events'));
      await until('the sign-in page', async () => new URL(page.url()).pathname === '/login');
      const next = new URL(page.url()).searchParams.get('next');
      assert(next === `/training-jobs/${JOB_EVENTS}?tab=events`, `next= keeps the page asked for (${next})`);
      await axeCheck(page, 'sign-in light');
      await signInHere(page);
      await until('the page asked for', async () => pathOf(page) === `/training-jobs/${JOB_EVENTS}?tab=events`);
      await page.getByTestId('event-log').waitFor();
    });

    await step('a session that ends mid-visit shows sign-in, not the API wording', async () => {
      await desk.clearCookies();
      await page.getByTestId('refresh-button').click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      // A request that failed as the session ended may still toast: in the app's words.
      await page.waitForLoadState('networkidle');
      const text = await page.locator('body').innerText();
      assert(!/credentials were not provided/i.test(text), `no raw API wording on screen (${text})`);
      assert(new URL(page.url()).searchParams.get('next') === `/training-jobs/${JOB_EVENTS}?tab=events`, `next= is the page (${page.url()})`);
      await signInHere(page);
      await until('back on the job page', async () => pathOf(page) === `/training-jobs/${JOB_EVENTS}?tab=events`);
    });

    await step('axe-core on every page (light): 0 serious or critical violations', async () => {
      await axeEveryPage(page, 'light');
    });

    await step('dark mode follows the system setting; axe-core on every page (dark)', async () => {
      const dark = await context(browser, { colorScheme: 'dark' });
      const dp = await dark.newPage();
      problems.push(...watchPage(dp, 'ux-dark'));
      await dp.goto(`${BASE_URL}/dashboard/training-jobs`);
      await dp.getByRole('heading', { name: 'Sign in' }).waitFor();
      const bg = await dp.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert(bg === 'rgb(11, 18, 32)', `the dark background (${bg})`);
      await axeCheck(dp, 'sign-in dark');
      await signInHere(dp);
      await axeEveryPage(dp, 'dark');
      await dp.goto(`${BASE_URL}/dashboard/training-jobs`);
      await dp.getByTestId('job-row').first().waitFor();
      await shot(dp, 'ux-dark-jobs-list');
      await dp.goto(jobUrl(JOB_EVENTS));
      await dp.getByTestId('job-dashboard').waitFor();
      await dp.waitForLoadState('networkidle');
      await shot(dp, 'ux-dark-dashboard');
      const phone = await context(browser, { colorScheme: 'dark', width: 375, height: 812 });
      const pp = await phone.newPage();
      await pp.goto(`${BASE_URL}/dashboard/training-jobs`);
      await signInHere(pp);
      await mobileMenu(pp, 'dark');
      await phone.close();
      await dark.close();
    });

    await step('375 px: the Menu button opens the main links, and a link closes it', async () => {
      const phone = await context(browser, { width: 375, height: 812 });
      const pp = await phone.newPage();
      problems.push(...watchPage(pp, 'ux-phone'));
      await pp.goto(`${BASE_URL}/dashboard/training-jobs`);
      await signInHere(pp);
      const menu = await mobileMenu(pp, 'light');
      // axe: mobileMenu() checked the open menu itself and, closed, the page behind it.
      await shot(pp, 'ux-mobile-menu', { fullPage: false, axe: false });
      await menu.getByRole('link', { name: 'Queue' }).click();
      await until('the queue tab', async () => new URL(pp.url()).searchParams.get('tab') === 'queue');
      await until('the menu to close', async () => (await pp.getByTestId('mobile-nav').count()) === 0);

      // The card list has no sortable headers: its sort menu sorts it.
      await pp.goto(`${BASE_URL}/dashboard/training-jobs`);
      await pp.getByTestId('job-row').first().waitFor();
      const sort = pp.getByTestId('card-sort').getByLabel('Sort by');
      assert(await sort.isVisible(), 'the card list has a sort menu');
      const sorted = pp.waitForResponse((r) => r.url().includes('/api/training/jobs?') && new URL(r.url()).searchParams.get('ordering') === 'name');
      await sort.selectOption({ label: 'Name A → Z' });
      await sorted;
      await until('ordering=name in the URL', async () => new URL(pp.url()).searchParams.get('ordering') === 'name');
      await until('rows in name order', async () => {
        const names = (await pp.locator('[data-testid="job-row"] .job-link').allInnerTexts()).map((n) => n.toLowerCase());
        return names.length > 1 && names.every((n, i) => i === 0 || names[i - 1].localeCompare(n) <= 0);
      });
      await shot(pp, 'ux-mobile-card-sort');

      // An expanded event keeps its message and payload within the screen.
      await pp.goto(jobUrl(JOB_EVENTS, '?tab=events'));
      const rows = pp.getByTestId('event-row');
      await rows.first().waitFor();
      const n = Math.min(3, await rows.count());
      for (let i = 0; i < n; i++) await rows.nth(i).getByRole('button', { name: 'Show event details' }).click();
      await pp.locator('.event-payload').nth(n - 1).waitFor();
      const layout = await pp.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        messages: [...document.querySelectorAll('.event-row--expanded .col-msg')].map((td) => {
          const r = td.getBoundingClientRect();
          return { left: r.left, right: r.right, width: r.width };
        }),
        payloads: [...document.querySelectorAll('.event-payload .json')].map((el) => el.getBoundingClientRect().right),
      }));
      assert(layout.scrollWidth <= 375, `the page does not scroll sideways (${layout.scrollWidth}px)`);
      assert(layout.messages.length === n, `${n} expanded events (${layout.messages.length})`);
      for (const m of layout.messages) assert(m.left >= 0 && m.right <= 375 && m.width >= 120, `message on screen and readable ${JSON.stringify(m)}`);
      for (const right of layout.payloads) assert(right <= 375, `payload within the screen (${right})`);
      await shot(pp, 'ux-mobile-event-expanded');
      await phone.close();
    });

    await step('create form: LoRA values out of the API bounds are flagged before submit', async () => {
      await page.goto(`${BASE_URL}/training-jobs/new`);
      await page.evaluate(() => window.localStorage.clear());
      await page.reload();
      await page.getByLabel('Job name', { exact: true }).fill('ux draft check');
      const dataset = page.getByLabel('Training dataset', { exact: true });
      await until('datasets loaded', async () => (await dataset.locator('option').count()) > 1);
      await dataset.selectOption({ index: 1 });
      await page.locator('label.preset', { hasText: 'Custom' }).click();
      // The bounds come from GET /api/training/presets (worker/contract), not from the web app.
      const presets = await (await page.request.get(`${BASE_URL}/api/training/presets`)).json();
      const bound = (name) => presets[0].bounds.find((b) => b.name === name);
      const posts = [];
      page.on('request', (r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/training/jobs' && posts.push(r.url()));
      const values = { 'LoRA rank (r)': ['100000', `Enter a number ≤ ${bound('lora_r').maximum}`], 'LoRA alpha': ['1e9', `Enter a number ≤ ${bound('lora_alpha').maximum}`], 'LoRA dropout': ['1.5', `Enter a number ≤ ${bound('lora_dropout').maximum}`] };
      for (const [label, [value, message]] of Object.entries(values)) {
        const input = page.getByLabel(label, { exact: true });
        await input.fill(value);
        await until(`${label} flagged`, async () => (await input.getAttribute('aria-invalid')) === 'true');
        const described = await input.evaluate((el) => document.getElementById(el.getAttribute('aria-describedby').split(' ')[0])?.textContent);
        assert(described === message, `${label}: "${described}" is "${message}"`);
      }
      const blocker = await page.getByTestId('estimate-blocker').innerText();
      assert(blocker === 'Fix LoRA rank (r), LoRA alpha, LoRA dropout (out of bounds) to see the estimate.', `the estimate says what to fix (${blocker})`);
      await page.getByTestId('submit-job').click();
      await until('focus on the first bad field', async () => page.getByLabel('LoRA rank (r)', { exact: true }).evaluate((el) => el === document.activeElement));
      assert(posts.length === 0, 'nothing was sent');
      await shot(page, 'ux-create-bounds');
    });

    await step('create form: leaving keeps a draft; Restore brings it back, Discard forgets it', async () => {
      await page.getByLabel('LoRA rank (r)', { exact: true }).fill('8');
      await page.getByLabel('LoRA alpha', { exact: true }).fill('16');
      await page.getByLabel('LoRA dropout', { exact: true }).fill('0.1');
      await until('the draft saved', async () =>
        page.evaluate(() => Object.keys(localStorage).some((k) => k.startsWith('lora:create-job-draft') && JSON.parse(localStorage.getItem(k)).form.hyperparameters.lora_dropout === '0.1')),
      );
      await page.getByRole('link', { name: '← Training jobs' }).click();
      await page.getByTestId('job-row').first().waitFor();
      await page.goto(`${BASE_URL}/training-jobs/new`);
      const banner = page.getByTestId('draft-banner');
      await banner.waitFor();
      assert((await banner.innerText()).includes('“ux draft check”'), 'the banner names the draft');
      assert((await page.getByLabel('Job name', { exact: true }).inputValue()) === '', 'not applied before Restore');
      await shot(page, 'ux-create-draft');
      await page.getByTestId('draft-restore').click();
      assert((await page.getByLabel('Job name', { exact: true }).inputValue()) === 'ux draft check', 'name restored');
      assert((await page.getByLabel('LoRA rank (r)', { exact: true }).inputValue()) === '8', 'rank restored');
      assert((await page.getByLabel('LoRA dropout', { exact: true }).inputValue()) === '0.1', 'dropout restored');
      await page.reload();
      await page.getByTestId('draft-discard').click();
      await until('the banner gone', async () => (await page.getByTestId('draft-banner').count()) === 0);
      await page.reload();
      await page.getByLabel('Job name', { exact: true }).waitFor();
      await page.getByTestId('estimate-panel').waitFor();
      assert((await page.getByTestId('draft-banner').count()) === 0, 'a discarded draft is not offered again');
    });

    await step('cancel: reason "Other" needs a note; the counter counts', async () => {
      await page.goto(jobUrl(JOB_CANCEL));
      await page.getByTestId('cancel-job-button').click();
      const modal = page.getByTestId('cancel-modal');
      await modal.getByLabel(/Reason for cancelling/).selectOption('other');
      await modal.getByLabel('I understand this action cannot be undone').check();
      const confirm = modal.getByTestId('confirm-cancel');
      assert(await confirm.isDisabled(), 'Confirm is disabled without a note');
      assert((await modal.getByTestId('cancel-notes-error').innerText()).includes('the reason "Other" needs a note'), 'the rule is said');
      assert((await modal.getByTestId('cancel-notes-counter').innerText()).startsWith('0 / 2,000 characters'), 'the counter starts at 0');
      await shot(page, 'ux-cancel-other-note', { fullPage: false });
      // The API holds the same rule.
      const refused = await page.request.post(`${BASE_URL}/api/training/jobs/${JOB_CANCEL}/cancel`, {
        data: { reason: 'other', notes: '  ' },
        headers: { 'X-CSRFToken': (await page.context().cookies()).find((c) => c.name === 'csrftoken')?.value ?? '' },
      });
      assert(refused.status() === 400, `the API refuses "Other" without a note (${refused.status()})`);
      assert((await refused.json()).error.fields.notes.length === 1, 'on the notes field');
      const note = 'ux check: the dataset was the wrong version';
      await modal.getByTestId('cancel-notes').fill(note);
      assert((await modal.getByTestId('cancel-notes-counter').innerText()).startsWith(`${note.length} / 2,000 characters`), 'the counter counts');
      assert(await confirm.isEnabled(), 'Confirm is enabled with a note');
      await confirm.click();
      await until('the job cancelled or cancelling', async () => ['cancelled', 'cancelling'].includes(await page.getByTestId('job-dashboard').getAttribute('data-status')));
      const job = await (await page.request.get(`${BASE_URL}/api/training/jobs/${JOB_CANCEL}`)).json();
      assert(job.cancel.reason === 'other' && job.cancel.notes === note, `the note was kept (${JSON.stringify(job.cancel)})`);
    });

    assert(problems.length === 0, `page problems:\n${problems.join('\n')}`);
  } finally {
    writeFileSync(path.join(SCREENSHOT_DIR, 'ux-axe-report.json'), JSON.stringify(axeResults, null, 2));
    await browser.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
