// Price candles for the run's first symbol, with buy/sell fill markers (named by their signal for
// Pine script runs) and a script's plot() series: on the price panel for `overlay=true` scripts,
// in a pane below otherwise.
import { TimeChart } from './timeChart.js';
import { axis, price, quantity, toMs } from '../format.js';

const fmt = (v, step) => (step ? axis(v, step) : price(v));
const plain = (v, step) => (step ? axis(v, step) : String(Math.round(v * 1e6) / 1e6));
const MAX_PLOTS = 6;

function build(host, overlays, pane) {
  const line = (plot, i, prefix) => ({ id: `${prefix}-${i}`, kind: 'line', name: plot.title, color: `--cmp-${(i % 6) + 1}`, width: 1.5 });
  const panels = [{ id: 'price', weight: 3, format: fmt, series: [
    { id: 'candles', kind: 'candles', name: 'Price' },
    ...overlays.map((p, i) => line(p, i, 'overlay')),
    { id: 'markers', kind: 'markers', name: 'Fills' },
  ] }];
  if (pane.length) panels.push({ id: 'pane', weight: 1.4, title: 'Script', format: plain, series: pane.map((p, i) => line(p, i, 'pane')) });
  return new TimeChart(host, {
    label: 'Price chart: candles for the first symbol with buy (up triangle) and sell (down triangle) markers'
      + (overlays.length || pane.length ? ', and the script\u2019s plots' : ''),
    emptyText: 'Price candles appear once a run has data',
    panels,
  });
}

export function createPriceChart(host) {
  let layout = '';
  let overlays = [];
  let pane = [];
  let chart = build(host, overlays, pane);
  let candles = null;
  let markers = null;

  function lineData(plot) {
    const d = { xs: [], ys: [] };
    for (const point of plot.points ?? []) {
      if (!Array.isArray(point) || point[1] === null || point[1] === undefined) continue;
      d.xs.push(Number(point[0]));
      d.ys.push(Number(point[1]));
    }
    return d;
  }

  const api = {
    get chart() { return chart; },
    /** rows: [[timestamp_ms, open, high, low, close, volume], …] */
    setCandles(rows) {
      const d = { xs: [], o: [], h: [], l: [], c: [] };
      const sorted = [...(rows ?? [])].filter((r) => Array.isArray(r) && r.length >= 5).sort((a, b) => a[0] - b[0]);
      for (const r of sorted) { d.xs.push(Number(r[0])); d.o.push(+r[1]); d.h.push(+r[2]); d.l.push(+r[3]); d.c.push(+r[4]); }
      candles = d;
      chart.setData('candles', d);
    },
    /** fills: [{ time, price, side, quantity?, signal? }] */
    setMarkers(fills) {
      const d = { xs: [], ys: [], sides: [], labels: [] };
      const rows = fills.map((f) => ({ ...f, t: toMs(f.time) })).filter((f) => Number.isFinite(f.t) && Number.isFinite(f.price)).sort((a, b) => a.t - b.t);
      for (const f of rows) {
        d.xs.push(f.t); d.ys.push(f.price); d.sides.push(f.side);
        const what = f.signal ? `${f.side === 'buy' ? '\u25B2' : '\u25BC'} ${f.signal}` : (f.side === 'buy' ? '\u25B2 Buy' : '\u25BC Sell');
        d.labels.push(`${what} ${f.quantity !== undefined && f.quantity !== null ? `${quantity(f.quantity)} ` : ''}@ ${price(f.price)}`);
      }
      markers = d;
      chart.setData('markers', d);
    },
    /** plots: the results' `plots` ([{ title, overlay, points: [[ms, value|null], …] }]), or none. */
    setPlots(plots) {
      const list = Array.isArray(plots) ? plots.slice(0, MAX_PLOTS) : [];
      const nextOverlays = list.filter((p) => p.overlay !== false);
      const nextPane = list.filter((p) => p.overlay === false);
      const nextLayout = `${nextOverlays.map((p) => p.title).join('\u0000')}|${nextPane.map((p) => p.title).join('\u0000')}`;
      if (nextLayout !== layout) {
        layout = nextLayout;
        overlays = nextOverlays;
        pane = nextPane;
        chart.destroy();
        chart = build(host, overlays, pane);
        if (candles) chart.setData('candles', candles);
        if (markers) chart.setData('markers', markers);
      }
      nextOverlays.forEach((p, i) => chart.setData(`overlay-${i}`, lineData(p)));
      nextPane.forEach((p, i) => chart.setData(`pane-${i}`, lineData(p)));
      host.dataset.plots = String(list.length);
    },
    clear: () => chart.clear(),
  };
  return api;
}
