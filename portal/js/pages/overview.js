// Overview: brokers and datanodes with their health, messages in and out per second (chart),
// groups that are not OK, alerts firing.
import {get, seg} from '../api.js';
import {h, clear, table, badge, statusBadge, formatAge, formatNumber, formatDuration,
  formatSeconds, put}
  from '../dom.js';
import {TimeChart} from '../charts.js';
import {valueText} from '../alert_text.js';

export async function render(main, ctx) {
  const cards = h('div');
  const body = h('div');
  const rates = new TimeChart({id: 'chart-messages', title: 'Messages per second',
                               unit: 'msg/s', empty: 'No rates yet: they need two lag cycles.'});
  put(main, h('div', {class: 'page-head'}, h('h1', {}, 'Overview'),
                    h('span', {class: 'muted'}, 'refreshes every 5 s')),
      cards, h('section', {class: 'card'}, h('h2', {}, 'Messages in and out'), rates.node), body);
  const load = async () => {
    const [cluster, groups, alerts, history] = await Promise.all([
      get('/api/cluster'),
      get('/api/groups').catch(e => ({error: e})),
      get('/api/alerts').catch(e => ({error: e})),
      get('/api/cluster/history').catch(e => ({error: e})),
    ]);
    if (!ctx.current()) return;
    put(clear(cards),
      h('div', {class: 'cards'},
        summaryCard('Brokers', cluster.brokers.length, cluster.brokers.length ? 'ok' : 'err',
                    cluster.brokers.length ? 'live' : 'none live'),
        summaryCard('Datanodes', cluster.datanodes.length,
                    cluster.datanodes.every(d => d.healthy) ? 'ok' : 'err',
                    `${cluster.datanodes.filter(d => d.healthy).length} healthy`),
        groups.error ? summaryCard('Groups', '?', 'neutral', 'lag not collected')
          : summaryCard('Groups', groups.groups.length,
                        groups.groups.some(g => g.status !== 'OK') ? 'warn' : 'ok',
                        `${groups.groups.filter(g => g.status !== 'OK').length} not OK`),
        alerts.error ? summaryCard('Alerts firing', '?', 'neutral', '')
          : summaryCard('Alerts firing', alerts.alerts.filter(a => a.state === 'firing').length,
                        alerts.alerts.some(a => a.state === 'firing') ? 'err' : 'ok',
                        `${alerts.alerts.length} rules`)));
    put(clear(body),
      h('section', {class: 'card'}, h('h2', {}, 'Brokers'),
        table([
          {title: 'Broker', cell: b => b.id},
          {title: 'Address', cell: b => `${b.host}:${b.port}`},
          {title: 'Health', cell: () => badge('live', 'ok')},
          {title: 'Last heartbeat', cell: b => formatAge(b.last_heartbeat_ms, cluster.now_ms)},
          {title: 'Up for', cell: b => formatDuration(cluster.now_ms - b.started_ms)},
        ], cluster.brokers, {empty: 'No live broker: producers and consumers cannot work.'})),
      h('section', {class: 'card'}, h('h2', {}, 'Datanodes'),
        table([
          {title: 'Datanode', cell: d => d.name},
          {title: 'Database', cell: d => `${d.host}:${d.port}/${d.database}`},
          {title: 'Partitions', cell: d => formatNumber(d.partitions), class: 'num'},
          {title: 'Health', cell: d => badge(d.healthy ? 'healthy' : 'down', d.healthy ? 'ok' : 'err')},
          {title: 'Status', cell: d => d.status},
          // Asynchronous replication: a failover may lose acknowledged messages.
          {title: 'Replication', cell: d => !d.replication ? '' :
              badge(d.replication, d.replication.startsWith('asynchronous') ? 'warn' : 'ok')},
          {title: 'Epoch', cell: d => String(d.epoch)},
        ], cluster.datanodes, {empty: 'No datanode registered.'})),
      h('section', {class: 'card'}, h('h2', {}, 'Groups in trouble'),
        groups.error ? h('p', {class: 'muted'}, groups.error.message)
          : table([
            {title: 'Group', cell: g => h('a', {href: `#/groups/${seg(g.group)}`}, g.group)},
            {title: 'Status', cell: g => statusBadge(g.status)},
            {title: 'Lag', cell: g => formatNumber(g.total_lag), class: 'num'},
            {title: 'Max lag (time)', cell: g => formatSeconds(g.max_lag_seconds), class: 'num'},
          ], groups.groups.filter(g => g.status !== 'OK'), {empty: 'Every group is OK.'})),
      h('section', {class: 'card'}, h('h2', {}, 'Alerts firing'),
        alerts.error ? h('p', {class: 'muted'}, alerts.error.message)
          : table([
            {title: 'Alert', cell: a => a.name},
            {title: 'Group', cell: a => h('a', {href: `#/groups/${seg(a.group)}`}, a.group)},
            {title: 'Value', cell: a => valueText(a)},
            {title: 'Since', cell: a => formatAge(a.state_since_ms)},
          ], alerts.alerts.filter(a => a.state === 'firing'), {empty: 'No alert is firing.'})));
    if (history.error) {
      rates.message(history.error.message);
    } else {
      await rates.update(history.at_ms, ['in (appended)', 'out (committed by groups)'],
                         [history.messages_in, history.messages_out]);
    }
  };
  await load();
  ctx.autoRefresh(() => load().catch(() => {}), 5000);
}

function summaryCard(title, value, kind, note) {
  return h('div', {class: ['card', 'summary', `summary-${kind}`]},
    h('div', {class: 'summary-title'}, title),
    h('div', {class: 'summary-value'}, String(value)),
    h('div', {class: 'summary-note'}, note));
}
