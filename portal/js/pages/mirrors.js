// Clusters and mirrors: the peer clusters this metaserver knows with their last check, and
// the mq-mirror processes copying from this cluster (their consumer groups, named
// mq-mirror.SOURCE.TARGET by default) with the lag the collector measures for them
// (docs/multi-cluster.md).
import {get, seg} from '../api.js';
import {h, clear, table, badge, statusBadge, formatAge, formatNumber, formatSeconds, put}
  from '../dom.js';

const MIRROR_PREFIX = 'mq-mirror.';

// The target cluster of a mirror group of this cluster, from its default name.
function targetOf(group, cluster) {
  const rest = group.slice(MIRROR_PREFIX.length);
  return rest.startsWith(`${cluster}.`) ? rest.slice(cluster.length + 1) : '?';
}

function peerStatus(p) {
  if (!p.checked_ms) return badge('not checked yet', 'neutral');
  return p.reachable ? badge('reachable', 'ok') : badge('unreachable', 'err');
}

export async function render(main, ctx) {
  const cluster = ctx.me?.cluster ?? '';
  const body = h('div');
  put(main, h('div', {class: 'page-head'}, h('h1', {}, 'Clusters and mirrors'),
                    h('span', {class: 'muted'}, 'refreshes every 5 s')), body);
  const load = async () => {
    const [info, groups] = await Promise.all([
      get('/api/cluster'),
      get('/api/groups').catch(e => ({error: e})),
    ]);
    if (!ctx.current()) return;
    const mirrors = groups.error ? [] : groups.groups.filter(g => g.group.startsWith(MIRROR_PREFIX));
    put(clear(body),
      h('p', {}, 'This cluster: ', h('strong', {'data-test': 'this-cluster'}, cluster)),
      h('section', {class: 'card', id: 'peer-clusters'}, h('h2', {}, 'Peer clusters'),
        table([
          {title: 'Cluster', cell: p => p.name},
          {title: 'Metaserver', cell: p => p.metaserver},
          {title: 'TLS', cell: p => (p.tls ? 'yes' : 'no')},
          {title: 'Status', cell: peerStatus},
          {title: 'Checked', cell: p => formatAge(p.checked_ms, info.now_ms)},
          {title: 'Problem', cell: p => p.problem},
        ], info.peers, {empty: 'No peer clusters: the metaserver\'s peer-cluster option names them.'})),
      h('section', {class: 'card', id: 'mirrors'}, h('h2', {}, 'Mirrors from this cluster'),
        groups.error ? h('p', {class: 'muted'}, groups.error.message)
          : table([
            {title: 'Mirror group', cell: g => h('a', {href: `#/groups/${seg(g.group)}`}, g.group)},
            {title: 'Target cluster', cell: g => targetOf(g.group, cluster)},
            {title: 'Processes', cell: g => String(g.members), class: 'num'},
            {title: 'Status', cell: g => statusBadge(g.status)},
            {title: 'Lag (messages)', cell: g => formatNumber(g.total_lag), class: 'num'},
            {title: 'Max lag (time)', cell: g => formatSeconds(g.max_lag_seconds), class: 'num'},
          ], mirrors, {empty: 'No mq-mirror copies from this cluster (no group named ' +
                              `${MIRROR_PREFIX}${cluster}.TARGET).`})));
  };
  await load();
  ctx.autoRefresh(() => load().catch(() => {}), 5000);
}
