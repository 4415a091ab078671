// The sweeps (GET /sweeps, newest first): open one, stop a running one, delete a finished one.
import { h } from '../dom.js';
import { DASH, integer, localTime, number, utcTitle } from '../format.js';

export const objectiveName = (objective) => (typeof objective === 'string' ? objective
  : objective?.weights ? Object.entries(objective.weights).map(([k, w]) => `${w}\u00b7${k}`).join(' + ') : DASH);

/** Callbacks: onOpen(id), onStop(entry), onDelete(entry), onPage(offset), onRefresh(). */
export function createSweepList(root, { onOpen, onStop, onDelete, onPage, onRefresh }) {
  let data = { sweeps: [], total: 0, limit: 20, offset: 0 };
  let loading = false;
  let selectedId = null;

  const refreshButton = h('button', { type: 'button', class: 'button-quiet', id: 'sweeps-refresh', text: 'Refresh', on: { click: () => onRefresh() } });
  const wrap = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Sweeps' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Sweep list pages' });
  root.replaceChildren(h('div', { class: 'toolbar' }, refreshButton), wrap, pager);

  function progressText(p) {
    if (!p || !p.total) return DASH;
    return `${integer(p.done)} / ${integer(p.total)}`;
  }

  function render() {
    const sweeps = data.sweeps ?? [];
    if (!sweeps.length) {
      wrap.replaceChildren(h('p', { class: 'empty', text: loading ? 'Loading\u2026' : 'No sweeps yet.' }));
    } else {
      const rows = sweeps.map((s) => {
        const id = s.sweep_id;
        const running = s.status === 'running';
        return h('tr', { dataset: { sweep: id }, class: id === selectedId ? 'selected' : null, 'aria-current': id === selectedId ? 'true' : null },
          h('th', { scope: 'row' }, h('code', { text: id }), s.name ? h('span', { class: 'sweep-name', text: ` ${s.name}` }) : null),
          h('td', { text: s.strategy ?? DASH }),
          h('td', { text: Array.isArray(s.symbols) ? s.symbols.join(', ') : s.symbols ?? DASH }),
          h('td', { text: [s.timeframe, s.exchange].filter(Boolean).join(' \u00b7 ') || DASH }),
          h('td', { text: [s.search_method, (s.parameters ?? []).join(' \u00d7 ')].filter(Boolean).join(': ') || DASH }),
          h('td', { text: objectiveName(s.objective) }),
          h('td', {}, h('span', { class: 'status-pill', dataset: { state: s.status ?? '' }, text: s.status ?? DASH })),
          h('td', { class: 'num', text: progressText(s.progress) }),
          h('td', { title: utcTitle(s.created_at), text: localTime(s.created_at) }),
          h('td', { class: 'num', text: s.best ? number(s.best.objective, 4) : DASH }),
          h('td', { class: 'actions' },
            h('button', { type: 'button', class: 'button-quiet', text: 'Open', 'aria-label': `Open sweep ${id}`, on: { click: () => onOpen(id) } }),
            running ? h('button', { type: 'button', class: 'button-quiet', text: 'Stop', 'aria-label': `Stop sweep ${id}`, on: { click: () => onStop(s) } }) : null,
            h('button', { type: 'button', class: 'button-quiet button-danger-quiet', text: 'Delete', disabled: running,
              'aria-label': `Delete sweep ${id}`, on: { click: () => onDelete(s) } })));
      });
      const cols = ['Sweep', 'Strategy', 'Symbols', 'Timeframe \u00b7 exchange', 'Search', 'Objective', 'Status', 'Cells', 'Created', 'Best', 'Actions'];
      const numeric = new Set(['Cells', 'Best']);
      wrap.replaceChildren(h('table', { class: 'history', id: 'sweeps-table' },
        h('caption', { text: `Sweeps (${integer(data.total)} in total)` }),
        h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', { scope: 'col', class: numeric.has(c) ? 'num' : null, text: c })))),
        h('tbody', {}, ...rows)));
    }
    const limit = data.limit || 20;
    const offset = data.offset || 0;
    pager.replaceChildren();
    if ((data.total ?? 0) > limit) {
      pager.append(
        h('button', { type: 'button', class: 'button-quiet', text: '\u2039 Newer', disabled: offset === 0, on: { click: () => onPage(Math.max(0, offset - limit)) } }),
        h('span', { class: 'pager-info', text: `${offset + 1}\u2013${Math.min(offset + limit, data.total)} of ${data.total}` }),
        h('button', { type: 'button', class: 'button-quiet', text: 'Older \u203A', disabled: offset + limit >= data.total, on: { click: () => onPage(offset + limit) } }));
    }
  }

  render();
  return {
    set loading(v) { loading = v; if (!data.sweeps?.length) render(); },
    render(next) { data = next ?? data; render(); },
    find(id) { return (data.sweeps ?? []).find((s) => s.sweep_id === id); },
    /** Merges a `sweep_update` into the listed entry; false when the sweep is not listed. */
    patch(update) {
      const entry = (data.sweeps ?? []).find((s) => s.sweep_id === update?.sweep_id);
      if (!entry) return false;
      const statusChanged = update.status && update.status !== entry.status;
      Object.assign(entry, { status: update.status ?? entry.status, progress: update.progress ?? entry.progress });
      if (statusChanged) render();
      else {
        const cell = wrap.querySelector(`tr[data-sweep="${CSS.escape(entry.sweep_id)}"] td.num`);
        if (cell) cell.textContent = progressText(entry.progress);
      }
      return true;
    },
    select(id) { selectedId = id; render(); },
  };
}
