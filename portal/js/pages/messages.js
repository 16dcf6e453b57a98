// Message browser: one partition from an offset, each message's key, headers and value
// (text when it is text, else hex or base64); and a test message for the owning team.
import {get, post, seg, query} from '../api.js';
import {h, clear, formatTime, formatNumber, formatBytes, base64ToBytes, hexDump, put}
  from '../dom.js';
import {field, form, input, select, textarea, fieldError} from '../forms.js';

export async function render(main, ctx) {
  const name = ctx.parts[1];
  const topic = (await get(`/api/topics/${seg(name)}`)).topic;
  const partition = ctx.params.get('partition') || '0';
  const offset = ctx.params.get('offset') || '';
  const limit = ctx.params.get('limit') || '20';
  const go = (params) => ctx.navigate(`#/topics/${seg(name)}/messages${query(
    {partition, limit, ...params})}`);

  const partitions = select('partition', Array.from({length: topic.partitions},
    (_, i) => ({value: String(i), label: `partition ${i}`, selected: String(i) === partition})));
  const offsetInput = input('offset', {type: 'number', min: 0, value: offset,
                                      placeholder: 'newest'});
  const limits = select('limit', ['10', '20', '50', '100'].map(
    n => ({value: n, label: `${n} per page`, selected: n === limit})));
  const picker = h('form', {class: 'toolbar', id: 'browse'},
    partitions, h('label', {for: offsetInput.id}, 'from offset'), offsetInput, limits,
    h('button', {type: 'submit', class: 'primary'}, 'Show'));
  picker.addEventListener('submit', e => {
    e.preventDefault();
    ctx.navigate(`#/topics/${seg(name)}/messages${query({partition: partitions.value,
      offset: offsetInput.value, limit: limits.value})}`);
  });

  put(main, h('div', {class: 'page-head'},
    h('h1', {}, h('span', {class: 'muted'}, 'Messages of '),
      h('a', {href: `#/topics/${seg(name)}`}, name))), picker);

  const list = h('div', {id: 'message-list'});
  if (topic.can_send_messages) put(main, sendForm(ctx, topic, partition));
  put(main, list);
  try {
    const page = await get(`/api/topics/${seg(name)}/messages${query({partition, offset, limit})}`);
    showPage(list, page, go, Number(limit));
    list.setAttribute('data-ready', String(page.partition));  // for tests: this page is in
  } catch (e) {
    put(list, h('div', {class: 'notice notice-err', role: 'alert'}, e.message));
  }
}

function showPage(list, page, go, limit) {
  const nav = h('div', {class: 'toolbar'},
    h('span', {class: 'muted'}, page.end_offset === page.start_offset
      ? `Nothing stored (the next message gets offset ${formatNumber(page.end_offset)})`
      : `Offsets ${formatNumber(page.start_offset)} to ${formatNumber(page.end_offset - 1)} ` +
        'stored'),
    h('button', {type: 'button', disabled: page.offset <= page.start_offset,
                 onclick: () => go({offset: Math.max(page.start_offset, page.offset - limit)})},
      '← Older'),
    h('button', {type: 'button', disabled: page.next_offset >= page.end_offset,
                 onclick: () => go({offset: page.next_offset})}, 'Newer →'),
    h('button', {type: 'button', onclick: () => go({offset: ''})}, 'Newest'));
  put(list, nav);
  if (!page.messages.length) {
    put(list, h('p', {class: 'muted empty'}, 'No messages here.'));
    return;
  }
  for (const m of page.messages) put(list, messageCard(m));
}

function messageCard(m) {
  const keyPart = m.key ? bytesView(m.key, 'key', true) : h('span', {class: 'muted'}, 'no key');
  return h('article', {class: 'message', 'data-offset': String(m.offset)},
    h('div', {class: 'message-meta'},
      h('div', {class: 'offset'}, formatNumber(m.offset)),
      h('div', {class: 'muted'}, formatTime(m.append_time_ms)),
      m.timestamp_ms !== m.append_time_ms
        ? h('div', {class: 'muted', title: 'producer timestamp'}, formatTime(m.timestamp_ms))
        : null),
    h('div', {class: 'message-body'},
      h('div', {class: 'message-line'}, h('span', {class: 'label'}, 'key'), keyPart),
      m.headers.length ? h('div', {class: 'message-line'}, h('span', {class: 'label'}, 'headers'),
        h('ul', {class: 'headers'}, m.headers.map(hd =>
          h('li', {}, h('span', {class: 'header-name'}, hd.name), ' = ',
            bytesView(hd.value, 'header', true))))) : null,
      bytesView(m.value, 'value')));
}

// Text as text (always via textContent); binary as a hex dump, base64 on request. `inline`:
// a short value on one line (keys, headers).
function bytesView(b, cls, inline = false) {
  const views = {};
  if (b.text !== undefined) views.text = () => b.text;
  views.hex = () => hexDump(base64ToBytes(b.base64));
  views.base64 = () => b.base64;
  const shown = h(inline && b.text !== undefined ? 'code' : 'pre', {class: ['payload', cls]});
  let current = b.text !== undefined ? 'text' : 'hex';
  const buttons = Object.keys(views).map(kind => h('button', {type: 'button', class: 'link',
    onclick: () => { current = kind; show(); }}, kind));
  const show = () => {
    shown.textContent = views[current]();
    buttons.forEach(btn => btn.classList.toggle('active', btn.textContent === current));
  };
  show();
  if (inline && b.text !== undefined) return shown;
  return h('div', {class: 'bytes'}, shown,
    h('div', {class: 'bytes-meta'}, formatBytes(b.size), b.truncated ? ' (first 64 KiB shown)' : '',
      b.text === undefined ? ' · binary' : '', ' · ', buttons));
}

function sendForm(ctx, topic, partition) {
  const done = h('div', {class: 'notice notice-ok', role: 'status', hidden: true});
  const el = form({id: 'send-message'}, [
    field('Partition', select('partition', [{value: '', label: 'by key / round-robin'},
      ...Array.from({length: topic.partitions}, (_, i) =>
        ({value: String(i), label: `partition ${i}`, selected: String(i) === partition}))])),
    field('Key', input('key', {placeholder: 'optional'})),
    field('Headers', textarea('headers', {rows: 2, placeholder: 'name: value (one per line)'})),
    field('Value', textarea('value', {rows: 4})),
  ], async v => {
    const headers = {};
    for (const line of v.headers.split('\n')) {
      if (!line.trim()) continue;
      const colon = line.indexOf(':');
      if (colon <= 0) throw fieldError('headers', `Write "name: value", not "${line}".`);
      headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
    }
    const body = {value: v.value, key: v.key, headers};
    if (v.partition !== '') body.partition = Number(v.partition);
    const sent = await post(`/api/topics/${seg(topic.name)}/messages`, body);
    done.hidden = false;
    put(clear(done), `Sent to partition ${sent.partition} at offset ${sent.offset}. `,
      h('a', {href: `#/topics/${seg(topic.name)}/messages${query({partition: sent.partition,
        offset: sent.offset, t: Date.now()})}`}, 'Show it'));
  }, 'Send test message');
  return h('details', {class: 'card send', open: ctx.params.has('send') ? true : undefined},
    h('summary', {}, 'Send a test message'),
    h('p', {class: 'hint'}, 'Goes through a broker like any message; consumers of the topic ' +
      'will receive it. It carries the header mq-sent-by.'), done, el);
}
