// Retention as a number and a unit in forms, milliseconds on the wire.
import {h} from './dom.js';
import {input, select} from './forms.js';

// Largest first: a retention is shown in the largest unit that divides it.
export const UNITS = [
  {value: String(24 * 3600 * 1000), label: 'days'},
  {value: String(3600 * 1000), label: 'hours'},
  {value: String(60 * 1000), label: 'minutes'},
];

export function retentionInputs(name, ms) {
  let amount = '', unit = UNITS[0].value;
  if (ms) {
    const fit = UNITS.find(u => ms % Number(u.value) === 0) || UNITS[2];
    amount = String(Math.round(ms / Number(fit.value)));
    unit = fit.value;
  }
  const number = input(name, {type: 'number', min: 1, step: 1, value: amount, placeholder: '7'});
  const units = select(`${name}_unit`, UNITS.map(u => ({...u, selected: u.value === unit})),
                      {'aria-label': `${name.replace(/_ms$/, '').replace(/_/g, ' ')} unit`});
  return {number, units, node: h('div', {class: 'inline'}, number, units)};
}

// ms from the form's values, or undefined when empty. Throws {field} when not a number.
export function retentionMs(values, name) {
  const text = String(values[name] || '').trim();
  if (!text) return undefined;
  if (!/^\d+$/.test(text) || Number(text) <= 0) {
    const e = new Error('Enter a whole number greater than 0.');
    e.field = name;
    throw e;
  }
  return Number(text) * Number(values[`${name}_unit`]);
}

export function formatRetention(ms) {
  if (!ms) return '—';
  for (const [unit, size] of [['d', 86400000], ['h', 3600000], ['min', 60000], ['s', 1000]]) {
    if (ms % size === 0) return `${ms / size} ${unit}`;
  }
  return `${ms} ms`;
}
