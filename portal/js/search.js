// Message search on the Messages page (docs/portal.md#search-and-seek): a form whose values
// live in the URL (#/topics/T/messages?search=1&key=...), and a run that asks the API again
// and again with the answer's cursor, each request scanning at most scan_limit rows, showing
// the matches as they come and the progress (rows scanned of those in range) until every row
// in range was searched, `max` matches were shown, or the user cancels.
import {get, seg, query} from './api.js';
import {h, clear, put, formatNumber} from './dom.js';
import {field, form, input, select} from './forms.js';

export const SEARCH_FIELDS = ['key', 'header', 'contains', 'regex', 'from_time', 'to_time'];

// "2024-05-01T12:00:00.000Z" -> the value of a datetime-local input (local time), and back.
export function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const local = new Date(d.getTime() - d.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 19);
}
export const fromLocalInput = value => (value ? new Date(value).toISOString() : '');

export function searchForm(ctx, topic, partition) {
  const p = ctx.params;
  const partitions = select('partition', [{value: 'all', label: 'all partitions'},
    ...Array.from({length: topic.partitions}, (_, i) =>
      ({value: String(i), label: `partition ${i}`, selected: String(i) === partition}))]);
  const el = form({id: 'search-form', class: 'grid-form'}, [
    field('Key (exact)', input('key', {value: p.get('key') || ''})),
    field('Header', input('header', {value: p.get('header') || '', placeholder: 'name:value'})),
    field('Value contains', input('contains', {value: p.get('contains') || ''})),
    field('Value matches', input('regex', {value: p.get('regex') || '',
                                           placeholder: 'regular expression'})),
    field('Partition', partitions),
    field('From', input('from_time', {type: 'datetime-local', step: 1,
                                      value: toLocalInput(p.get('from_time'))})),
    field('To', input('to_time', {type: 'datetime-local', step: 1,
                                  value: toLocalInput(p.get('to_time'))})),
    field('Rows per request', select('scan_limit', ['1000', '10000', '100000'].map(n =>
      ({value: n, label: formatNumber(Number(n)),
        selected: n === (p.get('scan_limit') || '10000')})))),
  ], async v => {
    const params = {search: 1, key: v.key, header: v.header, contains: v.contains,
                    regex: v.regex, from_time: fromLocalInput(v.from_time),
                    to_time: fromLocalInput(v.to_time), scan_limit: v.scan_limit,
                    partition: v.partition === 'all' ? '' : v.partition, t: Date.now()};
    ctx.navigate(`#/topics/${seg(topic.name)}/messages${query(params)}`);
  }, 'Search');
  return h('details', {class: 'card', id: 'search', open: p.get('search') === '1' ? true : undefined},
    h('summary', {}, 'Search messages'),
    h('p', {class: 'hint'}, 'Every request reads at most the chosen number of rows on the ' +
      'datanodes; the search goes on request after request until the range is searched, ' +
      'or you cancel.'), el);
}

// Runs the search of the page's URL into `list`; `render(message)` draws one match.
export async function runSearch(ctx, topic, list, render, max = 100) {
  const p = ctx.params;
  const params = {limit: 20};
  for (const name of [...SEARCH_FIELDS, 'partition', 'scan_limit']) {
    if (p.get(name)) params[name] = p.get(name);
  }
  let cancelled = false;
  const bar = h('progress', {max: 1, value: 0, 'aria-label': 'search progress'});
  const status = h('span', {class: 'muted', 'data-test': 'search-status', role: 'status'},
    'Searching…');
  const cancel = h('button', {type: 'button', 'data-test': 'search-cancel',
                              onclick: () => { cancelled = true; }}, 'Cancel');
  const results = h('div', {id: 'search-results'});
  put(clear(list), h('div', {class: 'toolbar'}, bar, status, cancel), results);
  let found = 0, scanned = 0, cursor = '';
  try {
    for (;;) {
      const page = await get(`/api/topics/${seg(topic.name)}/messages${query(
        {...params, cursor})}`);
      if (!ctx.current()) return;
      scanned += page.scanned;
      for (const m of page.messages) {
        put(results, render(m));
        found++;
      }
      const total = scanned + page.remaining;
      bar.max = Math.max(1, total);
      bar.value = scanned;
      cursor = page.cursor;
      const summary = `${formatNumber(found)} found · ${formatNumber(scanned)} of ` +
        `${formatNumber(total)} rows searched`;
      if (page.done || cancelled || found >= max) {
        status.textContent = page.done ? `Done: ${summary}.`
          : cancelled ? `Cancelled: ${summary}.` : `Stopped at ${max} matches: ${summary}.`;
        cancel.remove();
        break;
      }
      status.textContent = `Searching… ${summary}`;
    }
    if (!found) put(results, h('p', {class: 'muted empty'}, 'No message matches.'));
    list.setAttribute('data-ready', 'search');
  } catch (e) {
    cancel.remove();
    status.textContent = '';
    put(results, h('div', {class: 'notice notice-err', role: 'alert'}, e.message));
    list.setAttribute('data-ready', 'search');
  }
}
