// Account: who you are, and changing your password (which signs you out everywhere).
import {post} from '../api.js';
import {h, put} from '../dom.js';
import {field, form, input, fieldError} from '../forms.js';

export async function render(main, ctx) {
  const me = ctx.me;
  put(main, h('div', {class: 'page-head'}, h('h1', {}, 'Account')),
    h('section', {class: 'card'},
      h('dl', {class: 'facts'},
        h('dt', {}, 'User'), h('dd', {}, me.user || 'anonymous (sign-in is off)'),
        h('dt', {}, 'Role'), h('dd', {}, me.admin ? 'admin: may change everything' : 'member'),
        h('dt', {}, 'Teams'), h('dd', {}, me.teams.join(', ') || 'none'))),
    me.auth ? h('section', {class: 'card'}, h('h2', {}, 'Change password'),
      form({id: 'change-password'}, [
        field('Current password', input('current_password', {type: 'password',
                                                             autocomplete: 'current-password'})),
        field('New password', input('new_password', {type: 'password',
                                                     autocomplete: 'new-password'}),
              'At least 12 characters.'),
        field('New password again', input('again', {type: 'password',
                                                    autocomplete: 'new-password'})),
      ], async v => {
        if (v.new_password !== v.again) throw fieldError('again', 'The two do not match.');
        await post('/api/me/password', {current_password: v.current_password,
                                        new_password: v.new_password});
        ctx.navigate('#/login');
      }, 'Change password')) : null);
}
