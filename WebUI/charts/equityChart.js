// Equity curve with a drawdown panel beneath (drawdown = value / running max − 1).
// Live runs append points one by one; the running peak is kept so each append is O(1).
import { TimeChart } from './timeChart.js';
import { axis, money, percent, toMs } from '../format.js';

export function createEquityChart(host) {
  const chart = new TimeChart(host, {
    label: 'Equity curve with drawdown panel',
    emptyText: 'The equity curve appears once a run has data',
    panels: [
      { id: 'equity', weight: 3, title: 'Equity', format: (v, step) => (step ? axis(v, step) : money(v)), series: [
        { id: 'value', kind: 'line', name: 'Value', color: '--chart-line', width: 1.75 },
      ] },
      { id: 'drawdown', weight: 1.3, title: 'Drawdown', includeZero: true,
        format: (v, step) => (step ? `${axis(v * 100, step * 100)}%` : percent(v)), series: [
          { id: 'drawdown', kind: 'area', name: 'Drawdown', color: '--chart-down' },
        ] },
    ],
  });
  let peak = -Infinity;
  let count = 0;

  function add(point) {
    const t = toMs(point.timestamp);
    const value = Number(point.value);
    if (!Number.isFinite(t) || !Number.isFinite(value)) return;
    peak = Math.max(peak, value);
    chart.append('value', t, value);
    chart.append('drawdown', t, peak > 0 ? value / peak - 1 : 0);
    count += 1;
  }

  return {
    chart,
    get count() { return count; },
    /** points: [{ timestamp, value, cash, pnl }] */
    setCurve(points) {
      chart.clear();
      peak = -Infinity;
      count = 0;
      const value = { xs: [], ys: [] }, dd = { xs: [], ys: [] };
      for (const pt of points ?? []) {
        const t = toMs(pt.timestamp);
        const v = Number(pt.value);
        if (!Number.isFinite(t) || !Number.isFinite(v)) continue;
        if (value.xs.length && t < value.xs[value.xs.length - 1]) continue;
        peak = Math.max(peak, v);
        value.xs.push(t); value.ys.push(v);
        dd.xs.push(t); dd.ys.push(peak > 0 ? v / peak - 1 : 0);
        count += 1;
      }
      chart.setData('value', value);
      chart.setData('drawdown', dd);
    },
    append: add,
    /** The time range covered, or null. */
    range() {
      const xs = chart.series.get('value').data.xs;
      return xs.length ? { start: xs[0], end: xs[xs.length - 1] } : null;
    },
    clear() { peak = -Infinity; count = 0; chart.clear(); },
  };
}
