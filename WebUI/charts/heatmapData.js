// Heatmap aggregation for sweeps: the objective over two swept parameters, every other parameter
// (and symbol, fold) maximised over. Pure functions, no DOM, so they can be checked in Node.

const isNumber = (v) => typeof v === 'number' && Number.isFinite(v);

/** Orders parameter values: numbers numerically, then booleans, then text. */
export function compareValues(a, b) {
  const rank = (v) => (typeof v === 'number' ? 0 : typeof v === 'boolean' ? 1 : 2);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (typeof a === 'number') return a - b;
  if (typeof a === 'boolean') return Number(a) - Number(b);
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/** A stable key for one parameter value (so 1 and "1" stay apart). */
const valueKey = (v) => `${typeof v}:${String(v)}`;

/**
 * `cells`: sweep cells ({id, parameters, symbol, role, fold, status, objective}). `filter`:
 * optional `{symbol, role, fold}` (undefined/null/'' = any). Returns
 * `{ xs, ys, values, best, min, max, count }`: `xs`/`ys` the distinct values (sorted),
 * `values[row][col]` the largest objective at (ys[row], xs[col]) or null, `best[row][col]` the cell
 * that reached it, `min`/`max` over the grid (null when empty), `count` the cells used.
 */
export function heatmapGrid(cells, xName, yName, filter = {}) {
  const want = (key, v) => filter[key] === undefined || filter[key] === null || filter[key] === '' || filter[key] === v;
  const used = (cells ?? []).filter((c) => c && c.parameters
    && Object.hasOwn(c.parameters, xName) && Object.hasOwn(c.parameters, yName)
    && want('symbol', c.symbol) && want('role', c.role) && want('fold', c.fold));
  const distinct = (name) => {
    const seen = new Map();
    for (const c of used) {
      const v = c.parameters[name];
      if (!seen.has(valueKey(v))) seen.set(valueKey(v), v);
    }
    return [...seen.values()].sort(compareValues);
  };
  const xs = distinct(xName);
  const ys = distinct(yName);
  const xIndex = new Map(xs.map((v, i) => [valueKey(v), i]));
  const yIndex = new Map(ys.map((v, i) => [valueKey(v), i]));
  const values = ys.map(() => xs.map(() => null));
  const best = ys.map(() => xs.map(() => null));
  let min = null, max = null, count = 0;
  for (const c of used) {
    if (c.status !== undefined && c.status !== 'ok') continue;
    if (!isNumber(c.objective)) continue;
    const col = xIndex.get(valueKey(c.parameters[xName]));
    const row = yIndex.get(valueKey(c.parameters[yName]));
    count += 1;
    const current = values[row][col];
    // Ties go to the smaller cell id, as the sweep's own ranking does.
    if (current === null || c.objective > current || (c.objective === current && String(c.id) < String(best[row][col].id))) {
      values[row][col] = c.objective;
      best[row][col] = c;
    }
  }
  for (const row of values) for (const v of row) {
    if (v === null) continue;
    min = min === null ? v : Math.min(min, v);
    max = max === null ? v : Math.max(max, v);
  }
  return { xs, ys, values, best, min, max, count };
}

/** Position of `v` in [min, max] as 0…1 (0.5 when the range is a single value). */
export function normalise(v, min, max) {
  if (!isNumber(v) || !isNumber(min) || !isNumber(max)) return null;
  if (max === min) return 0.5;
  return Math.min(1, Math.max(0, (v - min) / (max - min)));
}

// A perceptually ordered ramp (viridis, sampled): readable in light and dark themes and for the
// common colour-vision deficiencies.
const RAMP = [
  [68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
  [31, 158, 137], [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37],
];

/** `[r, g, b]` for t in 0…1 (low → high objective). */
export function rampColor(t) {
  const x = Math.min(1, Math.max(0, Number(t) || 0)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  return RAMP[i].map((c, k) => Math.round(c + (RAMP[i + 1][k] - c) * f));
}

/** The swept parameters (those with a list or range) of a sweep config's `parameters`. */
export function sweptNames(parameters) {
  return Object.entries(parameters ?? {})
    .filter(([, spec]) => Array.isArray(spec) || (spec !== null && typeof spec === 'object'))
    .map(([name]) => name).sort();
}
