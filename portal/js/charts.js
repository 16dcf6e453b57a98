// Time-series charts drawn by uPlot (https://github.com/leeoniya/uPlot, MIT): installed by
// scripts/install-deps.sh into portal/node_modules (pinned in portal/package.json) and served
// by the metaserver from there; nothing of it is in the repository. uPlot draws on a canvas
// and sets styles through the CSSOM only, so the strict Content-Security-Policy holds (no
// inline script or style, no eval). The library is loaded on first use: without it a chart
// says what to install instead of breaking the page.
import {h, put, clear, formatNumber} from './dom.js';

const LIBRARY = '/node_modules/uplot/dist/uPlot.esm.js';
const COLORS = ['#2f6fde', '#d9822b', '#2e9e5b', '#c23c3c', '#8854c0', '#1f9aa5', '#b8860b',
                '#d6459b', '#5b6b7a', '#6c9a1f'];

let library = null;
function loadLibrary() {
  if (!library) library = import(LIBRARY).then(module => module.default);
  return library;
}

// Charts whose element left the page are destroyed (uPlot listens on the window).
const live = new Set();
function sweep() {
  for (const chart of live) {
    if (!chart.node.isConnected) chart.destroy();
  }
}

// A line chart over time: `series` are labels; update(at_ms, values) draws (values: one array
// per label, aligned with at_ms; null is a gap). The element is `node`; for tests, its
// data-points attribute says how many points are drawn, data-max the largest value, data-span
// the seconds the time axis covers, and data-ready that the chart is drawn.
export class TimeChart {
  constructor({id, title, unit = '', empty = 'No data yet.'}) {
    this.unit = unit;
    this.empty = empty;
    this.plot = null;
    this.labels = null;
    this.area = h('div', {class: 'chart-area'});
    this.node = h('figure', {class: 'chart-box', id}, h('figcaption', {}, title), this.area);
    sweep();
    live.add(this);
  }

  // Shows `text` instead of a chart (no data, an error).
  message(text) {
    this.destroyPlot();
    put(clear(this.area), h('p', {class: 'muted empty'}, text));
    this.node.dataset.points = '0';
  }

  async update(atMs, labels, values) {
    if (!atMs.length) {
      this.message(this.empty);
      return;
    }
    let uPlot;
    try {
      uPlot = await loadLibrary();
    } catch (e) {
      this.message(`The chart library could not be loaded from ${LIBRARY} (${e.message}): ` +
                   'run scripts/install-deps.sh on the metaserver.');
      return;
    }
    // One point (a new topic's first rate): uPlot would stretch the time axis over years;
    // a point without values 5 minutes before it makes the axis show those 5 minutes.
    const single = atMs.length === 1;
    const data = single ? [[atMs[0] / 1000 - 300, atMs[0] / 1000], ...values.map(v => [null, v[0]])]
      : [atMs.map(ms => ms / 1000), ...values];
    this.node.dataset.span = String(Math.round(data[0][data[0].length - 1] - data[0][0]));
    const sameSeries = this.plot && this.labels && this.labels.join('\n') === labels.join('\n');
    if (sameSeries) {
      this.plot.setData(data);
    } else {
      this.destroyPlot();
      clear(this.area);
      this.labels = labels.slice();
      const unit = this.unit;
      const available = this.node.parentElement ? this.node.parentElement.clientWidth : 0;
      const width = available > 400 ? Math.min(1180, available - 40) : 900;
      this.plot = new uPlot({
        width, height: 240,
        scales: {x: {time: true}},
        axes: [{}, {label: unit, size: 70, values: (u, ticks) => ticks.map(compact)}],
        series: [{}, ...labels.map((label, i) => ({
          label, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: false,
          value: (u, v) => (v === null || v === undefined ? '—' : `${formatNumber(round(v))}`),
        }))],
        legend: {live: true},
      }, data, this.area);
    }
    this.node.dataset.points = String(atMs.length);
    this.node.dataset.max = String(Math.max(0, ...values.flat().filter(v => v !== null)));
    this.node.dataset.ready = 'true';
  }

  destroyPlot() {
    if (this.plot) this.plot.destroy();
    this.plot = null;
    this.labels = null;
  }

  destroy() {
    this.destroyPlot();
    live.delete(this);
  }
}

function round(v) {
  return Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 10) / 10;
}

function compact(v) {
  if (v === null || v === undefined) return '';
  const a = Math.abs(v);
  if (a >= 1e9) return `${round(v / 1e9)}G`;
  if (a >= 1e6) return `${round(v / 1e6)}M`;
  if (a >= 1e4) return `${round(v / 1e3)}k`;
  return String(round(v));
}
