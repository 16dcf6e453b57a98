// Message trace (docs/portal.md#message-trace): one message, where it is stored, which groups
// consumed it (committed past it) and which not, and its retries, dead letters and replays,
// with times. #/topics/T/trace?partition=P&offset=O; a form finds one by key or header first.
import {get, seg, query} from '../api.js';
import {h, clear, table, badge, formatTime, formatNumber, put} from '../dom.js';
import {field, form, input} from '../forms.js';

export async function render(main, ctx) {
  const name = ctx.parts[1];
  const partition = ctx.params.get('partition');
  const offset = ctx.params.get('offset');
  const finder = form({id: 'trace-form', class: 'grid-form'}, [
    field('Partition', input('partition', {type: 'number', min: 0, value: partition || ''})),
    field('Offset', input('offset', {type: 'number', min: 0, value: offset || ''})),
    field('or key', input('key')),
    field('or header', input('header', {placeholder: 'traceparent:00-…'})),
  ], async v => {
    if (v.key || v.header) {
      const found = await get(`/api/topics/${seg(name)}/messages${query(
        {key: v.key, header: v.header, limit: 20, scan_limit: 100000})}`);
      put(clear(choices), found.messages.length
        ? h('ul', {}, found.messages.map(m => h('li', {}, h('a', {href:
          `#/topics/${seg(name)}/trace${query({partition: m.partition, offset: m.offset})}`},
          `partition ${m.partition} offset ${formatNumber(m.offset)}`), ' ',
          h('span', {class: 'muted'}, formatTime(m.append_time_ms)))))
        : h('p', {class: 'muted'}, found.done ? 'No message matches.'
          : 'None found in the first 100,000 rows; narrow the search on the Messages page.'));
      return;
    }
    ctx.navigate(`#/topics/${seg(name)}/trace${query({partition: v.partition, offset: v.offset})}`);
  }, 'Trace');
  const choices = h('div', {id: 'trace-choices'});
  const body = h('div', {id: 'trace'});
  put(main, h('div', {class: 'page-head'},
    h('h1', {}, h('span', {class: 'muted'}, 'Trace a message of '),
      h('a', {href: `#/topics/${seg(name)}`}, name))),
    h('section', {class: 'card'}, finder, choices), body);
  if (partition === null || offset === null) return;
  try {
    const t = await get(`/api/topics/${seg(name)}/trace${query({partition, offset})}`);
    if (!ctx.current()) return;
    showTrace(body, t);
    body.setAttribute('data-ready', 'true');
  } catch (e) {
    put(body, h('div', {class: 'notice notice-err', role: 'alert'}, e.message));
    body.setAttribute('data-ready', 'error');
  }
}

function showTrace(body, t) {
  const m = t.message;
  const kinds = {retry: 'a retry', dead_letter: 'a dead letter', replay: 'a replay'};
  put(body,
    h('section', {class: 'card'},
      h('h2', {}, `Partition ${t.partition}, offset ${formatNumber(t.offset)}`),
      h('dl', {class: 'facts'},
        h('dt', {}, 'Produced (producer time)'), h('dd', {}, formatTime(m.timestamp_ms)),
        h('dt', {}, 'Stored (append time)'), h('dd', {'data-test': 'stored-at'},
          formatTime(m.append_time_ms)),
        h('dt', {}, 'Stored on'), h('dd', {}, `datanode ${t.datanode}, table ${t.table}`),
        h('dt', {}, 'Key'), h('dd', {}, m.key ? (m.key.text ?? `${m.key.size} bytes`) : '—'),
        h('dt', {}, 'Headers'), h('dd', {}, m.headers.length ? m.headers.map(x =>
          h('div', {}, h('code', {}, x.name), ' = ', x.value.text ?? `${x.value.size} bytes`))
          : '—')),
      t.copy_kind ? h('p', {class: 'notice notice-info', 'data-test': 'copy-of'},
        `This message is ${kinds[t.copy_kind]} of ${t.origin}.`) : null),
    h('section', {class: 'card'}, h('h2', {}, 'Consumer groups'),
      table([
        {title: 'Group', cell: g => h('a', {href: `#/groups/${seg(g.group)}`}, g.group)},
        {title: 'Consumed', cell: g => g.consumed ? badge('consumed', 'ok')
          : badge(g.committed_offset < 0 ? 'no commit' : 'not yet', 'warn')},
        {title: 'Committed offset', class: 'num', cell: g => g.committed_offset < 0 ? '—'
          : formatNumber(g.committed_offset)},
        {title: 'Committed at', cell: g => g.committed_ms ? formatTime(g.committed_ms) : '—'},
        {title: 'Subscribed now', cell: g => g.subscribed ? 'yes' : 'no'},
      ], t.groups, {empty: 'No group commits on this partition or subscribes to the topic.'})),
    h('section', {class: 'card'}, h('h2', {}, 'Retries, dead letters and replays'),
      table([
        {title: 'When', cell: c => formatTime(c.append_time_ms)},
        {title: 'What', cell: c => c.kind.replace('_', ' ')},
        {title: 'Group', cell: c => c.group},
        {title: 'Where', cell: c => `${c.topic} / ${c.partition} / ${formatNumber(c.offset)}`},
        {title: 'Attempt', class: 'num', cell: c => String(c.attempt)},
        {title: 'Error', cell: c => c.last_error || (c.replayed_from
          ? `replayed from ${c.replayed_from}` : '')},
      ], t.copies, {empty: 'None: no group retried or dead-lettered it.'}),
      t.complete ? null : h('p', {class: 'hint'}, 'The search for copies stopped at its ' +
        `bound (${formatNumber(t.scanned)} rows read); older copies may be missing.`)));
}
