// The run document behind the charts and tables (the /results shape), and what is derived from it.
import { toMs } from './format.js';

export const list = (v) => (Array.isArray(v) ? v : []);

/** A results document with every list present. */
export function normalize(doc) {
  return { ...doc, orders: list(doc?.orders), trades: list(doc?.trades), positions: list(doc?.positions), equity_curve: list(doc?.equity_curve) };
}

/** A document for a run that has just started, filled in by stream events. */
export function emptyDoc(status) {
  return normalize({
    run_id: status.run_id, status: status.status, mode: status.mode,
    config: { symbols: status.symbols, timeframe: status.timeframe, exchange: status.exchange, strategy_name: status.strategy_name },
    performance_metrics: null,
  });
}

/** Symbol, timeframe, exchange and time range of a run, for the candles request. */
export function runContext(doc, status, lastRange) {
  if (!doc) return null;
  const sameRun = status && status.run_id === doc.run_id;
  const config = doc.config ?? {};
  const symbol = list(config.symbols)[0] ?? list(doc.symbols)[0] ?? (sameRun ? list(status.symbols)[0] : undefined);
  const timeframe = config.timeframe ?? doc.timeframe ?? (sameRun ? status.timeframe : undefined);
  const exchange = config.exchange ?? doc.exchange ?? (sameRun ? status.exchange : undefined);
  const curve = doc.equity_curve;
  const first = curve.length ? toMs(curve[0].timestamp) : NaN;
  const last = curve.length ? toMs(curve[curve.length - 1].timestamp) : NaN;
  const range = lastRange?.run_id === doc.run_id ? lastRange : {};
  const mode = doc.mode ?? config.mode ?? (sameRun ? status.mode : undefined);
  const backtest = mode === 'backtest' || (mode === undefined && (config.start_date || range.start));
  let start = backtest ? toMs(config.start_date ?? config.start ?? range.start) : NaN;
  let end = backtest ? toMs(config.end_date ?? config.end ?? range.end) : NaN;
  if (!Number.isFinite(start)) start = first;
  if (!Number.isFinite(end)) end = last;
  if (!symbol || !timeframe || !exchange || !Number.isFinite(start) || !Number.isFinite(end) || end <= start) return null;
  return { symbol, timeframe, exchange, start: new Date(start).toISOString(), end: new Date(end).toISOString() };
}

/** Fill markers for the first symbol: from orders that filled, else from trades' entries and exits. */
export function fills(doc) {
  const symbol = list(doc?.config?.symbols)[0] ?? list(doc?.symbols)[0];
  const sameSymbol = (row) => !symbol || !row.symbol || row.symbol === symbol;
  const num = (v) => (v === null || v === undefined || v === '' ? NaN : Number(v));
  const out = [];
  for (const o of doc?.orders ?? []) {
    const filled = num(o.filled_quantity ?? o.filled);
    if (!sameSymbol(o) || !(filled > 0 || o.status === 'filled')) continue;
    out.push({
      side: String(o.side).toLowerCase(),
      price: num(o.average_fill_price ?? o.fill_price ?? o.average ?? o.price),
      time: o.fill_time ?? o.filled_time ?? o.updated_time ?? o.timestamp ?? o.created_time,
      quantity: Number.isFinite(filled) ? filled : o.quantity,
      // Pine script runs: the order id is the script's signal name (strategy.entry's id …).
      signal: doc?.script && o.client_order_id ? String(o.client_order_id) : undefined,
    });
  }
  if (out.length) return out;
  for (const t of doc?.trades ?? []) {
    if (!sameSymbol(t)) continue;
    const entrySide = String(t.side ?? 'buy').toLowerCase() === 'sell' ? 'sell' : 'buy';
    const exitSide = entrySide === 'buy' ? 'sell' : 'buy';
    out.push({ side: entrySide, price: num(t.entry_price ?? t.price), time: t.entry_time ?? t.timestamp, quantity: t.quantity });
    if (t.exit_time) out.push({ side: exitSide, price: num(t.exit_price), time: t.exit_time, quantity: t.quantity });
  }
  return out;
}

/** Replaces the row with the same id, or appends. */
export function upsert(rows, row) {
  const key = row.id ?? row.order_id ?? row.client_order_id ?? row.trade_id;
  const i = key === undefined ? -1 : rows.findIndex((r) => (r.id ?? r.order_id ?? r.client_order_id ?? r.trade_id) === key);
  if (i >= 0) rows[i] = { ...rows[i], ...row }; else rows.push(row);
}

