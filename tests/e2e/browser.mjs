// What the portal's browser tests share: their command line, headless Chromium (Debian's
// /usr/bin/chromium through playwright-core) with a fresh profile, the page's problems (any
// page error or console error other than the refusals a test provokes fails the run),
// numbered screenshots, and waiting helpers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {chromium} from 'playwright-core';

// --name value pairs of the command line; throws naming a missing one of `required`.
export function parseArgs(required) {
  const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (arg.startsWith('--')) pairs.push([arg.slice(2), all[i + 1]]);
    return pairs;
  }, []));
  for (const name of required) {
    if (!args[name]) throw new Error(`missing --${name}`);
  }
  return args;
}

// Starts the browser. `permissions` are granted to `origin` (e.g. clipboard access).
export async function openBrowser({base, screenshots, permissions = []}) {
  fs.mkdirSync(screenshots, {recursive: true});
  const problems = [];
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-portal-e2e-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: {width: 1280, height: 900},
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  if (permissions.length) await browser.grantPermissions(permissions, {origin: base});
  const page = browser.pages()[0] || await browser.newPage();
  page.setDefaultTimeout(20000);
  page.on('pageerror', e => problems.push(`page error: ${e.message}`));
  page.on('console', m => {
    // Refusals the tests provoke (401 before sign-in, 40x) and 503 while lag is not
    // collected yet are answers, not page errors; anything else (a CSP violation, say) is.
    if (m.type() === 'error' &&
        !/Failed to load resource.*status of (40[0-9]|503)/.test(m.text())) {
      problems.push(`console error: ${m.text()}`);
    }
  });
  page.on('dialog', dialog => dialog.accept());

  let step = 0;
  const session = {
    browser, page, problems,
    step: () => step,
    // A full-page screenshot, numbered in order.
    async shot(name) {
      await page.waitForTimeout(300);  // let the last render settle
      const file = path.join(screenshots, `${String(++step).padStart(2, '0')}-${name}.png`);
      await page.screenshot({path: file, fullPage: true});
      console.log(`screenshot ${file}`);
    },
    // A screenshot of one element.
    async shotOf(locator, name) {
      await page.waitForTimeout(300);
      const file = path.join(screenshots, `${String(++step).padStart(2, '0')}-${name}.png`);
      await locator.screenshot({path: file});
      console.log(`screenshot ${file}`);
    },
    // Opens a page afresh (a full load, not a hash change), so nothing of the page before
    // can satisfy the next wait, and waits until its requests are answered.
    async go(hash) {
      await page.goto('about:blank');
      await page.goto(`${base}/${hash}`);
      await page.waitForLoadState('networkidle');
    },
    // Waits for `check` to be true, reloading the page every second.
    async eventually(what, check, seconds = 60) {
      for (let i = 0; i < seconds; i++) {
        if (await check()) return;
        await page.waitForTimeout(1000);
        await page.reload();
        await page.waitForLoadState('networkidle');
      }
      throw new Error(`timed out waiting for ${what}`);
    },
    async close() {
      await browser.close();
      fs.rmSync(profile, {recursive: true, force: true});
    },
  };
  return session;
}
