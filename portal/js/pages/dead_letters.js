// Dead letters: not built yet. Says so rather than show anything made up.
import {h, put} from '../dom.js';

export async function render(main) {
  put(main, h('div', {class: 'page-head'}, h('h1', {}, 'Dead letters')),
    h('section', {class: 'card placeholder'},
      h('h2', {}, 'Not available yet'),
      h('p', {}, 'mq has no dead-letter queues yet: a consumer that cannot process a message ' +
        'has nowhere to park it. When the feature exists, this page will list dead-lettered ' +
        'messages per topic and let their team replay or drop them.'),
      h('p', {class: 'muted'}, 'Until then, browse a topic\'s messages or reset a group\'s ' +
        'offsets to skip a poison message.')));
}
