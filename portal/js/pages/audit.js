// Audit log: every change, who made it and when, as a table; each row's state before and
// after opens under it (Details). Filtered by user (or any actor), object and action, with
// labels; paged both ways (older: before_id, newer: after_id), the filters kept.
import {get, query} from '../api.js';
import {h, table, formatTime, put} from '../dom.js';
import {input} from '../forms.js';

const PAGE = 50;

function filter(label, control) {
  return h('label', {class: 'filter', for: control.id}, h('span', {}, label), control);
}

export async function render(main, ctx) {
  const p = ctx.params;
  const user = input('user', {placeholder: 'alice', value: p.get('user') || ''});
  const object = input('object', {placeholder: 'topic, group, ...', value: p.get('object') || ''});
  const action = input('action', {placeholder: 'topic.create, ...', value: p.get('action') || ''});
  const filters = h('form', {class: 'toolbar', id: 'audit-filter', role: 'search'},
    filter('User', user), filter('Object', object), filter('Action', action),
    h('button', {type: 'submit', class: 'primary'}, 'Filter'),
    (p.get('user') || p.get('object') || p.get('action'))
      ? h('a', {href: '#/audit'}, 'Clear filters') : null);
  filters.addEventListener('submit', e => {
    e.preventDefault();
    ctx.navigate(`#/audit${query({user: user.value.trim(), object: object.value.trim(),
                                  action: action.value.trim()})}`);
  });
  const kept = {user: p.get('user'), actor: p.get('actor'), object: p.get('object'),
                action: p.get('action')};
  const data = await get(`/api/audit${query({...kept, before_id: p.get('before_id'),
                                             after_id: p.get('after_id'), limit: PAGE})}`);
  const entries = data.entries;
  const fromNewer = Boolean(p.get('after_id'));
  const newer = entries.length && (p.get('before_id') || (fromNewer && entries.length === PAGE))
    ? h('a', {class: 'button', rel: 'prev', 'data-test': 'audit-newer',
              href: `#/audit${query({...kept, after_id: entries[0].id})}`}, '← Newer entries')
    : null;
  const older = entries.length && (data.next_before_id || fromNewer)
    ? h('a', {class: 'button', rel: 'next', 'data-test': 'audit-older',
              href: `#/audit${query({...kept, before_id: entries[entries.length - 1].id})}`},
        'Older entries →')
    : null;
  const pager = newer || older ? h('nav', {class: 'pager', 'aria-label': 'audit pages'},
    newer, older) : null;
  put(main, h('div', {class: 'page-head'}, h('h1', {}, 'Audit log')), filters,
    h('section', {class: 'card'}, pager, table([
      {title: 'When', cell: e => formatTime(e.at_ms)},
      {title: 'Who', cell: e => e.actor},
      {title: 'Action', cell: e => h('code', {}, e.action)},
      {title: 'Object', cell: e => e.object},
      {title: 'Change', cell: e => details(e)},
    ], entries, {empty: 'No matching entries.'}), pager ? pager.cloneNode(true) : null));
}

// The before and after of one entry, folded: the summary names the fields that changed.
function details(e) {
  const before = fields(e.before);
  const after = fields(e.after);
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const changed = names.filter(n => before[n] !== after[n]);
  const summary = !e.before && !e.after ? null
    : !e.before ? 'created' : !e.after ? 'removed'
    : changed.length ? `changed ${changed.slice(0, 3).join(', ')}${changed.length > 3 ? ', …' : ''}`
    : 'no field changed';
  if (!summary) return h('span', {class: 'muted'}, '—');
  return h('details', {class: 'audit-details'}, h('summary', {}, summary),
    h('div', {class: 'columns'},
      h('div', {}, h('h4', {}, 'Before'), jsonBlock(e.before)),
      h('div', {}, h('h4', {}, 'After'), jsonBlock(e.after))));
}

// Top-level fields of stored JSON, each as compact JSON text ({} when not an object).
function fields(text) {
  if (!text) return {};
  try {
    const value = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, JSON.stringify(v)]));
    }
  } catch { /* not JSON: shown as stored */ }
  return {};
}

// Stored JSON shown as text: one line per top-level field, each value as compact JSON.
function jsonBlock(text) {
  if (!text) return h('span', {class: 'muted'}, '—');
  const shown = Object.entries(fields(text)).map(([k, v]) => `${k}: ${v}`).join('\n');
  return h('pre', {class: 'json'}, shown || text);
}
