// One consumer group: status with its reason, lag per partition, members, owner team, and
// resetting its offsets with a dry-run preview first.
import {get, post, seg} from '../api.js';
import {h, clear, table, statusBadge, formatNumber, formatTime, formatAge, formatSeconds, put}
  from '../dom.js';
import {TimeChart} from '../charts.js';
import {field, form, input, select, fieldError} from '../forms.js';

export async function render(main, ctx) {
  const group = ctx.parts[1];
  const [details, lag, status] = await Promise.all([
    get(`/api/groups/${seg(group)}`).catch(e => ({error: e})),
    get(`/api/groups/${seg(group)}/lag`).catch(e => ({error: e})),
    get(`/api/groups/${seg(group)}/status`).catch(e => ({error: e})),
  ]);
  put(main, h('div', {class: 'page-head'},
    h('h1', {}, h('span', {class: 'muted'}, 'Group '), group),
    status.error ? null : statusBadge(status.status)));

  put(main, h('section', {class: 'card'}, h('h2', {}, 'Status'),
    status.error ? h('p', {class: 'muted'}, status.error.message)
      : [h('p', {class: 'reason'}, status.reason || 'Every partition is OK.'),
         status.partitions_not_ok.length ? table([
           {title: 'Topic', cell: p => p.topic},
           {title: 'Partition', cell: p => String(p.partition), class: 'num'},
           {title: 'Status', cell: p => statusBadge(p.status)},
           {title: 'Lag', cell: p => formatNumber(p.lag), class: 'num'},
           {title: 'Reason', cell: p => p.reason},
         ], status.partitions_not_ok) : null]));

  put(main, h('section', {class: 'card'}, h('h2', {}, 'Lag per partition'),
    lag.error ? h('p', {class: 'muted'}, lag.error.message)
      : [h('p', {class: 'muted'}, `Total ${formatNumber(lag.total_lag)} messages, ` +
          `as of ${formatTime(lag.collected_ms)}`),
         lagChart(group),
         table([
           {title: 'Topic', cell: p => h('a', {href: `#/topics/${seg(p.topic)}`}, p.topic)},
           {title: 'Partition', cell: p => String(p.partition), class: 'num'},
           {title: 'Committed', cell: p => p.committed_offset < 0
             ? h('span', {class: 'muted', 'data-test': 'never-committed',
                          title: 'No committed offset: every stored message counts as lag'},
                 'never committed')
             : formatNumber(p.committed_offset), class: 'num'},
           {title: 'End', cell: p => formatNumber(p.end_offset), class: 'num'},
           {title: 'Lag', cell: p => formatNumber(p.lag), class: 'num'},
           {title: 'Lag (time)', cell: p => formatSeconds(p.lag_seconds), class: 'num'},
           // 0 once no commit came for longer than a STOP allows (no stale rate, bug 4).
           {title: 'Rate (msg/s)', cell: p => h('span', {'data-test': 'rate'},
             formatNumber(Math.round(p.consume_rate * 10) / 10)), class: 'num'},
           {title: 'Status', cell: p => statusBadge(p.status)},
         ], lag.partitions)]));

  if (details.error) {
    put(main, h('section', {class: 'card'}, h('h2', {}, 'Members'),
                  h('p', {class: 'muted'}, details.error.message)));
    return;
  }
  put(main, h('section', {class: 'card'}, h('h2', {}, 'Members'),
    h('dl', {class: 'facts'},
      h('dt', {}, 'State'), h('dd', {}, details.state),
      h('dt', {}, 'Generation'), h('dd', {}, String(details.generation)),
      h('dt', {}, 'Assignor'), h('dd', {}, details.protocol || '—'),
      h('dt', {}, 'Owner team'), h('dd', {}, details.owner_team || 'none (admins only)')),
    table([
      {title: 'Member', cell: m => h('code', {}, m.member_id)},
      {title: 'Client', cell: m => `${m.client_id} @ ${m.client_host}`},
      {title: 'Assignment', cell: m => m.assignment.map(a => `${a.topic}: ${a.partitions.join(', ')}`)
        .join('; ') || '—'},
      {title: 'Heartbeat', cell: m => formatAge(m.last_heartbeat_ms)},
    ], details.members, {empty: 'No active members.'})));

  put(main, resetSection(ctx, group, details, lag));
  if (ctx.me.admin) put(main, await ownerSection(ctx, group, details));
}

// Lag of each partition over the last half hour (from the lag collector's cycles).
function lagChart(group) {
  const chart = new TimeChart({id: 'chart-group-lag', title: 'Lag over time (messages)',
                               unit: 'messages',
                               empty: 'No history yet: it needs two lag collector cycles.'});
  get(`/api/groups/${seg(group)}/history`)
    .then(history => chart.update(history.at_ms,
                                  history.partitions.map(p => `${p.topic} / ${p.partition}`),
                                  history.partitions.map(p => p.lag)))
    .catch(e => chart.message(e.message));
  return chart.node;
}

function resetSection(ctx, group, details, lag) {
  const topics = [...new Set([...details.offsets.map(o => o.topic),
                              ...(lag.error ? [] : lag.partitions.map(p => p.topic))])];
  const preview = h('div', {id: 'reset-preview'});
  let lastBody = null;
  const apply = h('button', {type: 'button', class: 'danger', disabled: true}, 'Apply reset');
  // Why Apply is disabled, next to it: a preview that says the reset would be refused.
  const why = h('span', {class: 'hint', 'data-test': 'apply-why'});
  const allowApply = plan => {
    const reason = !plan.can_change ? 'Only the group\'s team and admins can apply.'
      : plan.members > 0 ? 'Stop the group\'s members, then preview again.' : '';
    apply.disabled = reason !== '';
    why.textContent = reason;
  };
  const to = select('to', [
    {value: 'earliest', label: 'earliest stored offset'},
    {value: 'latest', label: 'latest (skip everything)'},
    {value: 'offset', label: 'a given offset'},
    {value: 'time', label: 'a point in time'}]);
  const el = form({id: 'reset-offsets'}, [
    field('Topic', select('topic', [{value: '', label: 'every committed topic'},
                                    ...topics.map(t => ({value: t, label: t}))])),
    field('Reset to', to),
    field('Offset', input('offset', {type: 'number', min: 0}), 'For "a given offset".'),
    field('Time', input('time', {type: 'datetime-local', step: 1}), 'For "a point in time".'),
  ], async v => {
    const body = {to: v.to, topic: v.topic, dry_run: true};
    if (v.to === 'offset') {
      if (!/^\d+$/.test(v.offset)) throw fieldError('offset', 'Enter an offset.');
      body.offset = Number(v.offset);
    }
    if (v.to === 'time') {
      const ms = Date.parse(v.time);
      if (!v.time || Number.isNaN(ms)) throw fieldError('time', 'Choose a date and time.');
      body.time_ms = ms;
    }
    const plan = await post(`/api/groups/${seg(group)}/reset-offsets`, body);
    lastBody = body;
    showPlan(preview, plan, 'Preview (dry run): nothing has changed yet.');
    allowApply(plan);
  }, 'Preview');
  // Offset and time only matter for their choice.
  const showInputs = () => {
    el.querySelector('.field[data-field="offset"]').hidden = to.value !== 'offset';
    el.querySelector('.field[data-field="time"]').hidden = to.value !== 'time';
  };
  to.addEventListener('change', showInputs);
  showInputs();
  apply.addEventListener('click', async () => {
    if (!lastBody) return;
    if (!confirm(`Reset the committed offsets of ${group}?`)) return;
    apply.disabled = true;
    try {
      const done = await post(`/api/groups/${seg(group)}/reset-offsets`,
                              {...lastBody, dry_run: false});
      showPlan(preview, done, 'Offsets reset.');
    } catch (e) {
      // The preview no longer holds (a member joined since): the refusal replaces it.
      put(clear(preview), h('div', {class: 'notice notice-err', role: 'alert'}, e.message));
      lastBody = null;
      why.textContent = 'Preview again.';
    }
  });
  return h('section', {class: 'card'}, h('h2', {}, 'Reset offsets'),
    h('p', {class: 'hint'}, 'Only while the group has no active members. Preview first; ' +
      (details.can_change ? 'then apply.' : 'only its team and admins can apply.')),
    el, preview, h('div', {class: 'actions'}, apply, why));
}

function showPlan(preview, plan, title) {
  put(clear(preview), 
    h('div', {class: plan.dry_run ? 'notice notice-info' : 'notice notice-ok', role: 'status'},
      title),
    plan.warning ? h('div', {class: 'notice notice-warn', role: 'alert'}, plan.warning) : null,
    table([
      {title: 'Topic', cell: o => o.topic},
      {title: 'Partition', cell: o => String(o.partition), class: 'num'},
      {title: 'Current', cell: o => o.current < 0 ? 'none' : formatNumber(o.current), class: 'num'},
      {title: 'New', cell: o => formatNumber(o.new), class: 'num'},
      {title: 'Stored', cell: o => `${formatNumber(o.start_offset)}..${formatNumber(o.end_offset)}`},
    ], plan.offsets));
}

async function ownerSection(ctx, group, details) {
  const teams = (await get('/api/teams')).teams;
  const el = form({id: 'group-owner'}, [
    field('Owner team', select('team', [{value: '', label: '(none: admins only)'},
      ...teams.map(t => ({value: t.name, label: t.name, selected: t.name === details.owner_team}))])),
  ], async v => {
    await post(`/api/groups/${seg(group)}/owner`, {team: v.team});
    ctx.navigate(`#/groups/${seg(group)}?owner=${Date.now()}`);
  }, 'Set owner');
  return h('section', {class: 'card'}, h('h2', {}, 'Owner team'),
    h('p', {class: 'hint'}, 'Members of the owner team may reset offsets and manage alerts of ' +
      'this group. Only admins set it.'), el);
}
