// Sign-in page.
import {post, setCsrfToken} from '../api.js';
import {h, put} from '../dom.js';
import {field, form, input, fieldError} from '../forms.js';

export async function render(main, ctx) {
  const user = input('user', {autocomplete: 'username', autofocus: true, required: true});
  const password = input('password', {type: 'password', autocomplete: 'current-password',
                                      required: true});
  put(main, h('section', {class: 'login card'},
    h('h1', {}, 'Sign in to mq'),
    form({id: 'login-form'}, [field('User name', user), field('Password', password)],
      async v => {
        if (!v.user) throw fieldError('user', 'Enter your user name.');
        if (!v.password) throw fieldError('password', 'Enter your password.');
        const me = await post('/api/login', {user: v.user, password: v.password});
        setCsrfToken(me.csrf_token);
        await ctx.loadMe();
        ctx.navigate('#/');
      }, 'Sign in'),
    h('p', {class: 'hint'},
      'The first admin\'s password is printed by ./mq up (and kept in .mq/admin-password).')));
}
