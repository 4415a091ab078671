// Past runs: open, delete, and pick two or more to compare.
import { h } from '../dom.js';
import { DASH, integer, localTime, money, percent, ratio, signedPercent, utcTitle } from '../format.js';

/** Callbacks: onOpen(id), onDelete(run), onCompare(ids), onPage(offset), onRefresh(). */
export function createHistory(root, { onOpen, onDelete, onCompare, onPage, onRefresh }) {
  const selected = new Set();
  let data = { runs: [], total: 0, limit: 20, offset: 0 };
  let loading = false;

  const compareButton = h('button', { type: 'button', id: 'compare-runs', text: 'Compare selected', disabled: true,
    on: { click: () => onCompare([...selected]) } });
  const refreshButton = h('button', { type: 'button', class: 'button-quiet', text: 'Refresh', on: { click: () => onRefresh() } });
  const toolbar = h('div', { class: 'toolbar' }, compareButton, refreshButton,
    h('span', { class: 'help', text: 'Select two or more runs to overlay their equity curves.' }));
  const wrap = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Run history' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'History pages' });
  root.replaceChildren(toolbar, wrap, pager);

  function updateCompare() {
    compareButton.disabled = selected.size < 2;
    compareButton.textContent = selected.size ? `Compare selected (${selected.size})` : 'Compare selected';
  }

  function render() {
    const runs = data.runs ?? [];
    if (!runs.length) {
      wrap.replaceChildren(h('p', { class: 'empty', text: loading ? 'Loading…' : 'No runs yet.' }));
    } else {
      const rows = runs.map((r) => {
        const id = r.run_id;
        const box = h('input', { type: 'checkbox', id: `cmp-${id}`, checked: selected.has(id), 'aria-label': `Select run ${id} for comparison`,
          on: { change: (e) => { if (e.target.checked) selected.add(id); else selected.delete(id); updateCompare(); } } });
        const when = r.created_at ?? r.start_time;
        return h('tr', { dataset: { run: id } },
          h('td', {}, box),
          h('th', { scope: 'row' }, h('code', { text: id })),
          h('td', { text: r.strategy_name ?? DASH }),
          h('td', { text: Array.isArray(r.symbols) ? r.symbols.join(', ') : r.symbols ?? DASH }),
          h('td', { text: [r.timeframe, r.exchange].filter(Boolean).join(' · ') || DASH }),
          h('td', { text: r.mode ?? DASH }),
          h('td', {}, h('span', { class: 'status-pill', dataset: { state: r.status ?? '' }, text: r.status ?? DASH })),
          h('td', { title: utcTitle(when), text: localTime(when) }),
          h('td', { class: 'num', text: money(r.final_value) }),
          h('td', { class: 'num', dataset: { sign: String(Math.sign(r.total_return ?? 0)) }, text: signedPercent(r.total_return) }),
          h('td', { class: 'num', text: ratio(r.sharpe_ratio) }),
          h('td', { class: 'num', text: percent(r.max_drawdown) }),
          h('td', { class: 'num', text: integer(r.total_trades) }),
          h('td', { class: 'actions' },
            h('button', { type: 'button', class: 'button-quiet', text: 'Open', 'aria-label': `Open run ${id}`, on: { click: () => onOpen(id) } }),
            h('button', { type: 'button', class: 'button-quiet button-danger-quiet', text: 'Delete', 'aria-label': `Delete run ${id}`, on: { click: () => onDelete(r) } })));
      });
      const cols = ['Compare', 'Run', 'Strategy', 'Symbols', 'Timeframe · exchange', 'Mode', 'Status', 'Created', 'Final value', 'Return', 'Sharpe', 'Max DD', 'Trades', 'Actions'];
      const numericCols = new Set(['Final value', 'Return', 'Sharpe', 'Max DD', 'Trades']);
      wrap.replaceChildren(h('table', { class: 'history', id: 'history-table' },
        h('caption', { text: `Past runs (${integer(data.total)} in total)` }),
        h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', { scope: 'col', class: numericCols.has(c) ? 'num' : null, text: c })))),
        h('tbody', {}, ...rows)));
    }
    const limit = data.limit || 20;
    const offset = data.offset || 0;
    pager.replaceChildren();
    if ((data.total ?? 0) > limit) {
      pager.append(
        h('button', { type: 'button', class: 'button-quiet', text: '\u2039 Newer', disabled: offset === 0, on: { click: () => onPage(Math.max(0, offset - limit)) } }),
        h('span', { class: 'pager-info', text: `${offset + 1}–${Math.min(offset + limit, data.total)} of ${data.total}` }),
        h('button', { type: 'button', class: 'button-quiet', text: 'Older \u203A', disabled: offset + limit >= data.total, on: { click: () => onPage(offset + limit) } }));
    }
    updateCompare();
  }

  render();
  return {
    set loading(v) { loading = v; if (!data.runs?.length) render(); },
    render(next) { data = next ?? data; render(); },
    find(id) { return (data.runs ?? []).find((r) => r.run_id === id); },
    deselect(id) { selected.delete(id); updateCompare(); },
  };
}
