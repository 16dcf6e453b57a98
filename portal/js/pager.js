// Paging a list that the API returns whole (topics, groups): PAGE_SIZE rows a page, the page
// number in the URL (?page=N, from 1), with "Newer/Older"-style links both ways and where
// you are ("41-80 of 212").
import {h} from './dom.js';

export const PAGE_SIZE = 50;

// The rows of page `page` (clamped to the pages there are) and the pager's links, made by
// `hrefOf(page)`.
export function paged(rows, page, hrefOf, size = PAGE_SIZE) {
  const pages = Math.max(1, Math.ceil(rows.length / size));
  const current = Math.min(Math.max(1, Number(page) || 1), pages);
  const first = (current - 1) * size;
  const shown = rows.slice(first, first + size);
  const nav = pages === 1 ? null : h('nav', {class: 'pager', 'aria-label': 'pages'},
    current > 1 ? h('a', {class: 'button', href: hrefOf(current - 1), rel: 'prev',
                          'data-test': 'page-prev'}, '← Previous') : null,
    h('span', {class: 'muted', 'data-test': 'page-where'},
      `${first + 1}–${first + shown.length} of ${rows.length}`),
    current < pages ? h('a', {class: 'button', href: hrefOf(current + 1), rel: 'next',
                              'data-test': 'page-next'}, 'Next →') : null);
  return {rows: shown, nav};
}
