// Dead letters (docs/dead-letters.md): every consumer group's dead-letter topics with their
// counts; per group and topic, the dead letters with their failure history (the headers the
// retry path wrote), and replay (one or all, to the original topic or the group's retry
// topic) and purge for admins and the group's team. A dead letter replayed before is marked
// ("replayed at T by U", from the audit log) and replaying it again asks first. Everything is
// rendered as text nodes.
import {h, clear, table, badge, formatNumber, formatTime, put} from '../dom.js';
import {seg} from '../api.js';
import {listDeadLetters, showDeadLetters, replayDeadLetters, purgeDeadLetters}
  from '../dead_letters_api.js';

export async function render(main, ctx) {
  if (ctx.parts.length >= 3) return renderPair(main, ctx, ctx.parts[1], ctx.parts[2]);
  return renderList(main, ctx);
}

async function renderList(main, ctx) {
  const data = await listDeadLetters(ctx.params.get('group') || undefined);
  if (!ctx.current()) return;
  put(main, h('div', {class: 'page-head'}, h('h1', {}, 'Dead letters')),
    h('section', {class: 'card'},
      h('p', {class: 'muted'}, 'Messages a consumer group could not process after every ' +
        'retry, per group and original topic. Open one to see each message\'s failure ' +
        'history, replay it or purge them.'),
      table([
        {title: 'Group', cell: d => h('a', {href: `#/groups/${seg(d.group)}`}, d.group)},
        {title: 'Topic', cell: d => h('a', {href: `#/topics/${seg(d.topic)}`}, d.topic)},
        {title: 'Dead letters', class: 'num', cell: d => d.error ? badge('?', 'warn')
          : !d.can_read ? h('span', {title: 'Only admins, the topic\'s team and the teams ' +
            'granted consume on it see these messages.'}, formatNumber(d.messages))
          : h('a', {href: `#/dead-letters/${seg(d.group)}/${seg(d.topic)}`,
                    'data-test': 'dead-letter-count'}, formatNumber(d.messages))},
        {title: 'Ever', class: 'num', cell: d => formatNumber(d.dead_lettered)},
        {title: 'Retries', class: 'num', cell: d => formatNumber(d.retried)},
        {title: 'Team', cell: d => d.owner_team || '-'},
        {title: 'Dead-letter topic', cell: d => d.dead_letter_topic},
      ], data.dead_letters, {empty: 'No consumer group has dead-letter topics yet.',
                             rowClass: d => d.messages > 0 ? 'row-err' : ''})));
}

const HISTORY = 'mq-error-history';

function headerText(m, name) {
  const header = m.headers.find(x => x.name === name);
  return header ? (header.value.text ?? '(binary)') : '';
}

function attemptsText(count) {
  return count === '1' ? '1 attempt' : `${count || '?'} attempts`;
}

function textOf(bytes) {
  if (bytes === null) return '-';
  return bytes.text ?? `(${formatNumber(bytes.size)} bytes of binary)`;
}

async function renderPair(main, ctx, group, topic) {
  const body = h('div');
  const notice = h('div', {role: 'status'});
  put(main, h('div', {class: 'page-head'},
    h('h1', {}, 'Dead letters of ', h('code', {}, group), ' for ', h('code', {}, topic)),
    h('a', {href: '#/dead-letters'}, 'all dead-letter topics')), notice, body);
  const say = (text, kind = 'ok') =>
    put(clear(notice), h('div', {class: `notice notice-${kind}`, role: 'alert'}, text));
  const act = async (question, action) => {
    if (question && !confirm(question)) return;
    try {
      say(await action());
      await load();
    } catch (e) {
      say(e.message, 'err');
    }
  };
  const replay = (offset, target, question = null) => act(question, async () => {
    const r = await replayDeadLetters(group, topic, offset, target);
    return `Replayed ${r.replayed} message${r.replayed === 1 ? '' : 's'} to ${r.target_topic}.`;
  });

  const load = async () => {
    const page = await showDeadLetters(group, topic, {limit: 100});
    if (!ctx.current()) return;
    const s = page.summary;
    const can = s.can_change;
    // Replays from the audit log (newest first) covering an offset.
    const replaysOf = offset => (page.replays || [])
      .filter(r => r.first_offset <= offset && offset <= r.last_offset);
    const replayedShown = page.messages.filter(m => replaysOf(m.offset).length).length;
    const againAll = replayedShown
      ? `${replayedShown} of the dead letters shown ${replayedShown === 1 ? 'was' : 'were'} ` +
        'already replayed. Replay all again (consumers get them twice)?' : null;
    const actions = can ? h('div', {class: 'actions'},
      h('button', {type: 'button', disabled: !s.messages, 'data-test': 'replay-all',
        onclick: () => replay(undefined, 'original', againAll)}, 'Replay all to ', topic),
      h('button', {type: 'button', disabled: !s.messages,
        onclick: () => replay(undefined, 'retry', againAll)}, 'Replay all to the retry topic'),
      h('button', {type: 'button', class: 'danger', disabled: !s.messages, 'data-test': 'purge',
        onclick: () => act(`Remove all ${s.messages} dead letters of ${group} for ${topic}?`,
          async () => {
            const r = await purgeDeadLetters(group, topic);
            return `Purged ${r.purged} dead letter${r.purged === 1 ? '' : 's'}.`;
          })}, 'Purge'))
      : h('p', {class: 'muted'}, s.owner_team
        ? `Only admins and team ${s.owner_team} can replay or purge these.`
        : 'Only admins can replay or purge these (the group has no team).');
    put(clear(body),
      h('section', {class: 'card'},
        h('dl', {class: 'facts'},
          h('dt', {}, 'Stored now'), h('dd', {'data-test': 'stored'}, formatNumber(s.messages)),
          h('dt', {}, 'Dead-lettered ever'), h('dd', {}, formatNumber(s.dead_lettered)),
          h('dt', {}, 'Retries scheduled'), h('dd', {}, formatNumber(s.retried)),
          h('dt', {}, 'Dead-letter topic'), h('dd', {}, s.dead_letter_topic),
          h('dt', {}, 'Retry topic'), h('dd', {}, s.retry_topic),
          h('dt', {}, 'Team'), h('dd', {}, s.owner_team || '-')),
        s.error ? h('div', {class: 'notice notice-err'}, s.error) : null,
        actions),
      h('section', {class: 'card'}, h('h2', {}, 'Messages'),
        page.messages.length ? page.messages.map(m => letter(m, can, replay, replaysOf(m.offset)))
          : h('p', {class: 'muted empty'}, 'No dead letters stored.')));
  };
  await load();
}

// "replayed at 2026-11-23 21:40:02 by user:alice to orders"
function replayText(r) {
  return `replayed at ${formatTime(r.at_ms)} by ${r.by} to ${r.target_topic}`;
}

function letter(m, can, replay, replays) {
  const again = replays.length
    ? `Offset ${m.offset} was already ${replayText(replays[0])}. Replay it again (consumers ` +
      'get it twice)?' : null;
  const history = headerText(m, HISTORY).split('\n').filter(Boolean).map(line => {
    const [attempt, ms, ...error] = line.split(' ');
    return {attempt, ms: Number(ms), error: error.join(' ')};
  });
  const others = m.headers.filter(x => !x.name.startsWith('mq-'));
  return h('article', {class: 'card dead-letter', 'data-offset': String(m.offset)},
    h('h3', {}, `Offset ${m.offset}`, ' ',
      badge(attemptsText(headerText(m, 'mq-attempt')), 'err'), ' ',
      replays.length ? badge(replays.length === 1 ? 'replayed' : `replayed ${replays.length}×`,
                             'ok') : null),
    replays.length ? h('p', {class: 'replayed', 'data-test': 'replayed'},
      replays.map((r, i) => [i ? '; ' : 'This dead letter was ', replayText(r)]), '.') : null,
    h('dl', {class: 'facts'},
      h('dt', {}, 'From'), h('dd', {}, `${headerText(m, 'mq-original-topic')} partition ` +
        `${headerText(m, 'mq-original-partition')} offset ${headerText(m, 'mq-original-offset')}`),
      h('dt', {}, 'Key'), h('dd', {}, h('code', {}, textOf(m.key))),
      h('dt', {}, 'Value'), h('dd', {}, h('pre', {class: 'value'}, textOf(m.value))),
      h('dt', {}, 'Last error'), h('dd', {class: 'error-text'}, headerText(m, 'mq-last-error')),
      h('dt', {}, 'Dead-lettered'),
      h('dd', {}, formatTime(Number(headerText(m, 'mq-dead-lettered-ms')) || 0)),
      others.length ? [h('dt', {}, 'Headers'), h('dd', {}, others.map(x =>
        h('div', {}, h('code', {}, x.name), ' = ', textOf(x.value))))] : null),
    h('h4', {}, 'Failure history'),
    table([
      {title: 'Attempt', class: 'num', cell: f => f.attempt},
      {title: 'When', cell: f => formatTime(f.ms)},
      {title: 'Error', cell: f => f.error},
    ], history, {empty: 'No history recorded.'}),
    can ? h('div', {class: 'actions'},
      h('button', {type: 'button', 'data-test': 'replay-one',
        onclick: () => replay(m.offset, 'original', again)}, 'Replay to the original topic'),
      h('button', {type: 'button', onclick: () => replay(m.offset, 'retry', again)},
        'Replay to the retry topic')) : null);
}
