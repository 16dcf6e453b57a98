// End-to-end walk through the mq portal in real headless Chromium (playwright-core, Debian's
// /usr/bin/chromium). Run by tests/e2e/portal_e2e_test.cc, which starts the cluster and
// passes where it is:
//
//   node portal.spec.mjs --url http://127.0.0.1:PORT --password-file FILE --mqctl PATH
//       --metaserver HOST:PORT --screenshots DIR
//
// Signs in as the first admin, creates a team and a topic (after a refused bad name), produces
// with mqctl and sends a test message in the page, reads both in the message browser, sees a
// group's lag, fires an alert, resets the group's offsets after a dry run, reads the audit
// log, and checks that markup in a description, a key and a payload is shown as text and
// never runs; edits the topic's description and owner team (refusals next to the field),
// sees the charts (uPlot: messages in/out, produce rate, lag over time) drawn, and makes a
// partition read-only (mqctl's produce to it fails) and writable again (it succeeds). Any page error,
// or a Content-Security-Policy violation, fails the run. A screenshot of every page, and of
// each chart, goes to --screenshots. Exits non-zero on the first failure.
import assert from 'node:assert/strict';
import {execFileSync, spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {openBrowser, parseArgs} from './browser.mjs';

const args = parseArgs(['url', 'password-file', 'mqctl', 'metaserver', 'screenshots']);
const BASE = args.url;
const PASSWORD = fs.readFileSync(args['password-file'], 'utf8').trim();

const TOPIC = 'e2e.orders';
const GROUP = 'e2e-billing';
const XSS_DESCRIPTION = '<img src=x onerror="window.__xss=1">Orders <b>bold?</b>';
const XSS_VALUE = '<script>window.__xss=2</script><img src=y onerror="window.__xss=3">';

function mqctl(...command) {
  return execFileSync(args.mqctl, ['--metaserver', args.metaserver, ...command],
                      {input: command.includes('produce') ? PRODUCED.join('\n') + '\n' : '',
                       encoding: 'utf8', timeout: 60000});
}
const PRODUCED = Array.from({length: 12}, (_, i) => `hello ${i}`);

const {page, problems, shot, shotOf, go, eventually, close, step} =
  await openBrowser({base: BASE, screenshots: args.screenshots});
async function noScriptRan() {
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'injected markup ran');
}
const field = (form, name) => page.locator(`${form} .field[data-field="${name}"]`);
// Polish (issue 25): every control on the page has a label (a <label>, aria-label or
// aria-labelledby); returns the ones without.
async function unlabelled() {
  return page.evaluate(() => Array.from(document.querySelectorAll(
    'input, select, textarea, button'))
    .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') &&
                  !el.getAttribute('aria-labelledby') &&
                  !(el.tagName === 'BUTTON' && el.textContent.trim()))
    .map(el => `${el.tagName.toLowerCase()}[name=${el.name || ''}]`));
}
async function everyControlLabelled(where) {
  assert.deepEqual(await unlabelled(), [], `controls without a label on ${where}`);
}
// A chart (charts.js) drawn by uPlot with at least one point, and a screenshot of just it.
async function chartDrawn(id, name) {
  const chart = page.locator(`#${id}[data-ready="true"]`);
  await chart.locator('.uplot canvas').first().waitFor();
  assert.ok(Number(await chart.getAttribute('data-points')) >= 1, `${id} has points`);
  await shotOf(chart, name);
}

try {
  // --- Sign in ---------------------------------------------------------------------------
  await go('');
  await page.waitForURL(/#\/login/);
  await page.fill('#login-form input[name=user]', 'admin');
  await page.fill('#login-form input[name=password]', 'wrong password');
  await page.click('#login-form button[type=submit]');
  await page.locator('#login-form .form-error').filter({hasText: 'wrong user name or password'})
    .waitFor();
  await shot('login-refused');
  await page.fill('#login-form input[name=password]', PASSWORD);
  await page.click('#login-form button[type=submit]');
  await page.locator('#nav a', {hasText: 'Topics'}).waitFor();
  await page.locator('h1', {hasText: 'Overview'}).waitFor();
  await page.locator('.card', {hasText: 'Brokers'}).locator('.badge', {hasText: 'live'}).waitFor();
  await page.locator('.card', {hasText: 'Datanodes'}).locator('.badge', {hasText: 'healthy'})
    .waitFor();
  await shot('overview');
  // The cluster's name (the metaserver's cluster-name) beside the brand, on every page.
  assert.equal(await page.locator('[data-test=cluster]').textContent(), 'e2e-west');
  // Polish: the page's title, the active link marked for screen readers, the theme toggle.
  assert.equal(await page.title(), 'Overview · mq portal');
  assert.equal(await page.locator('#nav a[aria-current=page]').textContent(), 'Overview');
  await everyControlLabelled('the overview');
  // The system's preference is followed, also when it changes (the change event is async).
  const themeIs = theme => page.waitForFunction(
    wanted => document.documentElement.dataset.theme === wanted, theme, {timeout: 5000});
  await page.emulateMedia({colorScheme: 'dark'});
  await themeIs('dark');
  await page.emulateMedia({colorScheme: 'light'});
  await themeIs('light');
  await page.click('#theme');  // system -> light
  await page.click('#theme');  // light -> dark, kept across pages
  assert.equal(await page.locator('#theme').textContent(), 'Theme: dark');
  await go('#/topics');
  assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark');
  await shot('dark-mode');
  await page.click('#theme');  // dark -> system (light here)
  assert.equal(await page.locator('html').getAttribute('data-theme'), 'light');
  // Below 900 px the navigation folds behind Menu.
  await page.setViewportSize({width: 700, height: 900});
  assert.equal(await page.locator('#nav a', {hasText: 'Alerts'}).isVisible(), false);
  await page.click('#menu');
  assert.equal(await page.locator('#menu').getAttribute('aria-expanded'), 'true');
  await shot('narrow-menu-open');
  await page.locator('#nav a', {hasText: 'Alerts'}).click();
  await page.locator('h1', {hasText: 'Alerts'}).waitFor();
  assert.equal(await page.title(), 'Alerts · mq portal');
  assert.equal(await page.locator('#nav a', {hasText: 'Alerts'}).isVisible(), false,
               'the menu closes after choosing a page');
  await page.setViewportSize({width: 1280, height: 900});

  // --- A team for the topic --------------------------------------------------------------
  await go('#/admin');
  await page.fill('#create-team input[name=name]', 'payments');
  await page.fill('#create-team input[name=description]', 'Payments <i>team</i>');
  await page.click('#create-team button[type=submit]');
  await page.locator('table.grid td', {hasText: 'Payments <i>team</i>'}).waitFor();
  const adminRow = page.locator('tr', {hasText: 'Payments <i>team</i>'});
  // Issue 25 bug 8: no user is preselected; Add without a choice adds no one.
  assert.equal(await adminRow.locator('select').inputValue(), '');
  await adminRow.locator('button', {hasText: 'Add'}).click();
  assert.equal(await adminRow.locator('ul.members li').count(), 0);
  await adminRow.locator('select').selectOption('admin');
  await adminRow.locator('button', {hasText: 'Add'}).click();
  await page.locator('ul.members li', {hasText: 'admin'}).waitFor();
  await shot('users-and-teams');
  await everyControlLabelled('users and teams');

  // --- Create a topic: a bad name is refused next to its field ---------------------------
  await go('#/topics');
  await page.fill('#create-topic input[name=name]', 'bad name!');
  await page.click('#create-topic button[type=submit]');
  await field('#create-topic', 'name').locator('.field-error').filter({hasText: /letters/})
    .waitFor();
  await shot('topic-create-refused');
  await page.fill('#create-topic input[name=name]', TOPIC);
  await page.fill('#create-topic input[name=partitions]', '2');
  await page.fill('#create-topic input[name=retention]', '3');
  await page.selectOption('#create-topic select[name=owner_team]', 'payments');
  await page.fill('#create-topic textarea[name=description]', XSS_DESCRIPTION);
  await page.click('#create-topic button[type=submit]');
  await page.locator('.notice-ok', {hasText: `Created ${TOPIC}`}).waitFor();
  await page.locator('table.grid td', {hasText: XSS_DESCRIPTION}).waitFor();
  await noScriptRan();
  await shot('topics');
  await everyControlLabelled('the topics page');
  // The topic search is in the URL: a reload shows the same list.
  await page.fill('#main input[name=search]', 'e2e.ord');
  await page.waitForURL(/#\/topics\?search=e2e\.ord/);
  await page.reload();
  assert.equal(await page.locator('#main input[name=search]').inputValue(), 'e2e.ord');
  await page.locator('table.grid a', {hasText: TOPIC}).waitFor();
  await go('#/topics');
  // The server's refusal lands next to its field too.
  await page.fill('#create-topic input[name=name]', TOPIC);
  await page.selectOption('#create-topic select[name=owner_team]', 'payments');
  await page.click('#create-topic button[type=submit]');
  await field('#create-topic', 'name').locator('.field-error').filter({hasText: /exists/})
    .waitFor();

  // --- Produce with mqctl; send a test message in the page -------------------------------
  mqctl('produce', TOPIC);
  await go(`#/topics/${encodeURIComponent(TOPIC)}/messages?partition=0&send=1`);
  await page.selectOption('#send-message select[name=partition]', '0');
  await page.fill('#send-message input[name=key]', 'key<u>1</u>');
  await page.fill('#send-message textarea[name=headers]', 'trace: <b>abc</b>');
  await page.fill('#send-message textarea[name=value]', XSS_VALUE);
  await page.click('#send-message button[type=submit]');
  await page.locator('details.send .notice-ok', {hasText: 'Sent to partition 0'}).waitFor();

  // --- See the messages in the browser (mqctl's keyless batch lands in either partition) --
  const shown = [];
  for (const partition of [0, 1]) {
    await go(`#/topics/${encodeURIComponent(TOPIC)}/messages?partition=${partition}&offset=0`);
    await page.locator(`#message-list[data-ready="${partition}"]`).waitFor();
    shown.push(...await page.locator('#message-list .payload').allTextContents());
    assert.equal(await page.locator('#message-list script').count(), 0);
    assert.equal(await page.locator('#message-list img').count(), 0);
    assert.equal(await page.locator('#message-list u, #message-list b').count(), 0);
    await noScriptRan();
    await shot(`messages-partition-${partition}`);
    await everyControlLabelled('the message browser');
  }
  for (const text of PRODUCED) assert.ok(shown.includes(text), `${text} is shown: ${shown}`);
  assert.ok(shown.includes(XSS_VALUE), 'the markup payload is shown as text');
  assert.ok(shown.includes('key<u>1</u>'), 'the key is shown as text');
  assert.ok(shown.includes('<b>abc</b>'), 'the header is shown as text');

  // --- Issue 25 bug 6: a partition that does not exist is named, and so is the selector ----
  await go(`#/topics/${encodeURIComponent(TOPIC)}/messages?partition=42`);
  await page.locator('#message-list .notice-err', {hasText: 'There is no partition 42'})
    .waitFor();
  assert.equal(await page.locator('#browse select[name=partition]').inputValue(), '42');

  // --- Search by key in the page; all partitions merged by time ---------------------------
  await go(`#/topics/${encodeURIComponent(TOPIC)}/messages?partition=0`);
  await page.click('#search summary');
  await page.fill('#search-form input[name=key]', 'key<u>1</u>');
  await page.click('#search-form button[type=submit]');
  await page.locator('#message-list[data-ready="search"]').waitFor();
  await page.locator('[data-test=search-status]', {hasText: /^Done: 1 found/}).waitFor();
  assert.equal(await page.locator('#search-results article.message').count(), 1);
  assert.equal(await page.locator('#search-results article[data-partition="0"]').count(), 1);
  assert.equal(await page.locator('#search-results progress, #message-list progress')
    .evaluate(bar => bar.value === bar.max), true, 'the progress bar is full');
  await shot('search-by-key');
  // Its trace: where it is stored, from the message's Trace link.
  await page.click('#search-results a.trace-link');
  await page.locator('#trace[data-ready="true"] [data-test=stored-at]').waitFor();
  await page.locator('#trace h2', {hasText: 'Partition 0'}).waitFor();
  await shot('trace');
  await go(`#/topics/${encodeURIComponent(TOPIC)}/messages?partition=0`);
  await page.selectOption('#browse select[name=partition]', 'all');
  await page.click('#browse button[type=submit]');
  await page.locator('#message-list[data-ready="all"]').waitFor();
  assert.equal(await page.locator('#message-list article.message').count(),
               PRODUCED.length + 1, 'every message of both partitions, merged');

  // --- A group with lag --------------------------------------------------------------------
  mqctl('group', 'reset-offsets', GROUP, '--topic', TOPIC, '--to-earliest');
  await go(`#/groups/${encodeURIComponent(GROUP)}`);
  await eventually('the group\'s lag', async () =>
    (await page.locator('.card', {hasText: 'Lag per partition'}).textContent()).includes('Total 13'));
  await shot('group-with-lag');
  await everyControlLabelled('a group\'s page');
  await go('#/groups');
  await page.locator('table.grid a', {hasText: GROUP}).waitFor();
  await shot('groups');

  // --- An alert fires ----------------------------------------------------------------------
  await go('#/alerts');
  await page.fill('#create-alert input[name=name]', 'e2e-lag');
  await page.fill('#create-alert input[name=group]', GROUP);
  await page.selectOption('#create-alert select[name=kind]', 'lag_messages');
  await page.fill('#create-alert input[name=threshold]', '5');
  await page.fill('#create-alert input[name=for]', '1s');
  await page.click('#create-alert button[type=submit]');
  await eventually('the alert to fire', async () =>
    (await page.locator('h2', {hasText: 'Firing now'}).textContent()).includes('(1)'));
  await page.locator('.badge-err', {hasText: 'firing'}).first().waitFor();
  await shot('alert-firing');
  await go('#/');
  await page.locator('.card', {hasText: 'Alerts firing'}).locator('td', {hasText: 'e2e-lag'})
    .waitFor();
  await shot('overview-alert-firing');

  // --- Issue 25 bug 1: alert refusals next to their field, https webhooks, a status alert
  // read as a sentence, a refused delete shown on the page (never a pop-up) ----------------
  await go('#/alerts');
  await page.fill('#create-alert input[name=name]', 'e2e-nobody');
  await page.fill('#create-alert input[name=group]', 'no-such-group');
  await page.selectOption('#create-alert select[name=kind]', 'status');
  await page.click('#create-alert button[type=submit]');
  await field('#create-alert', 'group').locator('.field-error')
    .filter({hasText: 'there is no consumer group `no-such-group`'}).waitFor();
  assert.equal(await page.locator('#create-alert .form-error').textContent(), '',
               'nothing at the top of the form');
  await shot('alert-unknown-group');
  await everyControlLabelled('the alerts page');
  await page.fill('#create-alert input[name=webhook_url]', 'ftp://hooks.example.com/');
  await page.fill('#create-alert input[name=group]', GROUP);
  await page.click('#create-alert button[type=submit]');
  await field('#create-alert', 'webhook_url').locator('.field-error')
    .filter({hasText: 'http:// or https://'}).waitFor();
  // The group is 13 behind and stopped (no commit for more than --lag-stop-min-idle 3s):
  // its status is ERR, which the status alert says in words.
  await page.fill('#create-alert input[name=name]', 'e2e-status');
  await page.fill('#create-alert input[name=for]', '0s');
  await page.fill('#create-alert input[name=webhook_url]', 'https://hooks.example.invalid/mq');
  await page.click('#create-alert button[type=submit]');
  await eventually('the status alert to fire', async () =>
    await page.locator('.card', {hasText: 'Firing now'})
      .locator('tr', {hasText: 'e2e-status'}).count() === 1);
  const statusRow = page.locator('.card', {hasText: 'Firing now'}).locator('tr',
                                                                           {hasText: 'e2e-status'});
  assert.match(await statusRow.textContent(), /status (ERR|STOP) \(not OK\)/);
  assert.doesNotMatch(await statusRow.textContent(), / > /);
  await shot('alert-status-firing');
  // A delete refused by the server (someone deleted the rule first) shows on the page.
  const dialogs = [];
  page.on('dialog', d => dialogs.push(d.type()));
  mqctl('alert', 'create', 'e2e-gone', '--group', GROUP, '--kind', 'status');
  await go('#/alerts');
  const gone = page.locator('[data-test="delete-e2e-gone"]');
  // Right after a refresh (every 5 s), so the next one cannot take the button away first.
  await gone.evaluate(button => { button.dataset.old = '1'; });
  await page.locator('[data-test="delete-e2e-gone"][data-old]').waitFor({state: 'detached'});
  mqctl('alert', 'delete', 'e2e-gone');
  await gone.click();
  await page.locator('#alerts-notice .notice-err', {hasText: 'no alert named `e2e-gone`'})
    .waitFor();
  assert.deepEqual(dialogs, ['confirm'], 'only the confirmation, no alert() pop-up');
  await shot('alert-delete-refused');

  // --- Reset the group's offsets: dry run, then apply ---------------------------------------
  await go(`#/groups/${encodeURIComponent(GROUP)}`);
  await page.selectOption('#reset-offsets select[name=topic]', TOPIC);
  await page.selectOption('#reset-offsets select[name=to]', 'latest');
  await page.click('#reset-offsets button[type=submit]');
  await page.locator('#reset-preview .notice-info', {hasText: 'dry run'}).waitFor();
  await shot('reset-preview');
  await page.click('button:has-text("Apply reset")');
  await page.locator('#reset-preview .notice-ok', {hasText: 'Offsets reset.'}).waitFor();
  await shot('reset-applied');
  await eventually('the lag to drop to 0', async () =>
    (await page.locator('.card', {hasText: 'Lag per partition'}).textContent()).includes('Total 0'));
  await shot('group-after-reset');

  // --- A reset the coordinator refuses: the group has an active member (issue 25 bug 3) ----
  // The member is idle (from latest, nothing produced): it leaves the group by itself after 5 s.
  const joinMember = () => spawn(args.mqctl, ['--metaserver', args.metaserver, 'consume', TOPIC,
    '--group', GROUP, '--from', 'latest', '--timeout-ms', '5000'], {stdio: 'ignore'});
  const members = () => JSON.parse(mqctl('--json', 'group', 'describe', GROUP)).members.length;
  // Polls without reloading the page (eventually() reloads, which would drop the preview).
  const until = async (what, check) => {
    for (let i = 0; i < 60; i++, await page.waitForTimeout(500)) if (check()) return;
    throw new Error(`timed out waiting for ${what}`);
  };
  const preview = async () => {
    await page.click('#reset-offsets button[type=submit]');
    await page.locator('#reset-preview .notice-info', {hasText: 'dry run'}).waitFor();
  };
  const applyDisabled = () => page.locator('button:has-text("Apply reset")').isDisabled();
  let member = joinMember();
  try {
    await until('the member to join', () => members() === 1);
    await preview();
    await page.locator('#reset-preview .notice-warn', {hasText: 'active member'}).waitFor();
    assert.equal(await applyDisabled(), true, 'Apply is disabled when the preview says refused');
    await page.locator('[data-test=apply-why]', {hasText: 'Stop the group'}).waitFor();
    await shot('reset-refused-preview');
    await until('the member to leave', () => members() === 0);
    await preview();
    // The new preview has replaced the one with the warning.
    await page.locator('#reset-preview .notice-warn').waitFor({state: 'detached'});
    assert.equal(await applyDisabled(), false, 'Apply is enabled once the group is empty');
    // A member joins between the preview and Apply: the 409 replaces the stale preview.
    member = joinMember();
    await until('the member to join again', () => members() === 1);
    await page.click('button:has-text("Apply reset")');
    await page.locator('#reset-preview .notice-err', {hasText: 'active'}).waitFor();
    assert.equal(await page.locator('#reset-preview .notice').count(), 1,
                 'the refusal is the only notice left in the preview');
    assert.equal(await applyDisabled(), true);
    await shot('reset-refused-apply');
    await until('the member to leave again', () => members() === 0);
  } finally {
    member.kill('SIGKILL');
  }

  // --- Topic detail, audit log, dead letters -----------------------------------------------
  await go(`#/topics/${encodeURIComponent(TOPIC)}`);
  await page.locator('dd', {hasText: XSS_DESCRIPTION}).waitFor();
  await page.locator('table.grid a', {hasText: GROUP}).waitFor();
  await noScriptRan();
  await shot('topic-detail');
  await everyControlLabelled('a topic\'s page');

  // --- Charts (uPlot): produce rate, lag over time, messages in and out ---------------------
  await eventually('the produce rate chart', async () =>
    await page.locator('#chart-produce-rate[data-ready="true"] .uplot canvas').count() > 0);
  await chartDrawn('chart-produce-rate', 'chart-produce-rate');
  await go(`#/groups/${encodeURIComponent(GROUP)}`);
  await eventually('the lag chart', async () =>
    await page.locator('#chart-group-lag[data-ready="true"] .uplot canvas').count() > 0);
  assert.ok(await page.locator('#chart-group-lag .u-legend', {hasText: `${TOPIC} / 0`}).count());
  await chartDrawn('chart-group-lag', 'chart-group-lag');
  await go('#/');
  await eventually('the messages chart', async () =>
    await page.locator('#chart-messages[data-ready="true"] .uplot canvas').count() > 0);
  await chartDrawn('chart-messages', 'chart-messages');

  // --- Issue 25 bug 5: a new topic's first burst is its first rate, on a short time axis ----
  mqctl('topic', 'create', 'e2e.fresh', '--partitions', '1');
  mqctl('produce', 'e2e.fresh');
  await go('#/topics/e2e.fresh');
  const fresh = page.locator('#chart-produce-rate');
  await eventually('the new topic\'s first point', async () =>
    Number(await fresh.getAttribute('data-points') || 0) >= 1);
  assert.ok(Number(await fresh.getAttribute('data-span')) < 3600,
            `a time axis of minutes, not years (${await fresh.getAttribute('data-span')} s)`);
  // The burst is a rate above 0 (if the topic's first cycle came after it, it used to be 0).
  await eventually('the first burst as a rate', async () =>
    Number(await fresh.getAttribute('data-max')) > 0, 15);
  await shotOf(fresh, 'chart-new-topic');

  // --- Cancelling a search (issue 25): one row scanned per request, each answer held 300 ms,
  // so the search is still running when Cancel is clicked ----------------------------------
  const SEARCH_API = /\/api\/topics\/e2e\.fresh\/messages\?/;
  await page.route(SEARCH_API, async route => {
    await new Promise(resolve => setTimeout(resolve, 300));
    await route.continue();
  });
  // Not go(): it waits for the network to be idle, that is for the search to end.
  await page.goto('about:blank');
  await page.goto(`${BASE}/#/topics/e2e.fresh/messages?search=1&contains=no-such-text&scan_limit=1`);
  await page.locator('[data-test=search-status]', {hasText: /^Searching… 0 found · \d+ of 12/})
    .waitFor();
  await page.click('[data-test=search-cancel]');
  const cancelled = page.locator('[data-test=search-status]', {hasText: /^Cancelled: 0 found/});
  await cancelled.waitFor();
  const searched = Number((await cancelled.textContent()).match(/· (\d+) of 12/)[1]);
  assert.ok(searched < 12, `cancelled before the end (${searched} of 12 rows searched)`);
  await page.waitForTimeout(1000);
  assert.match(await cancelled.textContent(), new RegExp(`· ${searched} of 12`),
               'no request after Cancel');
  assert.equal(await page.locator('[data-test=search-cancel]').count(), 0);
  await shot('search-cancelled');
  await page.unroute(SEARCH_API);

  // --- Edit the topic's description and owner team ------------------------------------------
  await go(`#/topics/${encodeURIComponent(TOPIC)}`);
  await page.click('#edit-topic button[type=submit]');
  await field('#edit-topic', 'description').locator('.field-error')
    .filter({hasText: 'Nothing has changed'}).waitFor();
  // The server's refusal (too long) lands next to the field too; nothing changes.
  await page.locator('#edit-topic textarea[name=description]')
    .evaluate(el => el.removeAttribute('maxlength'));
  await page.fill('#edit-topic textarea[name=description]', 'x'.repeat(1025));
  await page.click('#edit-topic button[type=submit]');
  await field('#edit-topic', 'description').locator('.field-error')
    .filter({hasText: '1024'}).waitFor();
  await shot('topic-edit-refused');
  const EDITED = 'Edited <em>orders</em> & refunds';
  await page.fill('#edit-topic textarea[name=description]', EDITED);
  await page.selectOption('#edit-topic select[name=owner_team]', '');
  await page.click('#edit-topic button[type=submit]');
  await page.locator('#edit-topic').locator('xpath=..').locator('.notice-ok', {hasText: 'Saved'})
    .waitFor();
  await page.locator('dd', {hasText: EDITED}).waitFor();
  await page.locator('dd', {hasText: 'none (admins only)'}).waitFor();
  assert.equal(await page.locator('.facts em').count(), 0);
  await noScriptRan();
  await shot('topic-edited');

  // --- Retention saved, and an in-use topic deleted with the page's force box (bug 7) -------
  await page.fill('#edit-retention input[name=retention_ms]', '3');
  await page.selectOption('#edit-retention select[name=retention_ms_unit]', {label: 'days'});
  await page.click('#edit-retention button[type=submit]');
  await page.locator('.notice-ok', {hasText: 'Retention saved'}).waitFor();
  await page.locator('dd', {hasText: '3 d'}).first().waitFor();
  await shot('retention-saved');
  const DOOMED = 'e2e.doomed';
  mqctl('topic', 'create', DOOMED, '--partitions', '2');
  execFileSync(args.mqctl, ['--metaserver', args.metaserver, 'produce', DOOMED, '--partition',
                            '0'], {input: 'x\n', encoding: 'utf8'});
  mqctl('consume', DOOMED, '--group', 'e2e-doomed-readers', '--max', '1', '--timeout-ms', '10000');
  // Partition 1 was never committed by the group: it is in its lag, marked (bug 4).
  await go('#/groups/e2e-doomed-readers');
  await eventually('the never-committed partition in the lag', async () =>
    await page.locator('[data-test=never-committed]').count() === 1);
  await shot('group-never-committed');
  await go(`#/topics/${encodeURIComponent(DOOMED)}`);
  await page.fill('#delete-topic input[name=confirm]', DOOMED);
  await page.click('#delete-topic button[type=submit]');
  const forceError = field('#delete-topic', 'force').locator('.field-error');
  await forceError.filter({hasText: 'e2e-doomed-readers'}).waitFor();
  assert.match(await forceError.textContent(), /Tick this box/);
  assert.doesNotMatch(await page.locator('#delete-topic').textContent(), /mqctl/,
                      'the page names its own checkbox, not a command');
  await shot('topic-delete-in-use');
  await page.check('#delete-topic input[name=force]');
  await page.click('#delete-topic button[type=submit]');
  await page.waitForURL(/#\/topics$/);
  assert.doesNotMatch(mqctl('topic', 'list'), /e2e\.doomed/);
  await go('#/audit?action=topic.update');
  await page.locator('table.grid code', {hasText: 'topic.update'}).first().waitFor();
  await shot('audit-topic-update');
  await go('#/audit?user=admin');
  for (const action of ['topic.create', 'message.send', 'group.reset_offsets', 'alert.create',
                        'team.create']) {
    await page.locator('table.grid code', {hasText: action}).first().waitFor();
  }
  await everyControlLabelled('the audit log');
  // A row's change opens under it.
  const created = page.locator('tr', {hasText: 'topic.create'}).first();
  await created.locator('details summary', {hasText: 'created'}).click();
  await created.locator('details h4', {hasText: 'After'}).waitFor();
  await shot('audit');
  // --- Dead letters: a consumer fails two messages, replay one from the portal -------------
  {
    const DLQ_GROUP = 'e2e-failing';
    const mqctl = (...more) => execFileSync(args.mqctl, ['--metaserver', args.metaserver, ...more],
                                            {encoding: 'utf8'});
    // failing_consumer (tests/tools) dead-letters these at their first failure.
    const consumer = spawn(path.join(path.dirname(args.mqctl), 'failing_consumer'),
      ['--metaserver', args.metaserver, '--group', DLQ_GROUP, '--topic', TOPIC, '--log',
       path.join(args.screenshots, 'failing-consumer.log'), '--fail', `${PRODUCED[3]},${XSS_VALUE}`,
       '--backoff-ms', 'none'], {stdio: 'ignore'});
    try {
      await eventually('two dead letters', async () => {
        const pairs = mqctl('--json', 'dlq', 'list', '--group', DLQ_GROUP).trim();
        return pairs !== '' && JSON.parse(pairs).messages === 2;
      });
    } finally {
      consumer.kill('SIGTERM');
    }
    // Stopped: its partitions' rates drop to 0 within a STOP's idle time (3 s here; bug 4).
    await go(`#/groups/${DLQ_GROUP}`);
    await eventually('the stopped group\'s rates to be 0', async () => {
      const rates = await page.locator('[data-test=rate]').allTextContents();
      return rates.length > 0 && rates.every(rate => rate === '0');
    });
    await shot('group-stopped-rate-0');
    await go('#/dead-letters');
    await page.locator('table.grid a[data-test=dead-letter-count]', {hasText: '2'}).click();
    await page.locator('[data-test=stored]', {hasText: '2'}).waitFor();
    const letter = page.locator('article.dead-letter', {hasText: PRODUCED[3]});
    await letter.locator('.error-text', {hasText: `cannot process ${PRODUCED[3]}`}).waitFor();
    await page.locator('article.dead-letter pre.value', {hasText: XSS_VALUE}).waitFor();
    await noScriptRan();
    await shot('dead-letters');
    await letter.locator('[data-test=replay-one]').click();
    await page.locator('.notice-ok', {hasText: `Replayed 1 message to ${TOPIC}.`}).waitFor();
    await shot('dead-letter-replayed');
    const replayed = mqctl('--json', 'consume', TOPIC, '--timeout-ms', '3000').trim().split('\n')
      .map(line => JSON.parse(line))
      .filter(m => m.headers && m.headers['mq-replayed-from'] !== undefined);
    assert.equal(replayed.length, 1, 'one replayed message in the topic');
    assert.equal(replayed[0].value, PRODUCED[3]);
    // Issue 25 bug 2: the replayed dead letter is marked, and replaying it again asks first
    // (declined here: nothing is sent).
    await go(`#/dead-letters/${DLQ_GROUP}/${encodeURIComponent(TOPIC)}`);
    await letter.locator('[data-test=replayed]',
                         {hasText: /replayed at \d{4}-\d\d-\d\d [\d:]+ by user:admin to e2e\.orders/})
      .waitFor();
    assert.equal(await page.locator('article.dead-letter [data-test=replayed]').count(), 1,
                 'only the replayed one is marked');
    await shot('dead-letter-marked-replayed');
    page.removeAllListeners('dialog');
    const asked = [];
    page.on('dialog', d => { asked.push(d.message()); d.dismiss(); });
    await letter.locator('[data-test=replay-one]').click();
    await page.waitForTimeout(500);
    page.removeAllListeners('dialog');
    page.on('dialog', d => d.accept());
    assert.equal(asked.length, 1, 'a second replay asks first');
    assert.match(asked[0], /already replayed at .* by user:admin/);
    assert.equal(mqctl('--json', 'consume', TOPIC, '--timeout-ms', '3000').trim().split('\n')
      .filter(line => line.includes('mq-replayed-from')).length, 1, 'declined: nothing replayed');
    // The Team column names the group's owner team once it is set (bug 2).
    await go(`#/groups/${DLQ_GROUP}`);
    await page.selectOption('#group-owner select[name=team]', 'payments');
    await page.click('#group-owner button[type=submit]');
    await page.waitForURL(/owner=/);
    await go('#/dead-letters');
    assert.equal(await page.locator('tr', {hasText: DLQ_GROUP}).locator('td').nth(5)
      .textContent(), 'payments');
  }
  // --- Make a partition read-only, then writable again; its size is shown ------------------
  {
    const produceOne = value => execFileSync(args.mqctl,
      ['--metaserver', args.metaserver, 'produce', TOPIC, '--partition', '1'],
      {input: `${value}\n`, encoding: 'utf8', timeout: 60000, stdio: 'pipe'});
    await go(`#/topics/${encodeURIComponent(TOPIC)}`);
    const state = page.locator('[data-test=state-1] .badge');
    await state.filter({hasText: 'active'}).waitFor();
    assert.match(await page.locator('#partitions table.grid').textContent(), /\d (B|KiB|MiB)/,
                 'the partitions\' sizes are shown');
    await page.click('[data-test=read-only-1]');
    await page.locator('#partition-notice .notice-ok', {hasText: 'Partition 1 is read-only.'})
      .waitFor();
    await state.filter({hasText: 'read_only'}).waitFor();
    await page.locator('[data-test=writable-1]').waitFor();
    await shot('partition-read-only');
    assert.throws(() => produceOne('refused while read-only'), 'produce to a read-only partition');
    await page.click('[data-test=writable-1]');
    await page.locator('#partition-notice .notice-ok', {hasText: 'Partition 1 is writable.'})
      .waitFor();
    await state.filter({hasText: 'active'}).waitFor();
    await page.locator('[data-test=read-only-1]').waitFor();
    await shot('partition-writable');
    // Accepted again once the brokers' topology has caught up (they refresh every second).
    for (let i = 0; ; i++) {
      try {
        produceOne('accepted after writable');
        break;
      } catch (e) {
        if (i === 10) throw e;
        await page.waitForTimeout(1000);
      }
    }
    await go('#/audit?user=admin');
    for (const action of ['partition.read_only', 'partition.writable']) {
      await page.locator('table.grid code', {hasText: action}).first().waitFor();
    }
  }
  await go('#/account');
  await shot('account');
  await noScriptRan();

  // --- The loading bar (issue 25): a request held 1 s shows it, and it goes away after -----
  const HELD_API = /\/api\/topics(\?|$)/;
  await page.route(HELD_API, async route => {
    await new Promise(resolve => setTimeout(resolve, 1000));
    await route.continue();
  });
  await go('#/overview');
  await page.evaluate(() => { location.hash = '#/topics'; });  // not go(): it waits for idle
  await page.locator('#busy').waitFor({state: 'visible'});
  assert.equal(await page.locator('main').getAttribute('aria-busy'), 'true', 'main is busy');
  await page.locator('#busy').waitFor({state: 'hidden'});
  await page.locator('h1', {hasText: 'Topics'}).waitFor();
  // The bar hides when no request is under way; the page may still be rendering what came
  // back (or start its next request), so main is done a moment later, not necessarily now.
  await page.waitForFunction(() => !document.querySelector('main').hasAttribute('aria-busy'),
                             null, {timeout: 10000}).catch(() => {});
  assert.equal(await page.locator('main').getAttribute('aria-busy'), null, 'main is done');
  await page.unroute(HELD_API);

  // --- Paging both ways (issue 25): topics and the audit log with real rows, more than a
  // page of each (55 topics made with mqctl, each also an audit entry); groups with the
  // API's answer grown to 120 (the pager is the same code) ----------------------------------
  for (let i = 0; i < 55; ++i) {
    mqctl('topic', 'create', `e2e.page-${String(i).padStart(2, '0')}`, '--partitions', '1');
  }
  const where = () => page.locator('[data-test=page-where]').first().textContent();
  await go('#/topics');
  const topicCount = Number((await where()).match(/of (\d+)/)[1]);
  assert.ok(topicCount > 55, `more than a page of topics (${topicCount})`);
  assert.equal(await where(), `1–50 of ${topicCount}`);
  assert.equal(await page.locator('[data-test=page-prev]').count(), 0, 'no previous on page 1');
  await page.locator('[data-test=page-next]').first().click();
  await page.waitForURL(/page=2/);
  await page.locator('[data-test=page-where]', {hasText: `51–${Math.min(100, topicCount)} of`})
    .first().waitFor();
  await page.locator('[data-test=page-prev]').first().click();
  await page.locator('[data-test=page-where]', {hasText: `1–50 of ${topicCount}`}).first()
    .waitFor();
  await shot('topics-paged');

  const GROUPS_API = /\/api\/groups$/;
  await page.route(GROUPS_API, async route => {
    const response = await route.fetch();
    const body = await response.json();
    assert.ok(body.groups.length > 0, 'the real answer has groups to copy');
    body.groups = [...body.groups, ...Array.from({length: 120 - body.groups.length}, (_, i) =>
      ({...body.groups[0], group: `e2e-paged-${String(i).padStart(3, '0')}`}))];
    await route.fulfill({response, json: body});
  });
  await go('#/groups');
  assert.equal(await where(), '1–50 of 120');
  await page.locator('[data-test=page-next]').first().click();
  await page.locator('[data-test=page-where]', {hasText: '51–100 of 120'}).first().waitFor();
  await page.locator('[data-test=page-next]').first().click();
  await page.locator('[data-test=page-where]', {hasText: '101–120 of 120'}).first().waitFor();
  assert.equal(await page.locator('[data-test=page-next]').count(), 0, 'no next on the last page');
  await page.locator('[data-test=page-prev]').first().click();
  await page.locator('[data-test=page-where]', {hasText: '51–100 of 120'}).first().waitFor();
  await page.unroute(GROUPS_API);

  await go('#/audit');
  const firstRows = await page.locator('table.grid > tbody > tr').count();
  assert.ok(firstRows >= 50, `a full first page of the audit log (${firstRows} rows)`);
  const newest = await page.locator('table.grid > tbody > tr').first().textContent();
  assert.equal(await page.locator('[data-test=audit-newer]').count(), 0, 'nothing newer');
  await page.locator('[data-test=audit-older]').first().click();
  await page.waitForURL(/before_id=/);
  await page.locator('[data-test=audit-newer]').first().waitFor();
  assert.notEqual(await page.locator('table.grid > tbody > tr').first().textContent(), newest,
                  'the older page shows other entries');
  await page.locator('[data-test=audit-newer]').first().click();
  await page.waitForURL(/after_id=/);
  // The URL changes before the page has fetched and drawn the newer entries: wait for the
  // first row to change (or time out and let the assertion name what is shown).
  await page.waitForFunction(
    text => document.querySelector('table.grid > tbody > tr')?.textContent === text, newest,
    {timeout: 10000}).catch(() => {});
  assert.equal(await page.locator('table.grid > tbody > tr').first().textContent(), newest,
               'back to the newest entries');
  await shot('audit-paged');

  // --- A user of no team sees the alerts without their delete buttons (bug 1) -------------
  await go('#/admin');
  await page.fill('#create-user input[name=name]', 'viewer');
  await page.fill('#create-user input[name=password]', 'viewer-password-1');
  await page.click('#create-user button[type=submit]');
  await page.locator('text=Created viewer.').waitFor();
  // The users table shows the new user at once, without a reload (the notice stays).
  await page.locator('table.grid td', {hasText: /^viewer$/}).waitFor();
  assert.ok(await page.locator('text=Created viewer.').isVisible(), 'the notice stays on screen');
  // A refusal on the admin page shows on the page, not in an alert() pop-up (the server's
  // answer is stubbed here, so that the refusal is certain).
  await go('#/admin');
  const USER_API = /\/api\/users\/viewer$/;
  await page.route(USER_API, route => route.fulfill({status: 409, contentType: 'application/json',
    body: JSON.stringify({error: {status: 409, code: 'conflict', message: 'viewer is busy'}})}));
  page.removeAllListeners('dialog');
  const dialogsSeen = [];
  page.on('dialog', d => { dialogsSeen.push(d.type()); d.accept(); });
  await page.locator('tr', {hasText: 'viewer'}).locator('button', {hasText: 'delete'}).click();
  await page.locator('#page-notice .notice-err', {hasText: 'viewer is busy'}).waitFor();
  assert.deepEqual(dialogsSeen, ['confirm'], 'only the confirmation, no alert() pop-up');
  await shot('admin-refusal-inline');
  await page.unroute(USER_API);
  await page.click('button:has-text("Sign out")');
  await page.waitForURL(/#\/login/);
  await page.fill('#login-form input[name=user]', 'viewer');
  await page.fill('#login-form input[name=password]', 'viewer-password-1');
  await page.click('#login-form button[type=submit]');
  await page.locator('h1', {hasText: 'Overview'}).waitFor();
  await go('#/alerts');
  await page.locator('table.grid td', {hasText: 'e2e-status'}).first().waitFor();
  assert.equal(await page.locator('[data-test^="delete-"]').count(), 0,
               'no delete button for a user who may not delete');
  assert.equal(await page.locator('th', {hasText: 'Change'}).count(), 0);
  await shot('alerts-as-viewer');

  // --- Sign out ----------------------------------------------------------------------------
  await page.click('button:has-text("Sign out")');
  await page.waitForURL(/#\/login/);
  await go('#/topics');
  await page.waitForURL(/#\/login/);

  assert.deepEqual(problems, [], 'errors in the page');
  console.log('portal e2e: all steps passed');
} catch (e) {
  try { await shot('failure'); } catch { /* the page is gone */ }
  console.error(`portal e2e FAILED after screenshot ${step()}: ${e.stack || e}`);
  if (problems.length) console.error(`page problems:\n${problems.join('\n')}`);
  process.exitCode = 1;
} finally {
  await close();
}
