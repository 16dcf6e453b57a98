// End-to-end: the portal's Mirrors page in real headless Chromium. Run by
// tests/e2e/portal_e2e_test.cc (PortalMirrorsEndToEnd), which starts two clusters, west
// (this portal; its metaserver knows peer clusters east, which answers, and north, which
// does not) and east, and a real mq-mirror copying west's topic into east:
//
//   node mirrors.spec.mjs --url http://127.0.0.1:PORT --password-file FILE --mqctl PATH
//       --metaserver HOST:PORT --screenshots DIR
//
// Signs in, produces 300 messages into west with mqctl while the page is open, and waits
// until the Mirrors page shows east reachable, north unreachable, and the mirror's group
// (mq-mirror.west.east) with target east, one process and a lag of 0 once it copied them.
// Any page error or CSP violation fails the run; screenshots go to --screenshots.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import {openBrowser, parseArgs} from './browser.mjs';

const args = parseArgs(['url', 'password-file', 'mqctl', 'metaserver', 'screenshots']);
const BASE = args.url;
const PASSWORD = fs.readFileSync(args['password-file'], 'utf8').trim();
const TOPIC = 'mirrored.orders';
const GROUP = 'mq-mirror.west.east';

const {page, problems, shot, go, eventually, close, step} =
  await openBrowser({base: BASE, screenshots: args.screenshots});
const peerRow = name => page.locator('#peer-clusters tr', {hasText: name});
const mirrorRow = page.locator('#mirrors tr', {hasText: GROUP});
const cell = async (row, index) => (await row.locator('td').nth(index).textContent()).trim();

try {
  await go('');
  await page.waitForURL(/#\/login/);
  await page.fill('#login-form input[name=user]', 'admin');
  await page.fill('#login-form input[name=password]', PASSWORD);
  await page.click('#login-form button[type=submit]');
  await page.locator('#nav a', {hasText: 'Mirrors'}).click();
  await page.locator('h1', {hasText: 'Clusters and mirrors'}).waitFor();
  assert.equal(await page.locator('[data-test=this-cluster]').textContent(), 'west');

  // The peers, as the metaserver's checks saw them.
  await eventually('both peers checked', async () =>
    (await peerRow('east').locator('.badge', {hasText: 'reachable'}).count()) === 1 &&
    (await peerRow('north').locator('.badge', {hasText: 'unreachable'}).count()) === 1);
  assert.match(await cell(peerRow('north'), 5), /.+/, 'north names its problem');
  assert.equal(await cell(peerRow('east'), 5), '', 'east has no problem');

  // The mirror copies what arrives, and its lag comes back to 0.
  execFileSync(args.mqctl, ['--metaserver', args.metaserver, 'produce', TOPIC],
               {input: Array.from({length: 300}, (_, i) => `order ${i}`).join('\n') + '\n',
                encoding: 'utf8', timeout: 60000});
  await eventually('the mirror listed with lag 0', async () =>
    (await mirrorRow.count()) === 1 && (await cell(mirrorRow, 4)) === '0', 90);
  assert.equal(await cell(mirrorRow, 1), 'east', 'target cluster');
  assert.equal(await cell(mirrorRow, 2), '1', 'one mirror process');
  await shot('mirrors');

  assert.deepEqual(problems, [], 'errors in the page');
  console.log('portal mirrors e2e: all steps passed');
} catch (e) {
  try { await shot('failure'); } catch { /* the page is gone */ }
  console.error(`portal mirrors e2e FAILED after screenshot ${step()}: ${e.stack || e}`);
  if (problems.length) console.error(`page problems:\n${problems.join('\n')}`);
  process.exitCode = 1;
} finally {
  await close();
}
