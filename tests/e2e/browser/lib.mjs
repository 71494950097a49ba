// Helpers for the browser journeys: launch Debian's Chromium through playwright-core, named steps
// with timing, screenshots, and deadline-based waits (never fixed sleeps).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const BASE_URL = required('BASE_URL').replace(/\/$/, '');
export const SCREENSHOT_DIR = required('SCREENSHOT_DIR');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// Generous for a 2-core machine training two models at once; every wait polls, so a fast
// machine never pays for it.
export const TIMEOUT_MS = Number(process.env.BROWSER_TIMEOUT_MS || 30_000);

export function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`missing environment variable ${name}`);
  return value;
}

export async function launch() {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // launch() gives every run a fresh temporary profile: no session or cache leaks in.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** One signed-in person = one context (its own cookies), desktop-sized, UTC. */
export async function newContext(browser) {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 960 },
    timezoneId: 'UTC',
    locale: 'en-US',
  });
  context.setDefaultTimeout(TIMEOUT_MS);
  // "Copy JSON" writes to the clipboard; the journey reads it back to check what was copied.
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL });
  return context;
}

/** A page that fails the journey on uncaught exceptions and server errors. */
const watched = [];
export function watchPage(page, label) {
  const problems = [];
  watched.push({ page, label });
  page.on('pageerror', (err) => problems.push(`${label}: uncaught ${err.message}`));
  page.on('response', (res) => {
    if (res.status() >= 500) problems.push(`${label}: HTTP ${res.status()} ${res.url()}`);
  });
  page.on('console', (msg) => {
    // The SPA's "who am I?" check answers 403 before sign-in: expected, not worth a line.
    if (msg.type() === 'error' && !/status of 403/.test(msg.text())) {
      console.log(`  [${label} console] ${msg.text()}`);
    }
  });
  return problems;
}

let stepNo = 0;
export async function step(name, fn) {
  stepNo += 1;
  const started = Date.now();
  process.stdout.write(`▶ ${stepNo}. ${name}\n`);
  try {
    const out = await fn();
    process.stdout.write(`  ✓ ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
    return out;
  } catch (err) {
    process.stdout.write(`  ✗ ${name}: ${err.stack || err}\n`);
    for (const { page, label } of watched) {
      if (page.isClosed()) continue;
      const file = path.join(SCREENSHOT_DIR, `failure-step${stepNo}-${label}.png`);
      await page.screenshot({ path: file, fullPage: true }).catch(() => {});
      process.stdout.write(`  📷 ${file} (${page.url()})\n`);
    }
    throw err;
  }
}

export async function dismissToasts(page) {
  for (const close of await page.getByRole('button', { name: 'Dismiss notification' }).all()) {
    await close.click().catch(() => {}); // it may have timed out on its own meanwhile
  }
  await until('notifications to close', async () => (await page.getByTestId('toast').count()) === 0);
}

/**
 * Saves `name`.png. By default the whole page from the top (a scrolled page would paint the sticky
 * header mid-picture) without notifications left over from earlier steps; `keepScroll`,
 * `keepToasts` and `fullPage: false` (e.g. a modal over the viewport) opt out.
 */
export async function shot(page, name, { keepScroll = false, keepToasts = false, ...options } = {}) {
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  if (!keepToasts) await dismissToasts(page);
  if (!keepScroll) await page.evaluate(() => window.scrollTo(0, 0));
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled', ...options });
  process.stdout.write(`  📷 ${name}.png\n`);
  return file;
}

/** Polls `probe` until it returns a truthy value or the deadline passes. */
export async function until(what, probe, { timeout = TIMEOUT_MS, every = 250 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, every));
  }
  throw new Error(`timed out after ${timeout / 1000}s waiting for ${what} (last: ${last})`);
}

export function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}

export async function signIn(page, username, password) {
  await page.goto(`${BASE_URL}/dashboard/training-jobs`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Training Jobs', exact: true }).waitFor();
  await page.getByTestId('user-menu').waitFor();
}

/** The number in a text like "Step 1,234 of 8,340". */
export function firstNumber(text) {
  const m = /([\d,]+)/.exec(text ?? '');
  return m ? Number(m[1].replace(/,/g, '')) : NaN;
}

// ---- Accessibility: axe-core (npm axe-core, pinned in package.json) ----
// (Imports are hoisted: kept here so this block stays self-contained at the end of the file.)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** Every axe check run by this process: name -> { violations (all impacts), rules checked }. */
export const axeResults = {};

/**
 * Runs axe-core (WCAG 2.0/2.1/2.2 A and AA rules plus best practices) on the page as it is now and
 * fails with the offending rules and elements when any violation is serious or critical. Minor
 * and moderate ones are printed, not failed. `name` labels the report (e.g. "jobs-list dark").
 * Returns the violations. Usable from any journey script: `await axeCheck(page, 'compare page')`.
 */
export async function axeCheck(page, name, { include, exclude } = {}) {
  await page.evaluate(() => document.fonts.ready);
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    await page.addScriptTag({ content: AXE_SOURCE });
  }
  const result = await page.evaluate(
    async ({ include, exclude }) => {
      const context = include || exclude ? { include: include ?? [document], exclude: exclude ?? [] } : document;
      const r = await window.axe.run(context, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
        resultTypes: ['violations'],
      });
      return {
        passes: r.passes.length,
        violations: r.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')} — ${(n.failureSummary ?? '').replace(/\s+/g, ' ').slice(0, 300)}`),
          count: v.nodes.length,
        })),
      };
    },
    { include, exclude },
  );
  axeResults[name] = result;
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const minor = result.violations.filter((v) => !serious.includes(v));
  process.stdout.write(`  ♿ axe ${name}: ${serious.length} serious/critical, ${minor.length} minor/moderate (${minor.map((v) => v.id).join(', ') || 'none'})\n`);
  if (serious.length) {
    const lines = serious.map((v) => `  [${v.impact}] ${v.id}: ${v.help} (${v.count} element(s))\n${v.nodes.map((n) => `      ${n}`).join('\n')}`);
    throw new Error(`axe found ${serious.length} serious/critical violation(s) on ${name} (${page.url()}):\n${lines.join('\n')}`);
  }
  return result.violations;
}
