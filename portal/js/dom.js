// Building the page from data without ever parsing data as markup: every string becomes a
// text node (textContent), attributes are set one by one, and event handlers are functions.
// No innerHTML anywhere in the portal.

// h('tr', {class: 'x', onclick: f}, 'text', child, [more, children])
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  setProps(el, props);
  append(el, children);
  return el;
}

function setProps(el, props) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'class') {
      el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    } else if (key === 'value' && el.tagName === 'INPUT') {
      el.setAttribute('value', String(value));  // also the default a form reset() restores
    } else if (key === 'value' || key === 'checked' || key === 'disabled' || key === 'selected') {
      el[key] = value;
    } else if (key === 'href') {
      // Only links the portal makes itself: routes (#/...) and same-origin paths.
      const text = String(value);
      if (text.startsWith('#') || text.startsWith('/')) el.setAttribute('href', text);
    } else if (key === 'innerHTML' || key === 'outerHTML') {
      throw new Error('markup from strings is not allowed');
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
}

// el.append(...) that skips null/undefined/false and flattens arrays (the native one would
// print "null").
export function put(el, ...children) {
  return append(el, children);
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// A table: columns are [{title, cell: row => node|string, class}], rows any values.
export function table(columns, rows, {empty = 'Nothing here yet.', rowClass} = {}) {
  if (!rows.length) return h('p', {class: 'muted empty'}, empty);
  return h('table', {class: 'grid'},
    h('thead', {}, h('tr', {}, columns.map(c => h('th', {class: c.class}, c.title)))),
    h('tbody', {}, rows.map(row =>
      h('tr', {class: rowClass ? rowClass(row) : undefined},
        columns.map(c => h('td', {class: c.class}, c.cell(row)))))));
}

// A refused action shown on the page (never a browser alert() pop-up): a red notice at the
// top of <main>, replaced by the next one, brought into view.
export function refusal(error) {
  const main = document.getElementById('main');
  let notice = document.getElementById('page-notice');
  if (!notice) {
    notice = h('div', {id: 'page-notice', role: 'alert'});
    main.prepend(notice);
  }
  put(clear(notice), h('div', {class: 'notice notice-err'},
    error && error.message ? error.message : String(error)));
  notice.scrollIntoView({block: 'nearest'});
}

export function badge(text, kind) {
  return h('span', {class: ['badge', `badge-${kind || 'neutral'}`]}, text);
}

// OK / WARN / ERR and lag statuses as coloured badges.
export function statusBadge(status) {
  const s = String(status || '').toUpperCase();
  const kind = s === 'OK' ? 'ok' : s === 'WARN' ? 'warn' : s === '' ? 'neutral' : 'err';
  return badge(s || '—', kind);
}

export function formatTime(ms) {
  if (!ms) return '—';
  const d = new Date(Number(ms));
  const pad = n => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
         `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function formatAge(ms, now = Date.now()) {
  if (!ms) return '—';
  return formatDuration(Math.max(0, now - Number(ms))) + ' ago';
}

// "850 ms", "4.2 s", "42 s", "3 min 32 s", "2 h 5 min", "3 d 4 h" (as the metaserver's
// status reasons read, lag_status.h humanDuration).
export function formatDuration(ms) {
  ms = Math.max(0, Number(ms));
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10000) return `${Math.round(ms / 100) / 10} s`;
  const s = Math.floor(ms / 1000);
  const pair = (a, unitA, b, unitB) => (b ? `${a} ${unitA} ${b} ${unitB}` : `${a} ${unitA}`);
  if (s < 60) return `${s} s`;
  if (s < 3600) return pair(Math.floor(s / 60), 'min', s % 60, 's');
  const m = Math.floor(s / 60);
  if (m < 48 * 60) return pair(Math.floor(m / 60), 'h', m % 60, 'min');
  const hours = Math.floor(m / 60);
  return pair(Math.floor(hours / 24), 'd', hours % 24, 'h');
}

// Lag in seconds, for people ("0 s" when caught up).
export function formatSeconds(seconds) {
  return Number(seconds) > 0 ? formatDuration(Number(seconds) * 1000) : '0 s';
}

export function formatNumber(n) {
  return Number(n).toLocaleString('en-US');
}

export function formatBytes(n) {
  n = Number(n);
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 102.4) / 10} KiB`;
  if (n < 1024 ** 3) return `${Math.round(n / 1024 / 102.4) / 10} MiB`;
  return `${Math.round(n / 1024 ** 2 / 102.4) / 10} GiB`;
}

export function base64ToBytes(text) {
  const binary = atob(text || '');
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// A classic hex dump: offset, 16 bytes in hex, the printable ASCII.
export function hexDump(bytes) {
  const lines = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const chunk = bytes.slice(i, i + 16);
    const hex = Array.from(chunk, b => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = Array.from(chunk, b => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.'))
      .join('');
    lines.push(`${i.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return lines.join('\n');
}
