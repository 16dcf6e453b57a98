// Users and teams (admins): create users (a generated password is shown once), delete
// them, create teams and change their members.
import {get, post, del, seg} from '../api.js';
import {h, clear, table, badge, formatTime, put, refusal} from '../dom.js';
import {field, form, input, select, fieldError} from '../forms.js';

export async function render(main, ctx) {
  if (!ctx.me.admin) {
    put(main, h('h1', {}, 'Users & teams'), h('p', {}, 'Only admins manage users and teams.'));
    return;
  }
  const [users, teams] = await Promise.all([get('/api/users'), get('/api/teams')]);
  const reload = () => ctx.navigate(`#/admin?t=${Date.now()}`);
  const created = h('div', {class: 'notice notice-ok', role: 'status', hidden: true});
  const usersTable = list => table([
    {title: 'User', cell: u => u.name},
    {title: 'Role', cell: u => u.admin ? badge('admin', 'warn') : 'member'},
    {title: 'Teams', cell: u => u.teams.join(', ') || '—'},
    {title: 'Created', cell: u => formatTime(u.created_ms)},
    {title: '', cell: u => u.name === ctx.me.user ? '' : h('button', {type: 'button',
      class: 'link danger', onclick: async () => {
        if (!confirm(`Delete user ${u.name}?`)) return;
        try { await del(`/api/users/${seg(u.name)}`); reload(); } catch (e) { refusal(e); }
      }}, 'delete')},
  ], list);
  let shownUsers = usersTable(users.users);

  const userForm = form({id: 'create-user'}, [
    field('User name', input('name', {autocomplete: 'off'})),
    field('Password', input('password', {type: 'password', autocomplete: 'new-password'}),
          'At least 12 characters; empty: generate one.'),
    h('div', {class: 'field', 'data-field': 'teams'}, h('label', {}, 'Teams'),
      teams.teams.length ? h('div', {class: 'checks'}, teams.teams.map(t => h('label', {},
        input(`team:${t.name}`, {type: 'checkbox'}), ' ', t.name)))
        : h('span', {class: 'muted'}, 'no teams yet'),
      h('div', {class: 'field-error', role: 'alert'})),
    field('Admin', input('admin', {type: 'checkbox'})),
  ], async v => {
    if (!v.name) throw fieldError('name', 'Enter a user name.');
    const chosen = Object.keys(v).filter(k => k.startsWith('team:') && v[k]).map(k => k.slice(5));
    const body = {name: v.name, teams: chosen, admin: v.admin};
    if (v.password) body.password = v.password;
    const result = await post('/api/users', body);
    created.hidden = false;
    put(clear(created), `Created ${result.user.name}.`, result.password
      ? [' Their password (shown only now): ', h('code', {class: 'secret'}, result.password)] : '');
    userForm.reset();
    // The new user appears in the table at once; the page is not reloaded, so the password
    // shown above stays on screen.
    const fresh = usersTable((await get('/api/users')).users);
    shownUsers.replaceWith(fresh);
    shownUsers = fresh;
  }, 'Create user');

  const teamForm = form({id: 'create-team'}, [
    field('Team name', input('name')),
    field('Description', input('description')),
  ], async v => {
    if (!v.name) throw fieldError('name', 'Enter a team name.');
    await post('/api/teams', {name: v.name, description: v.description});
    reload();
  }, 'Create team');

  put(main, h('div', {class: 'page-head'}, h('h1', {}, 'Users & teams')),
    h('section', {class: 'card'}, h('h2', {}, 'Users'), shownUsers,
      created, h('h3', {}, 'New user'), userForm),
    h('section', {class: 'card'}, h('h2', {}, 'Teams'),
      table([
        {title: 'Team', cell: t => t.name},
        {title: 'Description', cell: t => t.description},
        {title: 'Members', cell: t => h('ul', {class: 'members'}, t.members.map(m =>
          h('li', {}, m, ' ', h('button', {type: 'button', class: 'link danger',
            title: `remove ${m}`, onclick: async () => {
              try { await del(`/api/teams/${seg(t.name)}/members/${seg(m)}`); reload(); }
              catch (e) { refusal(e); }
            }}, '×'))))},
        {title: 'Add member', cell: t => memberForm(t, users.users, reload)},
      ], teams.teams, {empty: 'No teams yet.'}),
      h('h3', {}, 'New team'), teamForm));
}

function memberForm(team, users, reload) {
  const candidates = users.filter(u => !team.members.includes(u.name)).map(u => u.name);
  if (!candidates.length) return h('span', {class: 'muted'}, 'everyone is in');
  // No user is preselected (issue 25 bug 8: the first one, often `admin`, was).
  const choice = select('user', [{value: '', label: 'choose a user…', selected: true},
    ...candidates.map(name => ({value: name, label: name}))],
    {'aria-label': `user to add to ${team.name}`});
  const el = h('form', {class: 'inline'}, choice, h('button', {type: 'submit'}, 'Add'));
  el.addEventListener('submit', async e => {
    e.preventDefault();
    if (!choice.value) {
      choice.focus();
      return;
    }
    try { await post(`/api/teams/${seg(team.name)}/members`, {user: choice.value}); reload(); }
    catch (err) { refusal(err); }
  });
  return el;
}
