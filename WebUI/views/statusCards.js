// Live status cards and the backtest progress bar.
import { h } from '../dom.js';
import { DASH, duration, integer, isNum, money, percent, sign, signedMoney, localTime, utcTitle } from '../format.js';

const CARDS = [
  ['status', 'Status'], ['mode', 'Mode'], ['run_id', 'Run ID'], ['runtime', 'Runtime'],
  ['cash', 'Cash'], ['value', 'Value'], ['pnl', 'P&L'], ['trade_count', 'Trades'],
];

export function createStatusCards(root) {
  const values = {};
  const cards = CARDS.map(([key, label]) => {
    values[key] = h('dd', { id: `card-${key.replace('_', '-')}`, class: 'card-value', text: DASH });
    return h('div', { class: `card card-${key}` }, h('dt', { text: label }), values[key]);
  });
  const bar = h('progress', { id: 'run-progress', max: '1', value: '0', 'aria-labelledby': 'run-progress-label' });
  const barLabel = h('span', { id: 'run-progress-label', text: 'Backtest progress' });
  const barText = h('span', { class: 'progress-text', id: 'run-progress-text' });
  const progress = h('div', { class: 'progress', hidden: true }, barLabel, bar, barText);
  const error = h('p', { class: 'run-error', hidden: true });
  const times = h('p', { class: 'run-times help' });
  root.replaceChildren(h('dl', { class: 'cards' }, ...cards), progress, error, times);

  return function render(s) {
    const status = s?.status ?? 'idle';
    values.status.textContent = status;
    values.status.dataset.state = status;
    values.mode.textContent = s?.mode ?? DASH;
    values.run_id.textContent = s?.run_id ?? DASH;
    values.run_id.title = s?.run_id ?? '';
    values.runtime.textContent = isNum(s?.runtime_seconds) ? duration(s.runtime_seconds) : DASH;
    values.cash.textContent = money(s?.cash);
    values.value.textContent = money(s?.value);
    values.pnl.textContent = signedMoney(s?.pnl);
    values.pnl.dataset.sign = String(sign(s?.pnl));
    values.trade_count.textContent = integer(s?.trade_count);
    const showProgress = s?.mode === 'backtest' && (isNum(s?.progress) || isNum(s?.bars_processed)) && status !== 'idle';
    progress.hidden = !showProgress;
    if (showProgress) {
      const p = isNum(s.progress) ? Math.min(1, Math.max(0, s.progress)) : null;
      if (p === null) bar.removeAttribute('value'); else bar.value = p;
      const bars = isNum(s.bars_processed) ? `${integer(s.bars_processed)}${isNum(s.total_bars) ? ` / ${integer(s.total_bars)}` : ''} bars` : '';
      barText.textContent = [p === null ? null : percent(p, 0), bars].filter(Boolean).join(' · ');
    }
    error.hidden = !s?.error;
    error.textContent = s?.error ? `Run error: ${typeof s.error === 'string' ? s.error : s.error.message ?? JSON.stringify(s.error)}` : '';
    times.replaceChildren();
    if (s?.start_time) {
      times.append('Started ', h('time', { datetime: s.start_time, title: utcTitle(s.start_time), text: localTime(s.start_time) }));
      if (s.end_time) times.append(' · ended ', h('time', { datetime: s.end_time, title: utcTitle(s.end_time), text: localTime(s.end_time) }));
      if (s.strategy_name) times.append(` · ${s.strategy_name}`);
      if (Array.isArray(s.symbols) && s.symbols.length) times.append(` · ${s.symbols.join(', ')}`);
      if (s.timeframe) times.append(` · ${s.timeframe}`);
      if (s.exchange) times.append(` · ${s.exchange}`);
    }
  };
}
