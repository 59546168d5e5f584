// A stacked bar chart in SVG: one bar per time bucket, one colour per series, a legend, and each segment's value in
// its tooltip. Written here rather than taken from a library: the page loads nothing from elsewhere.
import { h, s } from './dom.js';

export const COLOURS = ['#2557a7', '#1d7a46', '#c0622a', '#7b4bb7', '#b3261e', '#11808c', '#8a6d00', '#5f6b7a', '#d14d8b', '#3d8f2f'];

/**
 * @param data {buckets: [epoch ms], series: [{name, values: [number]}]}
 * @param format how a value reads (ticks, tooltips)
 * @param label how a bucket's start reads on the axis
 */
export function stackedBars(data, format, label) {
  const W = 1200, H = 300, left = 70, bottom = 26, top = 10, right = 10;
  const n = data.buckets.length;
  const totals = data.buckets.map((_, i) => data.series.reduce((sum, x) => sum + (x.values[i] || 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotW = W - left - right, plotH = H - top - bottom;
  const barW = plotW / Math.max(1, n);
  const y = v => top + plotH - (max === 0 ? 0 : v / max * plotH);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'chart' });
  for (let t = 0; t <= 4; t++) {
    const v = max * t / 4;
    svg.append(s('line', { x1: left, x2: W - right, y1: y(v), y2: y(v), stroke: '#dde3ea' }),
      s('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#5f6b7a' }, format(v)));
  }
  data.buckets.forEach((b, i) => {
    let base = 0;
    data.series.forEach((x, k) => {
      const v = x.values[i] || 0;
      if (v > 0) {
        svg.append(s('rect', { x: left + i * barW + barW * 0.12, width: barW * 0.76, y: y(base + v), height: y(base) - y(base + v),
          fill: COLOURS[k % COLOURS.length], class: 'bar' }, s('title', {}, `${x.name} · ${label(b)} · ${format(v)}`)));
      }
      base += v;
    });
    if (n <= 12 || i % Math.ceil(n / 12) === 0) {
      svg.append(s('text', { x: left + i * barW + barW / 2, y: H - 8, 'text-anchor': 'middle', 'font-size': 11, fill: '#5f6b7a' }, label(b)));
    }
  });
  const legend = h('div', { class: 'legend' }, data.series.map((x, k) => h('span', {},
    h('i', { class: 'swatch-' + (k % COLOURS.length) }), x.name)));
  return h('div', { class: 'chart' }, svg, legend);
}

function niceMax(v) {
  if (v <= 0) return 0;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}
