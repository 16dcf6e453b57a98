// One topic: its settings, partitions with offsets, the groups reading it with their lag;
// for its team: edit the description and owner team, retention, add partitions, delete.
import {get, patch, post, del, seg, query} from '../api.js';
import {h, table, badge, statusBadge, formatTime, formatNumber, formatBytes, put}
  from '../dom.js';
import {TimeChart} from '../charts.js';
import {field, form, input, select, textarea, fieldError} from '../forms.js';
import {retentionInputs, retentionMs, formatRetention} from '../retention.js';

export async function render(main, ctx) {
  const name = ctx.parts[1];
  const data = await get(`/api/topics/${seg(name)}`);
  const t = data.topic;
  put(main, 
    h('div', {class: 'page-head'},
      h('h1', {}, h('span', {class: 'muted'}, 'Topic '), t.name),
      h('a', {class: 'button', href: `#/topics/${seg(t.name)}/messages`}, 'Browse messages')),
    h('section', {class: 'card'},
      h('dl', {class: 'facts'},
        fact('Owner team', t.owner_team || 'none (admins only)'),
        fact('Partitions', formatNumber(t.partitions)),
        fact('Retention', formatRetention(t.retention_ms)),
        fact('Size limit', t.retention_bytes ? `${formatBytes(t.retention_bytes)} per partition`
                                             : 'none'),
        fact('Count limit', t.retention_messages
          ? `${formatNumber(t.retention_messages)} per partition` : 'none'),
        fact('Created', formatTime(t.created_ms)),
        fact('Description', t.description || '—')),
      t.can_change ? null
        : h('p', {class: 'muted'}, 'You can read this topic; its team and admins change it.')),
    h('section', {class: 'card'}, h('h2', {}, 'Partitions'),
      table([
        {title: '#', cell: p => String(p.partition), class: 'num'},
        {title: 'State', cell: p => badge(p.state, p.state === 'active' ? 'ok' : 'neutral')},
        {title: 'Datanode', cell: p => p.datanode},
        {title: 'Start offset', cell: p => offsetCell(p.start_offset), class: 'num'},
        {title: 'End offset', cell: p => offsetCell(p.end_offset), class: 'num'},
        {title: 'Messages', cell: p => offsetCell(p.messages), class: 'num'},
        {title: '', cell: p => p.error ? h('span', {class: 'err-text'}, p.error)
          : h('a', {href: `#/topics/${seg(t.name)}/messages${query({partition: p.partition})}`},
              'browse')},
      ], data.partitions)),
    rateSection(t),
    groupsSection(data),
    t.can_change ? await detailsSection(ctx, t) : null,
    t.can_change ? changeSection(ctx, t) : null);
}

// Description and owner team. Admins may give the topic to any team (or none); members of its
// team only to another team of theirs (the server checks the same, docs/portal.md).
async function detailsSection(ctx, t) {
  const teams = (await get('/api/teams')).teams.map(team => team.name);
  const choices = ctx.me.admin ? teams
    : teams.filter(team => ctx.me.teams.includes(team) || team === t.owner_team);
  const options = [
    ...(ctx.me.admin || !t.owner_team ? [{value: '', label: '(no team: admins only)'}] : []),
    ...choices.map(team => ({value: team, label: team, selected: team === t.owner_team})),
  ];
  const saved = h('div', {class: 'notice notice-ok', role: 'status',
                          hidden: !ctx.params.get('updated')}, 'Saved.');
  const el = form({id: 'edit-topic'}, [
    field('Description', textarea('description', {rows: 3, maxlength: 1024}),
          'At most 1024 characters.'),
    field('Owner team', select('owner_team', options)),
  ], async v => {
    const body = {};
    if (v.description !== t.description) body.description = v.description;
    if (v.owner_team !== t.owner_team) body.owner_team = v.owner_team;
    if (!Object.keys(body).length) throw fieldError('description', 'Nothing has changed.');
    await patch(`/api/topics/${seg(t.name)}`, body);
    ctx.navigate(`#/topics/${seg(t.name)}?updated=${Date.now()}`);
  }, 'Save details');
  // The text goes in as the control's value, never as markup.
  el.querySelector('textarea[name=description]').value = t.description;
  return h('section', {class: 'card'}, h('h2', {}, 'Details'), saved, el);
}

// Messages appended per second over the last half hour (from the lag collector's cycles).
function rateSection(t) {
  const chart = new TimeChart({id: 'chart-produce-rate', title: `Produce rate of ${t.name}`,
                               unit: 'msg/s',
                               empty: 'No rate yet: it needs two lag collector cycles.'});
  get(`/api/topics/${seg(t.name)}/history`)
    .then(history => chart.update(history.at_ms, ['messages appended per second'],
                                  [history.messages_per_second]))
    .catch(e => chart.message(e.message));
  return h('section', {class: 'card'}, h('h2', {}, 'Produce rate'), chart.node);
}

function fact(label, value) {
  return [h('dt', {}, label), h('dd', {}, value)];
}

function offsetCell(n) {
  return n < 0 ? '?' : formatNumber(n);
}

function groupsSection(data) {
  const groups = data.groups;
  const content = !data.lag_collected_ms
    ? h('p', {class: 'muted'}, 'Consumer lag has not been collected yet on this metaserver.')
    : groups.length === 0 ? h('p', {class: 'muted empty'}, 'No consumer group reads this topic.')
      : [table([
        {title: 'Group', cell: g => h('a', {href: `#/groups/${seg(g.group)}`}, g.group)},
        {title: 'State', cell: g => g.state || '—'},
        {title: 'Members', cell: g => String(g.members), class: 'num'},
        {title: 'Status', cell: g => statusBadge(g.status)},
        {title: 'Lag (messages)', cell: g => formatNumber(g.lag), class: 'num'},
        {title: 'Lag per partition', cell: g => g.partitions.map(p =>
          `${p.partition}: ${formatNumber(p.lag)}`).join(', ')},
      ], groups)];
  return h('section', {class: 'card'}, h('h2', {}, 'Consumer groups'),
    data.lag_collected_ms ? h('p', {class: 'muted'}, `Lag as of ${formatTime(data.lag_collected_ms)}`)
                          : null,
    content);
}

function changeSection(ctx, t) {
  const retention = retentionInputs('retention_ms', t.retention_ms);
  const retentionForm = form({id: 'edit-retention'}, [
    field('Retention', retention.node),
    field('Size limit per partition (bytes, 0 = none)',
          input('retention_bytes', {type: 'number', min: 0, value: String(t.retention_bytes)})),
    field('Count limit per partition (0 = none)',
          input('retention_messages', {type: 'number', min: 0,
                                       value: String(t.retention_messages)})),
  ], async v => {
    const body = {};
    const ms = retentionMs(v, 'retention_ms');
    if (ms === undefined) throw fieldError('retention_ms', 'Enter the retention.');
    body.retention_ms = ms;
    for (const key of ['retention_bytes', 'retention_messages']) {
      if (!/^\d+$/.test(v[key])) throw fieldError(key, 'Enter a whole number (0 = no limit).');
      body[key] = Number(v[key]);
    }
    await patch(`/api/topics/${seg(t.name)}`, body);
    ctx.navigate(`#/topics/${seg(t.name)}?saved=${Date.now()}`);
  }, 'Save retention');

  const partitionsForm = form({id: 'add-partitions'}, [
    field('Partitions to add', input('count', {type: 'number', min: 1, max: 1024, value: '1'})),
  ], async v => {
    if (!/^\d+$/.test(v.count) || +v.count < 1) throw fieldError('count', 'Enter 1 or more.');
    await post(`/api/topics/${seg(t.name)}/partitions`, {count: Number(v.count)});
    ctx.navigate(`#/topics/${seg(t.name)}?added=${Date.now()}`);
  }, 'Add partitions');

  const deleteForm = form({id: 'delete-topic'}, [
    field(`Type the topic's name to delete it`, input('confirm', {autocomplete: 'off'})),
    field('Delete even while groups consume it',
          input('force', {type: 'checkbox'})),
  ], async v => {
    if (v.confirm !== t.name) throw fieldError('confirm', 'The name does not match.');
    await del(`/api/topics/${seg(t.name)}${query({force: v.force ? 'true' : ''})}`);
    ctx.navigate('#/topics');
  }, 'Delete topic');
  deleteForm.classList.add('danger');

  return h('div', {class: 'columns'},
    h('section', {class: 'card'}, h('h2', {}, 'Retention'), retentionForm),
    h('section', {class: 'card'}, h('h2', {}, 'Partitions'),
      h('p', {class: 'hint'}, 'Keys hash over the partition count: adding partitions moves ' +
        'where new messages of a key go.'), partitionsForm),
    h('section', {class: 'card'}, h('h2', {}, 'Delete'), deleteForm));
}
