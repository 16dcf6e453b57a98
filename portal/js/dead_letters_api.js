// The dead-letter part of the portal's JSON API (/api/dead-letters; docs/dead-letters.md).
import {get, post, seg, query} from './api.js';

export const listDeadLetters = group => get(`/api/dead-letters${query({group})}`);

export const showDeadLetters = (group, topic, {offset, limit} = {}) =>
  get(`/api/dead-letters/${seg(group)}/${seg(topic)}${query({offset, limit})}`);

// offset: one dead letter; undefined: all of them. target: 'original' or 'retry'.
export const replayDeadLetters = (group, topic, offset, target) =>
  post(`/api/dead-letters/${seg(group)}/${seg(topic)}/replay`,
       offset === undefined ? {all: true, target} : {offset, target});

export const purgeDeadLetters = (group, topic) =>
  post(`/api/dead-letters/${seg(group)}/${seg(topic)}/purge`);
