// Access (#/access/<team>): a team's access tokens and ACL grants (docs/portal.md#access-
// tokens-and-grants). Members issue and revoke their team's tokens (a new token's secret is
// shown once, with a Copy button) and grant or revoke on their team's topics and groups;
// admins see and change every team's, and all of them at once (#/access/*, which also shows
// tokens of teams the portal does not know). The API decides; the page offers what it allows.
import {get, post, del, seg, query} from '../api.js';
import {h, clear, table, badge, formatTime, formatAge, put, refusal} from '../dom.js';
import {field, form, input, select, textarea, fieldError} from '../forms.js';

const NAME_RULE = /^[A-Za-z0-9._-]{1,64}$/;
const EVERY_TEAM = '*';

export async function render(main, ctx) {
  const teams = (await get('/api/teams')).teams.map(t => t.name);
  const mine = ctx.me.admin ? teams : teams.filter(t => ctx.me.teams.includes(t));
  const choices = ctx.me.admin ? [...mine, EVERY_TEAM] : mine;
  const team = ctx.parts[1] || mine[0] || (ctx.me.admin ? EVERY_TEAM : undefined);
  const all = team === EVERY_TEAM;
  put(main, h('div', {class: 'page-head'}, h('h1', {}, 'Access'),
    choices.length > 1 ? teamPicker(choices, team, ctx) : null));
  if (!team) {
    put(main, h('p', {}, 'You are in no team, so you have no access tokens. Ask an admin.'));
    return;
  }
  if (!choices.includes(team)) {
    put(main, h('p', {}, `Only members of team ${team} and admins see its tokens and grants.`));
    return;
  }

  const tokenList = h('div', {id: 'token-list'});
  const grantList = h('div', {id: 'grant-list'});
  const topics = await get('/api/topics');
  const ownTopics = topics.topics.filter(t => all || t.owner_team === team).map(t => t.name);
  const filter = query({team: all ? '' : team});
  const load = async () => {
    const [tokens, grants] = await Promise.all([
      get(`/api/tokens${filter}`), get(`/api/acls${filter}`)]);
    if (!ctx.current()) return;
    put(clear(tokenList), tokenTable(tokens.tokens, all, load));
    put(clear(grantList), grantTable(grants.grants, load));
    return tokens.tokens;
  };
  const tokens = await load();

  put(main,
    h('p', {class: 'muted'}, 'Clients send a token with every request when the brokers run with ',
      h('code', {}, 'auth = on'), '. A token may do what its grants and its team\'s grants ',
      'allow: produce or consume on a topic, consume in a consumer group, or admin.'),
    h('section', {class: 'card'}, h('h2', {}, all ? 'Tokens of every team'
                                                   : `Tokens of team ${team}`), tokenList,
      h('h3', {}, 'Issue a token'), all ? h('p', {class: 'muted'}, 'Choose a team to issue '
                                            + 'a token for it.') : issueForm(team, load)),
    h('section', {class: 'card'}, h('h2', {}, 'Grants'),
      h('p', {class: 'muted'}, all ? 'Every grant.' : `Held by team ${team} or its tokens, `
        + 'and given on its topics and groups.'), grantList,
      h('h3', {}, 'Grant'), grantForm(ctx, team, all, ownTopics, tokens, load)));
}

function teamPicker(teams, current, ctx) {
  const picker = select('team', teams.map(t => ({
    value: t, label: t === EVERY_TEAM ? 'every team' : `team ${t}`, selected: t === current})),
    {'aria-label': 'team'});
  picker.addEventListener('change', () => ctx.navigate(`#/access/${seg(picker.value)}`));
  return picker;
}

function tokenTable(tokens, withTeam, reload) {
  return table([
    {title: 'Token', cell: t => h('span', {class: 'token-name'}, t.name)},
    ...(withTeam ? [{title: 'Team', cell: t => t.team}] : []),
    {title: 'Description', cell: t => h('span', {class: 'clip'}, t.description)},
    {title: 'Issued', cell: t => `${formatTime(t.created_ms)} by ${t.created_by}`},
    {title: 'Last used', cell: t => t.last_used_ms ? formatAge(t.last_used_ms) : 'never'},
    {title: '', cell: t => t.can_change ? h('button', {type: 'button', class: 'link danger',
      title: `revoke ${t.name}`, onclick: async () => {
        if (!confirm(`Revoke token ${t.name}? Clients using it are refused within seconds, ` +
                     'and its own grants are deleted.')) return;
        try { await del(`/api/tokens/${seg(t.name)}`); await reload(); }
        catch (e) { refusal(e); }
      }}, 'revoke') : ''},
  ], tokens, {empty: 'No tokens yet.'});
}

function grantTable(grants, reload) {
  return table([
    {title: 'Permission', cell: g => badge(g.permission, g.permission === 'admin' ? 'warn' : 'ok')},
    {title: 'On', cell: g => `${g.resource_type} ${g.resource_name}`},
    {title: 'To', cell: g => `${g.principal_type} ${g.principal_name}`},
    {title: 'Granted', cell: g => `${formatTime(g.created_ms)} by ${g.created_by}`},
    {title: '', cell: g => g.can_change ? h('button', {type: 'button', class: 'link danger',
      title: 'revoke this grant', onclick: async () => {
        if (!confirm(`Revoke ${g.permission} on ${g.resource_type} ${g.resource_name} for ` +
                     `${g.principal_type} ${g.principal_name}?`)) return;
        try {
          await post('/api/acls/revoke', {
            resource_type: g.resource_type, resource_name: g.resource_name,
            principal_type: g.principal_type, principal_name: g.principal_name,
            permission: g.permission});
          await reload();
        } catch (e) { refusal(e); }
      }}, 'revoke') : ''},
  ], grants, {empty: 'No grants yet.'});
}

function issueForm(team, reload) {
  const shown = h('div', {id: 'issued-secret', class: 'notice notice-warn', role: 'status',
                          hidden: true});
  const el = form({id: 'issue-token'}, [
    field('Name', input('name', {placeholder: 'orders-service', maxlength: 64,
                                 autocomplete: 'off'}),
          'The application that uses it: letters, digits, ".", "_" and "-"; at most 64.'),
    field('Description', textarea('description', {rows: 2, maxlength: 1024})),
  ], async v => {
    if (!NAME_RULE.test(v.name)) {
      throw fieldError('name', 'Use 1 to 64 letters, digits, ".", "_" or "-".');
    }
    const issued = await post('/api/tokens', {name: v.name, team, description: v.description});
    showSecret(shown, issued.token.name, issued.secret);
    el.reset();
    await reload();
  }, 'Issue token');
  return h('div', {}, shown, el);
}

// The secret, once: the API never shows it again.
function showSecret(box, name, secret) {
  const code = h('code', {class: 'secret', id: 'token-secret'}, secret);
  const copy = h('button', {type: 'button', id: 'copy-secret'}, 'Copy');
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(secret);
      copy.textContent = 'Copied';
    } catch {
      // No clipboard (not a secure context, or refused): select it for Ctrl+C.
      const range = document.createRange();
      range.selectNodeContents(code);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      copy.textContent = 'Selected: press Ctrl+C';
    }
  });
  box.hidden = false;
  put(clear(box),
    h('p', {}, h('strong', {}, `The secret of ${name}`),
      ' is shown only now: copy it into the application\'s configuration (client setting ',
      h('code', {}, 'token'), ', or a file for ', h('code', {}, 'mqctl --token-file'),
      '). Only its hash is stored; if it is lost, revoke the token and issue a new one.'),
    h('div', {class: 'inline'}, code, copy));
}

function grantForm(ctx, team, all, ownTopics, tokens, reload) {
  const resources = h('datalist', {id: 'grant-resources'},
                      ownTopics.map(name => h('option', {value: name})));
  const principals = h('datalist', {id: 'grant-principals'},
                       [...tokens.map(t => t.name), ...(all ? [] : [team])]
                         .map(name => h('option', {value: name})));
  const el = form({id: 'grant'}, [
    field('Permission', select('permission', ['produce', 'consume', 'admin'])),
    field('On', select('resource_type', [
      {value: 'topic', label: 'topic'}, {value: 'group', label: 'consumer group'},
      ...(ctx.me.admin ? [{value: 'cluster', label: 'the cluster (admin: everything)'}] : [])])),
    field('Name', input('resource_name', {list: 'grant-resources', autocomplete: 'off',
                                          placeholder: ownTopics[0] || 'orders'}),
          ctx.me.admin || all ? 'An exact name, a prefix ending in "*" (orders.*), or "*".'
                       : `The exact name of a topic or group of team ${team}.`),
    field('To', select('principal_type', [{value: 'token', label: 'token'},
                                          {value: 'team', label: 'every token of a team'}])),
    field('Token or team', input('principal_name', {list: 'grant-principals',
                                                    autocomplete: 'off'}),
          'A token of any team may be granted access to what your team owns.'),
    resources, principals,
  ], async v => {
    if (v.resource_type !== 'cluster' && !v.resource_name) {
      throw fieldError('resource_name', 'Enter the topic or group.');
    }
    if (!v.principal_name) throw fieldError('principal_name', 'Enter a token or a team.');
    await post('/api/acls', {
      permission: v.permission, resource_type: v.resource_type,
      resource_name: v.resource_type === 'cluster' ? '*' : v.resource_name,
      principal_type: v.principal_type, principal_name: v.principal_name});
    el.reset();
    await reload();
  }, 'Grant');
  return el;
}
