// Alerts: the rules with their state, what is firing now, the event history; create and
// delete rules (admins and the group's team: the delete button is only shown to them, from
// each rule's can_change). Refusals are shown on the page, next to the field when the API
// names one.
import {get, post, del, seg, query} from '../api.js';
import {h, clear, table, badge, formatNumber, formatTime, formatAge, formatDuration, put}
  from '../dom.js';
import {field, form, input, select, fieldError} from '../forms.js';
import {valueText, conditionText} from '../alert_text.js';

export async function render(main, ctx) {
  const body = h('div');
  // Refusals of a delete (the rule's team changed, someone deleted it first) show here.
  const notice = h('div', {id: 'alerts-notice', role: 'status'});
  put(main, h('div', {class: 'page-head'}, h('h1', {}, 'Alerts'),
                    h('span', {class: 'muted'}, 'refreshes every 5 s')), notice, body,
              h('section', {class: 'card'}, h('h2', {}, 'New alert rule'), createForm(ctx)));
  const load = async () => {
    const [rules, events] = await Promise.all([get('/api/alerts'),
                                               get(`/api/alerts/events${query({limit: 50})}`)]);
    if (!ctx.current()) return;
    const firing = rules.alerts.filter(a => a.state === 'firing');
    put(clear(body), 
      h('section', {class: 'card'}, h('h2', {}, `Firing now (${firing.length})`),
        table([
          {title: 'Alert', cell: a => a.name},
          {title: 'Group', cell: a => h('a', {href: `#/groups/${seg(a.group)}`}, a.group)},
          {title: 'Value', cell: a => valueText(a)},
          {title: 'Since', cell: a => formatAge(a.state_since_ms)},
        ], firing, {empty: 'Nothing is firing.', rowClass: () => 'row-err'})),
      h('section', {class: 'card'}, h('h2', {}, 'Rules'),
        table([
          {title: 'Alert', cell: a => a.name},
          {title: 'Group', cell: a => h('a', {href: `#/groups/${seg(a.group)}`}, a.group)},
          {title: 'Topic', cell: a => a.topic || 'all'},
          {title: 'Condition', cell: a => conditionText(a)},
          {title: 'For', cell: a => formatDuration(a.for_ms)},
          {title: 'State', cell: a => badge(a.state, a.state === 'firing' ? 'err'
            : a.state === 'pending' ? 'warn' : 'ok')},
          {title: 'Value', cell: a => valueText(a)},
          {title: 'Created by', cell: a => a.created_by},
          ...(rules.alerts.some(a => a.can_change) ? [{title: 'Change', cell: a => !a.can_change
            ? null
            : h('button', {type: 'button', class: 'link danger', 'data-test': `delete-${a.name}`,
                           'aria-label': `Delete alert ${a.name}`,
              onclick: async () => {
                if (!confirm(`Delete alert ${a.name}?`)) return;
                clear(notice);
                try {
                  await del(`/api/alerts/${seg(a.name)}`);
                  put(notice, h('div', {class: 'notice notice-ok'}, `Deleted alert ${a.name}.`));
                } catch (e) {
                  put(notice, h('div', {class: 'notice notice-err', role: 'alert'},
                                `Alert ${a.name} was not deleted: ${e.message}`));
                }
                await load().catch(() => {});
              }}, 'delete')}] : []),
        ], rules.alerts, {empty: 'No alert rules yet.'})),
      h('section', {class: 'card'}, h('h2', {}, 'History'),
        table([
          {title: 'When', cell: e => formatTime(e.at_ms)},
          {title: 'Alert', cell: e => e.alert},
          {title: 'Event', cell: e => badge(e.event, e.event === 'firing' ? 'err' : 'ok')},
          {title: 'Message', cell: e => e.message},
        ], events.events, {empty: 'No events yet.'})));
  };
  await load();
  ctx.autoRefresh(() => load().catch(() => {}), 5000);
}

function createForm(ctx) {
  const el = form({id: 'create-alert'}, [
    field('Name', input('name', {placeholder: 'orders-lag'})),
    field('Group', input('group')),
    field('Topic', input('topic', {placeholder: 'every topic of the group'})),
    field('Kind', select('kind', [
      {value: 'lag_messages', label: 'lag in messages above'},
      {value: 'lag_seconds', label: 'lag in seconds above'},
      {value: 'status', label: 'status not OK'}])),
    field('Threshold', input('threshold', {type: 'number', min: 0, value: '1000'})),
    field('For', input('for', {value: '5m'}), 'How long it must hold: 30s, 5m, 1h.'),
    field('Webhook', input('webhook_url', {placeholder: 'https://... or http://... (optional)'}),
          'Receives a JSON POST when the alert fires and resolves.'),
  ], async v => {
    if (!v.name) throw fieldError('name', 'Enter a name.');
    if (!v.group) throw fieldError('group', 'Enter the group.');
    if (!/^\d+$/.test(v.threshold)) throw fieldError('threshold', 'Enter a whole number.');
    await post('/api/alerts', {name: v.name, group: v.group, topic: v.topic, kind: v.kind,
                               threshold: Number(v.threshold), for: v.for,
                               webhook_url: v.webhook_url});
    ctx.navigate(`#/alerts?created=${Date.now()}`);
  }, 'Create alert');
  return el;
}
