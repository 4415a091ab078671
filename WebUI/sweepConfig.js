// Sweep configs from form values: parameter specs (fixed value, list, from/to/step range), the
// grid size they imply, and which form field a server error's `details.field` belongs to.
// Pure functions, no DOM, so they can be checked in Node.

export const SEARCH_METHODS = ['grid', 'random', 'halton', 'tpe'];
export const OBJECTIVES = ['sharpe_ratio', 'sortino_ratio', 'calmar_ratio', 'profit_factor', 'total_return', 'cagr',
  'win_rate', 'expectancy', 'net_profit', 'max_drawdown'];
export const WF_SPAN = /^\d+(\.\d+)?[smhdw]?$/;

/** One typed value from text, by the schema type; `{ value }` or `{ error }`. */
export function parseValue(text, p) {
  const raw = String(text ?? '').trim();
  if (p.type === 'int' || p.type === 'float') {
    if (raw === '') return { error: `${p.name}: enter a number` };
    const n = Number(raw);
    if (!Number.isFinite(n)) return { error: `${p.name}: ${raw} is not a number` };
    if (p.type === 'int' && !Number.isInteger(n)) return { error: `${p.name}: ${raw} is not a whole number` };
    if (p.min !== null && p.min !== undefined && n < p.min) return { error: `${p.name}: ${raw} is below the minimum ${p.min}` };
    if (p.max !== null && p.max !== undefined && n > p.max) return { error: `${p.name}: ${raw} is above the maximum ${p.max}` };
    return { value: n };
  }
  if (p.type === 'bool') {
    if (/^(true|yes|1)$/i.test(raw)) return { value: true };
    if (/^(false|no|0)$/i.test(raw)) return { value: false };
    return { error: `${p.name}: use true or false` };
  }
  if (p.type === 'enum' && p.choices && !p.choices.map(String).includes(raw)) {
    return { error: `${p.name}: must be one of ${p.choices.join(', ')}` };
  }
  if (p.type === 'enum') return { value: p.choices.find((c) => String(c) === raw) ?? raw };
  return { value: raw };
}

/**
 * `entry`: `{ mode: 'fixed'|'list'|'range', value, list, from, to, step }` (text as typed).
 * Returns `{ spec }` (the config's form: a value, an array, or {from, to, step}) or `{ error }`.
 */
export function parameterSpec(p, entry) {
  if (entry.mode === 'list') {
    const parts = String(entry.list ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (!parts.length) return { error: `${p.name}: list at least one value, separated by commas` };
    const values = [];
    for (const part of parts) {
      const r = parseValue(part, p);
      if (r.error) return r;
      if (!values.some((v) => v === r.value)) values.push(r.value);
    }
    return { spec: values };
  }
  if (entry.mode === 'range') {
    if (p.type !== 'int' && p.type !== 'float') return { error: `${p.name}: a range needs a numeric parameter` };
    const bounds = {};
    for (const key of ['from', 'to', 'step']) {
      const raw = String(entry[key] ?? '').trim();
      const n = Number(raw);
      if (raw === '' || !Number.isFinite(n)) return { error: `${p.name}: ${key} must be a number` };
      bounds[key] = n;
    }
    if (!(bounds.step > 0)) return { error: `${p.name}: step must be greater than 0` };
    if (bounds.to < bounds.from) return { error: `${p.name}: to must not be below from` };
    for (const key of ['from', 'to']) {
      const r = parseValue(String(bounds[key]), p);
      if (r.error) return r;
    }
    if (p.type === 'int' && !Number.isInteger(bounds.step)) return { error: `${p.name}: step must be a whole number` };
    return { spec: bounds };
  }
  // An optional parameter (no default) left empty is not sent: the strategy runs without it.
  if ((p.default === null || p.default === undefined) && String(entry.value ?? '').trim() === '') return { spec: undefined };
  const r = parseValue(entry.value, p);
  return r.error ? r : { spec: r.value };
}

/** How many values a spec stands for (range: from, from+step, …, ≤ to). */
export function valueCount(spec) {
  if (Array.isArray(spec)) return spec.length;
  if (spec !== null && typeof spec === 'object') {
    const { from, to, step } = spec;
    if (!(step > 0) || to < from) return 0;
    return Math.floor((to - from) / step + 1e-9) + 1;
  }
  return 1;
}

/** Grid points before constraints: the product of every parameter's value count. */
export function gridPoints(parameters) {
  return Object.values(parameters ?? {}).reduce((n, spec) => n * valueCount(spec), 1);
}

const TOP_FIELDS = {
  name: 'sw-name', strategy: 'sw-strategy', symbols: 'sw-symbols', timeframe: 'sw-timeframe', exchange: 'sw-exchange',
  start: 'sw-start', end: 'sw-end', initial_cash: 'sw-cash', constraints: 'sw-constraints', objective: 'sw-objective',
  search: 'sw-method', min_trades: 'sw-min-trades', parameters: 'sw-params',
};
const SEARCH_FIELDS = { method: 'sw-method', samples: 'sw-samples', seed: 'sw-seed' };
const WF_FIELDS = { train: 'sw-wf-train', test: 'sw-wf-test', step: 'sw-wf-step', holdout: 'sw-wf-holdout', mode: 'sw-wf-mode', top_k: 'sw-wf-top-k' };

/**
 * The form control id for a server error's `details.field` (`parameters.fast_period.step`,
 * `search.samples`, `walk_forward.train`, `constraints[0]`, …), or null when the form has none.
 */
export function fieldIdFor(field) {
  if (typeof field !== 'string' || !field) return null;
  const parts = field.replace(/\[\d+\]/g, '').split('.');
  const [top, second] = parts;
  if (top === 'parameters' && second) return `sp-${second}`;
  if (top === 'search') return SEARCH_FIELDS[second] ?? 'sw-method';
  if (top === 'walk_forward') return WF_FIELDS[second] ?? 'sw-wf-enabled';
  return TOP_FIELDS[top] ?? null;
}

/** Where a sweep-specific 422 without a field is shown. */
export function fieldIdForCode(code) {
  if (code === 'SWEEP_EMPTY') return 'sw-constraints';
  if (code === 'SWEEP_TOO_LARGE') return 'sw-params';
  return null;
}

/**
 * The POST /run/backtest body that reruns one sweep cell as an ordinary run: the cell's strategy,
 * parameters (over the config's fixed ones), symbol, exchange, timeframe and window.
 */
export function backtestBodyForCell(sweep, cell) {
  const config = sweep?.config ?? {};
  const fixed = Object.fromEntries(Object.entries(config.parameters ?? {})
    .filter(([, spec]) => spec === null || typeof spec !== 'object'));
  const body = {
    strategy_name: config.strategy ?? sweep?.strategy,
    strategy_params: { ...fixed, ...(cell.parameters ?? {}) },
    symbols: [cell.symbol],
    timeframe: sweep?.timeframe ?? config.timeframe,
    exchange: sweep?.exchange ?? config.exchange ?? 'sim',
    start_date: cell.window?.start ?? null,
    end_date: cell.window?.end ?? null,
  };
  for (const key of ['initial_cash', 'commission', 'slippage_bps']) if (typeof config[key] === 'number') body[key] = config[key];
  return body;
}
