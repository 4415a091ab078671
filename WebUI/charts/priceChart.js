// Price candles for the run's first symbol, with buy/sell fill markers.
import { TimeChart } from './timeChart.js';
import { axis, price, quantity, toMs } from '../format.js';

const fmt = (v, step) => (step ? axis(v, step) : price(v));

export function createPriceChart(host) {
  const chart = new TimeChart(host, {
    label: 'Price chart: candles for the first symbol with buy (up triangle) and sell (down triangle) markers',
    emptyText: 'Price candles appear once a run has data',
    panels: [{ id: 'price', weight: 1, format: fmt, series: [
      { id: 'candles', kind: 'candles', name: 'Price' },
      { id: 'markers', kind: 'markers', name: 'Fills' },
    ] }],
  });
  return {
    chart,
    /** rows: [[timestamp_ms, open, high, low, close, volume], …] */
    setCandles(rows) {
      const d = { xs: [], o: [], h: [], l: [], c: [] };
      const sorted = [...(rows ?? [])].filter((r) => Array.isArray(r) && r.length >= 5).sort((a, b) => a[0] - b[0]);
      for (const r of sorted) { d.xs.push(Number(r[0])); d.o.push(+r[1]); d.h.push(+r[2]); d.l.push(+r[3]); d.c.push(+r[4]); }
      chart.setData('candles', d);
    },
    /** fills: [{ time, price, side, quantity? }] */
    setMarkers(fills) {
      const d = { xs: [], ys: [], sides: [], labels: [] };
      const rows = fills.map((f) => ({ ...f, t: toMs(f.time) })).filter((f) => Number.isFinite(f.t) && Number.isFinite(f.price)).sort((a, b) => a.t - b.t);
      for (const f of rows) {
        d.xs.push(f.t); d.ys.push(f.price); d.sides.push(f.side);
        d.labels.push(`${f.side === 'buy' ? '\u25B2 Buy' : '\u25BC Sell'} ${f.quantity !== undefined && f.quantity !== null ? `${quantity(f.quantity)} ` : ''}@ ${price(f.price)}`);
      }
      chart.setData('markers', d);
    },
    clear: () => chart.clear(),
  };
}
