// Several runs' equity curves, each normalised to 1.0 at its first point, on one chart.
// Colours and dash patterns both differ, so lines stay distinguishable without colour.
import { TimeChart } from './timeChart.js';
import { number, toMs } from '../format.js';

const DASHES = [[], [6, 3], [2, 3], [8, 3, 2, 3], [1, 2], [12, 4]];

export const compareStyle = (i) => ({ color: `--cmp-${(i % 6) + 1}`, dash: DASHES[i % DASHES.length] });

/** True when the runs' time ranges mostly overlap (then calendar time is the natural x axis). */
function overlapping(runs) {
  const ranges = runs.map((r) => r.curve.map((p) => toMs(p.timestamp)).filter(Number.isFinite)).filter((xs) => xs.length)
    .map((xs) => [Math.min(...xs), Math.max(...xs)]);
  if (ranges.length < 2) return true;
  const lo = Math.max(...ranges.map((r) => r[0])), hi = Math.min(...ranges.map((r) => r[1]));
  const union = Math.max(...ranges.map((r) => r[1])) - Math.min(...ranges.map((r) => r[0]));
  return union > 0 && (hi - lo) / union >= 0.5;
}

/**
 * runs: [{ id, name, curve: [{timestamp, value}] }]. Runs over the same period share a date axis;
 * otherwise each is drawn against the time since its own start.
 */
export function drawCompare(host, runs) {
  const elapsed = !overlapping(runs);
  const chart = new TimeChart(host, {
    elapsed,
    label: `Equity comparison of ${runs.length} runs, normalised to 1.0 at start`,
    emptyText: 'Select two or more runs to compare',
    panels: [{ id: 'cmp', weight: 1, title: elapsed ? 'Normalised equity vs. time since start' : 'Normalised equity', format: (v, step) => number(v, step ? Math.max(0, Math.ceil(-Math.log10(step))) : 4), series:
      runs.map((r, i) => ({ id: r.id, kind: 'line', name: r.name, width: 1.75, ...compareStyle(i) })) }],
  });
  for (const r of runs) {
    const xs = [], ys = [];
    let base = null;
    let origin = null;
    for (const pt of r.curve) {
      let t = toMs(pt.timestamp);
      const v = Number(pt.value);
      if (!Number.isFinite(t) || !Number.isFinite(v)) continue;
      if (base === null) { if (v === 0) continue; base = v; origin = t; }
      if (elapsed) t -= origin;
      if (xs.length && t < xs[xs.length - 1]) continue;
      xs.push(t); ys.push(v / base);
    }
    chart.setData(r.id, { xs, ys });
  }
  return chart;
}
