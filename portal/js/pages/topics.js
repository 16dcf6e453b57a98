// Topics: search, list, create (with messages next to the fields).
import {get, post, seg, query} from '../api.js';
import {h, clear, table, formatNumber, put} from '../dom.js';
import {field, form, input, select, textarea, fieldError} from '../forms.js';
import {retentionInputs, retentionMs, formatRetention} from '../retention.js';
import {paged} from '../pager.js';

const NAME_RULE = /^[A-Za-z0-9._-]{1,200}$/;

export async function render(main, ctx) {
  const search = input('search', {type: 'search', placeholder: 'Search name, team, description',
                                  value: ctx.params.get('search') || '',
                                  'aria-label': 'Search topics by name, team or description'});
  const list = h('div');
  let page = ctx.params.get('page') || 1;
  // The search and the page live in the URL (a link or reload shows the same list); typing
  // replaces the history entry rather than adding one per key.
  const hrefOf = n => `#/topics${query({search: search.value.trim(), page: n > 1 ? n : ''})}`;
  const load = async () => {
    const data = await get(`/api/topics${query({search: search.value.trim()})}`);
    if (!ctx.current()) return;
    const {rows, nav} = paged(data.topics, page, hrefOf);
    put(clear(list), table([
      {title: 'Topic', cell: t => h('a', {href: `#/topics/${seg(t.name)}`}, t.name)},
      {title: 'Partitions', cell: t => formatNumber(t.partitions), class: 'num'},
      {title: 'Retention', cell: t => formatRetention(t.retention_ms)},
      {title: 'Owner team', cell: t => t.owner_team || h('span', {class: 'muted'}, 'none')},
      {title: 'Description', cell: t => h('span', {class: 'clip'}, t.description)},
    ], rows, {empty: search.value ? 'No topic matches.' : 'No topics yet.'}), nav);
  };
  search.addEventListener('input', () => {
    page = 1;
    history.replaceState(null, '', hrefOf(1));
    load().catch(() => {});
  });

  put(main, 
    h('div', {class: 'page-head'}, h('h1', {}, 'Topics'), search),
    h('section', {class: 'card'}, list),
    await createForm(ctx, load));
  await load();
}

async function createForm(ctx, reload) {
  const teams = (await get('/api/teams')).teams.map(t => t.name);
  const mine = ctx.me.admin ? teams : teams.filter(t => ctx.me.teams.includes(t));
  const options = [
    ...(ctx.me.admin ? [{value: '', label: '(no team: admins only)'}] : []),
    ...mine.map(t => ({value: t, label: t})),
  ];
  const retention = retentionInputs('retention');
  const done = h('div', {class: 'notice notice-ok', hidden: true, role: 'status'});
  const el = form({id: 'create-topic'}, [
    field('Name', input('name', {placeholder: 'orders.created', maxlength: 200}),
          'Letters, digits, ".", "_" and "-"; at most 200.'),
    field('Partitions', input('partitions', {type: 'number', min: 1, max: 1024, value: '4'})),
    field('Retention', retention.node, 'Empty: 7 days.'),
    field('Owner team', select('owner_team', options)),
    field('Description', textarea('description', {rows: 2, maxlength: 1024})),
  ], async v => {
    if (!NAME_RULE.test(v.name) || v.name === '.' || v.name === '..') {
      throw fieldError('name', 'Use 1 to 200 letters, digits, ".", "_" or "-".');
    }
    if (!/^\d+$/.test(v.partitions) || +v.partitions < 1 || +v.partitions > 1024) {
      throw fieldError('partitions', 'Enter a number from 1 to 1024.');
    }
    const body = {name: v.name, partitions: Number(v.partitions), owner_team: v.owner_team,
                  description: v.description};
    const ms = retentionMs(v, 'retention');
    if (ms !== undefined) body.retention_ms = ms;
    const topic = await post('/api/topics', body);
    done.hidden = false;
    put(clear(done), 'Created ', h('a', {href: `#/topics/${seg(topic.name)}`}, topic.name), '.');
    el.reset();
    await reload();
  }, 'Create topic');
  if (!options.length) {
    return h('section', {class: 'card'}, h('h2', {}, 'Create a topic'),
      h('p', {class: 'muted'}, 'You are in no team, so you cannot own topics. Ask an admin.'));
  }
  return h('section', {class: 'card'}, h('h2', {}, 'Create a topic'), done, el);
}
