// Message browser: one partition from an offset or a time, or all partitions merged by
// append time; each message's key, headers and value (text when it is text, else hex or
// base64); search (search.js); and a test message for whoever may send to the topic.
import {get, post, seg, query} from '../api.js';
import {h, clear, formatTime, formatNumber, formatBytes, base64ToBytes, hexDump, put}
  from '../dom.js';
import {field, form, input, select, textarea, fieldError} from '../forms.js';
import {searchForm, runSearch, toLocalInput, fromLocalInput} from '../search.js';

// The topic and partition of the page, for each message's Trace link (a search's messages
// carry their own partition).
let topicName = '';
let currentPartition = '';

export async function render(main, ctx) {
  const name = ctx.parts[1];
  topicName = name;
  const topic = (await get(`/api/topics/${seg(name)}`)).topic;
  const searching = ctx.params.get('search') === '1';
  const partition = ctx.params.get('partition') || (searching ? 'all' : '0');
  const offset = ctx.params.get('offset') || '';
  const time = ctx.params.get('time') || '';
  const limit = ctx.params.get('limit') || '20';
  const go = (params) => ctx.navigate(`#/topics/${seg(name)}/messages${query(
    {partition, limit, time, ...params})}`);
  currentPartition = partition;
  const known = partition === 'all' ||
    (/^[0-9]+$/.test(partition) && Number(partition) < topic.partitions);

  const partitions = select('partition', [
    ...(known ? [] : [{value: partition, label: `partition ${partition}?`, selected: true}]),
    {value: 'all', label: 'all partitions, by time', selected: partition === 'all'},
    ...Array.from({length: topic.partitions},
      (_, i) => ({value: String(i), label: `partition ${i}`, selected: String(i) === partition}))],
    {'aria-label': 'partition'});
  const offsetInput = input('offset', {type: 'number', min: 0, value: offset,
                                      placeholder: 'newest'});
  const timeInput = input('time', {type: 'datetime-local', step: 1, value: toLocalInput(time)});
  const limits = select('limit', ['10', '20', '50', '100'].map(
    n => ({value: n, label: `${n} per page`, selected: n === limit})), {'aria-label': 'page size'});
  const picker = h('form', {class: 'toolbar', id: 'browse'},
    partitions, h('label', {for: offsetInput.id}, 'from offset'), offsetInput,
    h('label', {for: timeInput.id}, 'or from time'), timeInput, limits,
    h('button', {type: 'submit', class: 'primary'}, 'Show'));
  picker.addEventListener('submit', e => {
    e.preventDefault();
    const at = fromLocalInput(timeInput.value);
    ctx.navigate(`#/topics/${seg(name)}/messages${query({partition: partitions.value,
      offset: at ? '' : offsetInput.value, time: at, limit: limits.value})}`);
  });

  put(main, h('div', {class: 'page-head'},
    h('h1', {}, h('span', {class: 'muted'}, 'Messages of '),
      h('a', {href: `#/topics/${seg(name)}`}, name))), picker,
    searchForm(ctx, topic, partition));

  const list = h('div', {id: 'message-list'});
  if (topic.can_send_messages) {
    put(main, sendForm(ctx, topic, partition === 'all' || !known ? '' : partition));
  }
  put(main, list);
  if (!known) {
    put(list, h('div', {class: 'notice notice-err', role: 'alert'},
      `There is no partition ${partition}: ${name} has partition` +
      `${topic.partitions === 1 ? ' 0' : `s 0 to ${topic.partitions - 1}`}.`));
    list.setAttribute('data-ready', 'error');
    return;
  }
  if (searching) {
    await runSearch(ctx, topic, list, messageCard);
    return;
  }
  try {
    if (partition === 'all') {
      // Merged: every partition from the time (or the start), ordered by append time.
      const cursor = ctx.params.get('cursor') || '';
      const page = await get(`/api/topics/${seg(name)}/messages${query(
        {limit, from_time: time, cursor})}`);
      showMerged(list, page, cursor => go({cursor}), () => go({cursor: ''}));
      list.setAttribute('data-ready', 'all');
      return;
    }
    let from = offset;
    if (time && !offset) {
      const seek = await get(`/api/topics/${seg(name)}/offsets${query({time, partition})}`);
      from = String(seek.partitions[0].offset);
      put(list, h('p', {class: 'notice notice-info', 'data-test': 'seek'},
        `First message at or after ${formatTime(Date.parse(time))}: offset ` +
        `${formatNumber(seek.partitions[0].offset)}.`));
    }
    const page = await get(`/api/topics/${seg(name)}/messages${query(
      {partition, offset: from, limit})}`);
    showPage(list, page, go, Number(limit));
    list.setAttribute('data-ready', String(page.partition));  // for tests: this page is in
  } catch (e) {
    put(list, h('div', {class: 'notice notice-err', role: 'alert'}, e.message));
  }
}

function showMerged(list, page, more, restart) {
  put(list, h('div', {class: 'toolbar'},
    h('span', {class: 'muted'}, 'All partitions, ordered by append time'),
    h('button', {type: 'button', disabled: !page.cursor, onclick: () => more(page.cursor)},
      'Newer →'),
    h('button', {type: 'button', onclick: restart}, 'From the start')));
  if (!page.messages.length) {
    put(list, h('p', {class: 'muted empty'}, 'No messages here.'));
    return;
  }
  for (const m of page.messages) put(list, messageCard(m));
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
  return h('article', {class: 'message', 'data-offset': String(m.offset),
                        'data-partition': m.partition === undefined ? undefined : String(m.partition)},
    h('div', {class: 'message-meta'},
      h('div', {class: 'offset'}, m.partition === undefined ? formatNumber(m.offset)
        : `${m.partition} / ${formatNumber(m.offset)}`),
      h('div', {class: 'muted'}, formatTime(m.append_time_ms)),
      h('a', {class: 'trace-link', href: `#/topics/${seg(topicName)}/trace${query(
        {partition: m.partition ?? currentPartition, offset: m.offset})}`}, 'Trace'),
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
