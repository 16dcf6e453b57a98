// How an alert rule reads on the page: its value and condition as short sentences, with a
// status rule's value (a Burrow status code) by its name.
import {formatNumber} from './dom.js';

// Burrow's status codes (metaserver/lag/lag_status.h), which a status rule's value holds.
const STATUS_NAMES = {1: 'OK', 2: 'WARN', 3: 'ERR', 4: 'STOP', 5: 'STALL', 6: 'REWIND'};

// What a rule's value says, as a sentence: "status ERR (not OK)", "lag 12 messages, above 5".
export function valueText(a) {
  if (a.kind === 'status') {
    const name = STATUS_NAMES[Math.round(a.value)];
    return name ? (name === 'OK' ? 'status OK' : `status ${name} (not OK)`) : 'no status yet';
  }
  const seconds = a.kind === 'lag_seconds';
  const value = seconds ? Math.round(a.value * 10) / 10 : a.value;  // seconds to 0.1 s
  const above = a.value > a.threshold;
  return `lag ${formatNumber(value)}${seconds ? ' s' : ' messages'}, ${above ? 'above' : 'within'} ` +
         `${formatNumber(a.threshold)}`;
}

export function conditionText(a) {
  if (a.kind === 'status') return 'status not OK';
  return a.kind === 'lag_seconds' ? `lag above ${formatNumber(a.threshold)} s`
    : `lag above ${formatNumber(a.threshold)} messages`;
}
