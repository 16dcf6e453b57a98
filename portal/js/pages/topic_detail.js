// One topic: its settings, partitions with offsets and size, the groups reading it with their
// lag; for its team: make a partition read-only or writable, edit the description and owner
// team, retention, add partitions, delete; for admins also: migrate a partition.
import {get, patch, post, del, seg, query} from '../api.js';
import {h, clear, table, badge, statusBadge, formatTime, formatNumber, formatBytes, put}
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
      t.can_read_messages
        ? h('a', {class: 'button', href: `#/topics/${seg(t.name)}/messages`}, 'Browse messages')
        : null),
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
        : h('p', {class: 'muted', 'data-test': 'topic-rights'}, t.can_read_messages
          ? 'You can read this topic\'s messages; its team and admins change it.'
          : 'You see this topic\'s settings only: its messages are for its team, the teams ' +
            'granted consume on it and admins; its team and admins change it.')),
    await partitionsSection(ctx, t, data.partitions),
    rateSection(t),
    groupsSection(data),
    t.can_change ? await detailsSection(ctx, t) : null,
    t.can_change ? changeSection(ctx, t) : null);
}

// The partitions with their state, offsets and size. Its team may make one read-only or
// writable, admins also migrate one to another datanode (docs/portal.md); the table is
// re-read after each change and the outcome shown above it.
async function partitionsSection(ctx, t, initial) {
  const admin = ctx.me.admin;
  // Where a partition may move: the other datanodes that take new partitions.
  const datanodes = admin ? (await get('/api/cluster')).datanodes
    .filter(d => d.state === 'active').map(d => d.name) : [];
  const notice = h('div', {id: 'partition-notice'});
  const body = h('div');
  const say = (text, kind = 'ok') =>
    put(clear(notice), h('div', {class: `notice notice-${kind}`, role: 'alert'}, text));
  const act = async (question, action) => {
    if (!confirm(question)) return;
    try {
      say(await action());
    } catch (e) {
      say(e.message, 'err');
    }
    await load().catch(e => say(e.message, 'err'));
  };
  const path = p => `/api/topics/${seg(t.name)}/partitions/${p.partition}`;
  const setReadOnly = (p, readOnly) => act(readOnly
    ? `Make partition ${p.partition} read-only? Producers are refused on it. Once every ` +
      'consumer group has read it to its end, the lifecycle task retires it for good; until ' +
      'then it can be made writable again.'
    : `Make partition ${p.partition} writable again?`, async () => {
    const changed = await patch(path(p), {read_only: readOnly});
    return `Partition ${changed.partition} is ${changed.state === 'active' ? 'writable'
                                                                          : 'read-only'}.`;
  });
  const migrate = (p, target) => act(
    `Migrate partition ${p.partition} to datanode ${target}? A new partition on ${target} ` +
    `takes its writes; partition ${p.partition} becomes read-only, is read to its end and ` +
    'retired. This cannot be undone.', async () => {
      const moved = await post(`${path(p)}/migrate`, {datanode: target});
      return `Partition ${moved.old_partition.partition} is read-only; its writes go to ` +
        `partition ${moved.new_partition.partition} on ${moved.new_partition.datanode}.`;
    });

  const actions = p => {
    if (p.state === 'retired') return h('span', {class: 'muted'}, 'retired');
    // Migrated: it drains into retirement; its replacement takes the writes.
    if (p.replaced_by >= 0) return h('span', {class: 'muted'}, `migrated to ${p.replaced_by}`);
    const toggle = p.state === 'active'
      ? h('button', {type: 'button', 'data-test': `read-only-${p.partition}`,
                     onclick: () => setReadOnly(p, true)}, 'Make read-only')
      : h('button', {type: 'button', 'data-test': `writable-${p.partition}`,
                     onclick: () => setReadOnly(p, false)}, 'Make writable');
    const targets = datanodes.filter(name => name !== p.datanode);
    if (!admin || !targets.length) {
      return h('div', {class: 'inline'}, toggle);
    }
    const choice = h('select', {'aria-label': `datanode for partition ${p.partition}`,
                                'data-test': `migrate-to-${p.partition}`},
      targets.map(name => h('option', {value: name}, name)));
    return h('div', {class: 'inline'}, toggle, choice,
      h('button', {type: 'button', 'data-test': `migrate-${p.partition}`,
                   onclick: () => migrate(p, choice.value)}, 'Migrate'));
  };

  const render = partitions => put(clear(body), table([
    {title: '#', cell: p => String(p.partition), class: 'num'},
    {title: 'State', cell: p => h('span', {'data-test': `state-${p.partition}`},
      badge(p.state, p.state === 'active' ? 'ok' : 'neutral'),
      p.replaced_by >= 0 ? ` → ${p.replaced_by}` : null)},
    {title: 'Datanode', cell: p => p.datanode},
    {title: 'Start offset', cell: p => offsetCell(p.start_offset), class: 'num'},
    {title: 'End offset', cell: p => offsetCell(p.end_offset), class: 'num'},
    {title: 'Messages', cell: p => offsetCell(p.messages), class: 'num'},
    {title: 'Size', class: 'num', cell: p => p.size_bytes < 0 ? '?'
      : h('span', {title: `${formatNumber(p.size_bytes)} bytes (InnoDB statistics)`},
          formatBytes(p.size_bytes))},
    {title: '', cell: p => p.error ? h('span', {class: 'err-text'}, p.error)
      : h('a', {href: `#/topics/${seg(t.name)}/messages${query({partition: p.partition})}`},
          'browse')},
    ...(t.can_change ? [{title: 'Change', cell: actions}] : []),
  ], partitions));
  const load = async () => {
    const fresh = await get(`/api/topics/${seg(t.name)}`);
    if (ctx.current()) render(fresh.partitions);
  };
  render(initial);
  return h('section', {class: 'card', id: 'partitions'}, h('h2', {}, 'Partitions'),
    t.can_change ? h('p', {class: 'hint'}, 'A read-only partition refuses produce; ' +
      'consumers read it to its end. ' + (!admin
      ? 'Admins can migrate a partition to another datanode.'
      : datanodes.length > 1 ? 'Migrating moves its writes to a new partition on another ' +
        'datanode.' : 'Migrating needs another active datanode.'))
      : null,
    notice, body);
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
  const saved = savedNotice(ctx, 'updated', 'Saved.');
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

// A confirmation above a form whose save reloaded the page with `?param=...`.
function savedNotice(ctx, param, text) {
  return h('div', {class: 'notice notice-ok', role: 'status', hidden: !ctx.params.get(param)},
           text);
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
    try {
      await del(`/api/topics/${seg(t.name)}${query({force: v.force ? 'true' : ''})}`);
    } catch (e) {
      if (e.status !== 409 || v.force) throw e;
      // In use by groups: the box below is this page's --force.
      throw fieldError('force', e.message.replace(/;? ?delete it with force.*$/, '') +
                       '. Tick this box to delete it anyway.');
    }
    ctx.navigate('#/topics');
  }, 'Delete topic');
  deleteForm.classList.add('danger');

  return h('div', {class: 'columns'},
    h('section', {class: 'card'}, h('h2', {}, 'Retention'),
      savedNotice(ctx, 'saved', 'Retention saved: the next retention run applies it.'),
      retentionForm),
    h('section', {class: 'card'}, h('h2', {}, 'Partitions'),
      savedNotice(ctx, 'added', 'Partitions added.'),
      h('p', {class: 'hint'}, 'Keys hash over the partition count: adding partitions moves ' +
        'where new messages of a key go.'), partitionsForm),
    h('section', {class: 'card'}, h('h2', {}, 'Delete'), deleteForm));
}
