// The portal's shell: who is signed in, the navigation, and the router (location.hash:
// #/topics, #/topics/<name>, ...). Each page is a module exporting render(main, ctx).
import {get, post, setCsrfToken, setUnauthenticatedHandler, setBusyListener} from './api.js';
import {h, clear, put} from './dom.js';
import * as login from './pages/login.js';
import * as overview from './pages/overview.js';
import * as topics from './pages/topics.js';
import * as topicDetail from './pages/topic_detail.js';
import * as messages from './pages/messages.js';
import * as trace from './pages/trace.js';
import * as groups from './pages/groups.js';
import * as groupDetail from './pages/group_detail.js';
import * as alerts from './pages/alerts.js';
import * as audit from './pages/audit.js';
import * as deadLetters from './pages/dead_letters.js';
import * as access from './pages/access.js';
import * as quotas from './pages/quotas.js';
import * as mirrors from './pages/mirrors.js';
import * as admin from './pages/admin.js';
import * as account from './pages/account.js';

const state = {me: null};
let refreshTimer = null;
let renderSerial = 0;

const NAV = [
  {href: '#/', label: 'Overview', match: /^$/},
  {href: '#/topics', label: 'Topics', match: /^topics/},
  {href: '#/groups', label: 'Consumer groups', match: /^groups/},
  {href: '#/alerts', label: 'Alerts', match: /^alerts/},
  {href: '#/audit', label: 'Audit log', match: /^audit/},
  {href: '#/dead-letters', label: 'Dead letters', match: /^dead-letters/},
  {href: '#/access', label: 'Access', match: /^access/},
  {href: '#/mirrors', label: 'Mirrors', match: /^mirrors/},
  {href: '#/quotas', label: 'Quotas', match: /^quotas/, admin: true},
  {href: '#/admin', label: 'Users & teams', match: /^admin/, admin: true},
];

// "#/topics/a%2Fb/messages?partition=1" -> {parts: ['topics', 'a/b', 'messages'], params}
function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, queryText = ''] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map(p => {
    try { return decodeURIComponent(p); } catch { return p; }
  });
  return {parts, params: new URLSearchParams(queryText), path};
}

function route(parts) {
  const [first, second, third] = parts;
  if (!first) return overview;
  if (first === 'login') return login;
  if (first === 'topics' && !second) return topics;
  if (first === 'topics' && second && !third) return topicDetail;
  if (first === 'topics' && second && third === 'messages') return messages;
  if (first === 'topics' && second && third === 'trace') return trace;
  if (first === 'groups' && !second) return groups;
  if (first === 'groups' && second) return groupDetail;
  if (first === 'alerts') return alerts;
  if (first === 'audit') return audit;
  if (first === 'dead-letters') return deadLetters;
  if (first === 'access') return access;
  if (first === 'quotas') return quotas;
  if (first === 'mirrors') return mirrors;
  if (first === 'admin') return admin;
  if (first === 'account') return account;
  return null;
}

// The page's title (the browser tab, history): "Topic orders · mq portal".
function pageTitle(parts) {
  const [first, second, third] = parts;
  const item = NAV.find(n => n.match.test(first || ''));
  let title = item ? item.label : first === 'login' ? 'Sign in'
    : first === 'account' ? 'Account' : 'Not found';
  if (first === 'topics' && second) {
    title = third === 'messages' ? `Messages of ${second}` : third === 'trace'
      ? `Trace in ${second}` : `Topic ${second}`;
  } else if (first === 'groups' && second) {
    title = `Group ${second}`;
  } else if (first === 'dead-letters' && second) {
    title = `Dead letters of ${second}`;
  }
  return `${title} · mq portal`;
}

function renderNav(current) {
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  clear(nav);
  clear(who);
  document.getElementById('cluster').textContent = state.me?.cluster ?? '';
  if (!state.me) {
    nav.hidden = true;
    return;
  }
  nav.hidden = false;
  for (const item of NAV) {
    if (item.admin && !state.me.admin) continue;
    const active = item.match.test(current);
    put(nav, h('a', {href: item.href, class: active ? 'active' : undefined,
                     'aria-current': active ? 'page' : undefined}, item.label));
  }
  const teams = state.me.teams.length ? state.me.teams.join(', ') : 'no team';
  put(who, 
    h('a', {href: '#/account', class: 'who-name', title: 'Account'},
      state.me.user || 'anonymous'),
    h('span', {class: 'who-role'}, state.me.admin ? `admin · ${teams}` : teams),
    state.me.auth ? h('button', {class: 'link', type: 'button', onclick: signOut}, 'Sign out')
                  : null);
}

async function signOut() {
  try {
    await post('/api/logout');
  } finally {
    state.me = null;
    setCsrfToken('');
    location.hash = '#/login';
  }
}

export async function loadMe() {
  const me = await get('/api/me');
  state.me = me;
  setCsrfToken(me.csrf_token);
  return me;
}

// Pages call this to re-render every `ms` while they are shown.
function autoRefresh(fn, ms) {
  if (refreshTimer) clearInterval(refreshTimer);
  refreshTimer = setInterval(() => { if (!document.hidden) fn(); }, ms);
}

async function render() {
  const serial = ++renderSerial;
  if (refreshTimer) {
    clearInterval(refreshTimer);
    refreshTimer = null;
  }
  const {parts, params, path} = parseHash();
  const main = document.getElementById('main');
  if (parts[0] === 'login') state.me = null;  // the login page signs in afresh
  // Who is signed in, afresh on every page: team changes apply at once.
  if (parts[0] !== 'login') {
    try {
      await loadMe();
    } catch {
      state.me = null;
      location.hash = '#/login';
      return;
    }
    if (serial !== renderSerial) return;
  }
  const page = route(parts);
  renderNav(path);
  document.title = pageTitle(parts);
  closeMenu();
  clear(main);
  if (!page) {
    put(main, h('h1', {}, 'Not found'), h('p', {}, 'There is no such page. '),
                h('a', {href: '#/'}, 'Go to the overview'));
    return;
  }
  const ctx = {
    me: state.me, parts, params, loadMe, autoRefresh,
    // True while this render is still the page shown (late answers are dropped).
    current: () => serial === renderSerial,
    navigate: hash => { location.hash = hash; },
  };
  main.setAttribute('aria-busy', 'true');
  try {
    await page.render(main, ctx);
  } catch (e) {
    if (serial !== renderSerial) return;
    put(main, h('div', {class: 'notice notice-err', role: 'alert'}, e.message || String(e)));
  } finally {
    if (serial === renderSerial) main.removeAttribute('aria-busy');
  }
}

// The loading bar under the header: shown while a request has been under way for 150 ms
// (quicker answers do not flash it), on navigation and on every action.
let busyTimer = null;
setBusyListener(count => {
  const bar = document.getElementById('busy');
  if (count > 0 && !busyTimer && bar.hidden) {
    busyTimer = setTimeout(() => { busyTimer = null; bar.hidden = false; }, 150);
  } else if (count === 0) {
    clearTimeout(busyTimer);
    busyTimer = null;
    bar.hidden = true;
  }
});

// Below 900 px the navigation folds behind the Menu button.
function closeMenu() {
  document.getElementById('topbar').classList.remove('menu-open');
  document.getElementById('menu').setAttribute('aria-expanded', 'false');
}
document.getElementById('menu').addEventListener('click', () => {
  const open = document.getElementById('topbar').classList.toggle('menu-open');
  document.getElementById('menu').setAttribute('aria-expanded', String(open));
});

// Colour theme: the system's preference, or the one chosen here (kept in localStorage).
const THEMES = ['system', 'light', 'dark'];
const systemDark = window.matchMedia('(prefers-color-scheme: dark)');
function applyTheme(theme) {
  const dark = theme === 'dark' || (theme === 'system' && systemDark.matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  const button = document.getElementById('theme');
  button.textContent = `Theme: ${theme}`;
  button.setAttribute('aria-label', `Colour theme: ${theme} (change)`);
}
let theme = localStorage.getItem('mq-theme') || 'system';
applyTheme(theme);
systemDark.addEventListener('change', () => applyTheme(theme));
document.getElementById('theme').addEventListener('click', () => {
  theme = THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length];
  if (theme === 'system') localStorage.removeItem('mq-theme');
  else localStorage.setItem('mq-theme', theme);
  applyTheme(theme);
});

setUnauthenticatedHandler(() => {
  state.me = null;
  if (!location.hash.startsWith('#/login')) location.hash = '#/login';
});
window.addEventListener('hashchange', render);
render();
