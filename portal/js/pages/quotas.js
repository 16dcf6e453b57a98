// Quotas (#/quotas, admins): the rate quotas every broker enforces (docs/security.md#quotas):
// list, set (create or replace) and remove. A client is a token's name (auth = on) or a
// client id; "*" is the default for every client or topic without its own entry.
import {get, post, del, seg} from '../api.js';
import {h, clear, table, formatBytes, formatNumber, formatTime, put, refusal} from '../dom.js';
import {field, form, input, select, fieldError} from '../forms.js';

const UNITS = {'': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3};

// "1M", "512K", "2048", "" -> bytes (0: no limit); undefined when unreadable.
export function parseRate(text) {
  if (String(text).trim() === '') return 0;
  const m = String(text).trim().replace(/(i?B)?(\/s)?$/i, '').match(/^(\d+(?:\.\d+)?)\s*([KMG]?)$/i);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNITS[m[2].toUpperCase()]);
}

export async function render(main, ctx) {
  if (!ctx.me.admin) {
    put(main, h('h1', {}, 'Quotas'), h('p', {}, 'Only admins see and change quotas.'));
    return;
  }
  const list = h('div', {id: 'quota-list'});
  const load = async () => {
    const data = await get('/api/quotas');
    if (!ctx.current()) return;
    const limit = (n, format) => (n ? format(n) : h('span', {class: 'muted'}, 'no limit'));
    put(clear(list), table([
      {title: 'Limits', cell: q => q.entity_type},
      {title: 'Name', cell: q => (q.entity_name === '*' ? h('em', {}, `every ${q.entity_type}`)
                                                         : q.entity_name)},
      {title: 'Produce', cell: q => limit(q.produce_bytes_per_sec, n => `${formatBytes(n)}/s`),
       class: 'num'},
      {title: 'Fetch', cell: q => limit(q.fetch_bytes_per_sec, n => `${formatBytes(n)}/s`),
       class: 'num'},
      {title: 'Requests', cell: q => limit(q.requests_per_sec, n => `${formatNumber(n)}/s`),
       class: 'num'},
      {title: 'Changed', cell: q => `${formatTime(q.updated_ms)} by ${q.updated_by}`},
      {title: '', cell: q => h('button', {type: 'button', class: 'link danger',
        title: `remove the quota of ${q.entity_type} ${q.entity_name}`, onclick: async () => {
          if (!confirm(`Remove the quota of ${q.entity_type} ${q.entity_name}?`)) return;
          try {
            await del(`/api/quotas/${seg(q.entity_type)}/${seg(q.entity_name)}`);
            await load();
          } catch (e) { refusal(e); }
        }}, 'remove')},
    ], data.quotas, {empty: 'No quotas: every client and topic is unlimited.'}));
  };
  await load();
  put(main, h('div', {class: 'page-head'}, h('h1', {}, 'Quotas')),
    h('p', {class: 'muted'}, 'Each broker enforces a quota on the traffic it serves; a tenant ',
      'over it is slowed down, never refused. Changes reach the brokers within their ',
      h('code', {}, 'auth-refresh'), ' (2 s by default).'),
    h('section', {class: 'card'}, list),
    h('section', {class: 'card'}, h('h2', {}, 'Set a quota'), setForm(load)));
}

function setForm(reload) {
  const rate = (name, label, hint) =>
    field(label, input(name, {placeholder: 'no limit', autocomplete: 'off'}), hint);
  const el = form({id: 'set-quota'}, [
    field('Limits', select('entity_type', [
      {value: 'client', label: 'a client (token name or client id)'},
      {value: 'topic', label: 'a topic (all clients together)'}])),
    field('Name', input('entity_name', {autocomplete: 'off', placeholder: 'orders-service'}),
          '"*" sets the default for every client (or topic) without its own quota.'),
    rate('produce_bytes_per_sec', 'Produce bytes/s', 'For example 1M or 512K (binary units).'),
    rate('fetch_bytes_per_sec', 'Fetch bytes/s'),
    rate('requests_per_sec', 'Requests/s'),
  ], async v => {
    if (!v.entity_name) throw fieldError('entity_name', 'Enter a name, or "*".');
    const body = {entity_type: v.entity_type, entity_name: v.entity_name};
    for (const name of ['produce_bytes_per_sec', 'fetch_bytes_per_sec']) {
      const bytes = parseRate(v[name]);
      if (bytes === undefined) throw fieldError(name, 'Enter bytes per second, e.g. 1M or 65536.');
      body[name] = bytes;
    }
    if (!/^\d*$/.test(v.requests_per_sec.trim())) {
      throw fieldError('requests_per_sec', 'Enter a whole number.');
    }
    body.requests_per_sec = Number(v.requests_per_sec.trim() || 0);
    await post('/api/quotas', body);
    el.reset();
    await reload();
  }, 'Set quota');
  return el;
}
