// Consumer groups: state, members, status and lag, from the lag collector's last cycle.
import {get, seg} from '../api.js';
import {paged} from '../pager.js';
import {h, clear, table, statusBadge, formatNumber, formatTime, formatSeconds, put} from '../dom.js';

export async function render(main, ctx) {
  const body = h('div');
  put(main, h('div', {class: 'page-head'}, h('h1', {}, 'Consumer groups'),
                    h('span', {class: 'muted'}, 'refreshes every 5 s')), body);
  const load = async () => {
    let data;
    try {
      data = await get('/api/groups');
    } catch (e) {
      if (!ctx.current()) return;
      put(clear(body), h('div', {class: 'notice notice-warn', role: 'status'}, e.message));
      return;
    }
    if (!ctx.current()) return;
    const shown = paged(data.groups, ctx.params.get('page'),
                        n => `#/groups${n > 1 ? `?page=${n}` : ''}`);
    put(clear(body), 
      h('p', {class: 'muted'}, `Lag as of ${formatTime(data.collected_ms)} (collector ${data.collector})`),
      h('section', {class: 'card'}, table([
        {title: 'Group', cell: g => h('a', {href: `#/groups/${seg(g.group)}`}, g.group)},
        {title: 'State', cell: g => g.state || h('span', {class: 'muted'}, 'offsets only')},
        {title: 'Members', cell: g => String(g.members), class: 'num'},
        {title: 'Status', cell: g => statusBadge(g.status)},
        {title: 'Lag (messages)', cell: g => formatNumber(g.total_lag), class: 'num'},
        {title: 'Max lag (time)', cell: g => formatSeconds(g.max_lag_seconds), class: 'num'},
        {title: 'Partitions', cell: g => String(g.partitions), class: 'num'},
      ], shown.rows, {empty: 'No consumer group has members or committed offsets.'}),
      shown.nav));
  };
  await load();
  ctx.autoRefresh(() => load().catch(() => {}), 5000);
}
