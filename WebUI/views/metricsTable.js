// The performance metrics table: known metrics in a fixed order with definitions, unknown keys after.
import { h } from '../dom.js';
import { DASH, humanize, integer, isNum, money, number, percent, ratio } from '../format.js';

export const METRICS = {
  total_return: ['Total return', 'percent', 'Final value divided by initial cash, minus 1.'],
  final_value: ['Final value', 'money', 'Cash plus the market value of open positions at the end of the run.'],
  cagr: ['CAGR', 'percent', 'Compound annual growth rate: the yearly return that compounds to the total return over the run length.'],
  sharpe_ratio: ['Sharpe ratio', 'ratio', 'Mean per-bar return divided by its standard deviation, annualised.'],
  sortino_ratio: ['Sortino ratio', 'ratio', 'Like Sharpe, but divides by the downside deviation (losing bars only).'],
  max_drawdown: ['Max drawdown', 'percent', 'Largest peak-to-trough fall of the equity curve, as a fraction of the peak.'],
  max_drawdown_duration: ['Max drawdown duration', 'bars', 'Longest run of consecutive equity points below the running peak, in bars.'],
  calmar_ratio: ['Calmar ratio', 'ratio', 'CAGR divided by max drawdown.'],
  total_trades: ['Total trades', 'integer', 'Closed round trips.'],
  open_trades: ['Open trades', 'integer', 'Round trips still open at the end of the run.'],
  winning_trades: ['Winning trades', 'integer', 'Closed trades with positive P&L.'],
  losing_trades: ['Losing trades', 'integer', 'Closed trades with zero or negative P&L.'],
  win_rate: ['Win rate', 'percent', 'Winning trades divided by closed trades.'],
  profit_factor: ['Profit factor', 'ratio', 'Sum of winning P&L divided by the absolute sum of losing P&L.'],
  avg_win: ['Average win', 'money', 'Mean P&L of winning trades.'],
  avg_loss: ['Average loss', 'money', 'Mean P&L of losing trades.'],
  expectancy: ['Expectancy', 'money', 'Mean P&L per closed trade.'],
  best_trade: ['Best trade', 'money', 'Highest P&L of a closed trade.'],
  worst_trade: ['Worst trade', 'money', 'Lowest P&L of a closed trade.'],
  exposure: ['Exposure', 'percent', 'Fraction of bars with an open position.'],
  total_fees: ['Total fees', 'money', 'Commission paid on all fills.'],
};

/** Metrics whose sign is good or bad news, coloured (the minus sign is always shown too). */
const SIGNED = new Set(['total_return', 'cagr', 'expectancy', 'avg_win', 'avg_loss', 'best_trade', 'worst_trade']);

export function formatMetric(key, value) {
  if (!isNum(value)) return DASH;
  const kind = METRICS[key]?.[1];
  switch (kind) {
    case 'percent': return percent(value);
    case 'money': return money(value);
    case 'ratio': return ratio(value);
    case 'integer': return integer(value);
    case 'bars': return `${integer(value)} bars`;
    default: return Number.isInteger(value) ? integer(value) : number(value, 4);
  }
}

export function renderMetrics(root, metrics, { caption = 'Performance metrics', pending = false } = {}) {
  if (!metrics || typeof metrics !== 'object' || !Object.keys(metrics).length) {
    root.replaceChildren(h('p', { class: 'empty', text: pending ? 'Metrics appear when the run finishes.' : 'No results yet. Start a run or open one from the history.' }));
    return;
  }
  const keys = [...Object.keys(METRICS).filter((k) => k in metrics), ...Object.keys(metrics).filter((k) => !(k in METRICS))];
  const definitions = h('div', { hidden: true });
  const rows = keys.map((key) => {
    const [label, kind, definition] = METRICS[key] ?? [humanize(key), 'number', 'Metric reported by the engine.'];
    const value = metrics[key];
    const descId = `metric-def-${key}`;
    definitions.append(h('span', { id: descId, text: definition }));
    const signed = SIGNED.has(key) && isNum(value) ? Math.sign(value) : 0;
    return h('tr', { dataset: { metric: key } },
      h('th', { scope: 'row', title: definition, 'aria-describedby': descId, text: label }),
      h('td', { class: 'num', dataset: { sign: String(signed) }, text: formatMetric(key, value),
        'aria-label': isNum(value) ? null : 'not available' }));
  });
  root.replaceChildren(h('table', { class: 'metrics', id: 'metrics-table' },
    h('caption', { text: caption }),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Metric' }), h('th', { scope: 'col', class: 'num', text: 'Value' }))),
    h('tbody', {}, ...rows)), definitions);
}
