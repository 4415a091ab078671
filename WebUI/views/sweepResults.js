// One sweep's results: summary, the cell table (sorted and paged by the server), a heatmap over
// two swept parameters, and for walk-forward sweeps the fold table and the stitched
// out-of-sample equity curve. Any cell can be opened as an ordinary backtest run.
import { h } from '../dom.js';
import { DASH, byKey, integer, localTime, number, utcTitle } from '../format.js';
import { createHeatmap } from '../charts/heatmap.js';
import { heatmapGrid, sweptNames } from '../charts/heatmapData.js';
import { createEquityChart } from '../charts/equityChart.js';
import { backtestBodyForCell } from '../sweepConfig.js';
import { objectiveName } from './sweepList.js';

const PAGE = 25;
const HEATMAP_PAGE = 1000;
const HEATMAP_MAX_CELLS = 20000;
const METRIC_COLUMNS = ['total_return', 'sharpe_ratio', 'max_drawdown', 'total_trades', 'final_value'];
const SORTABLE = new Set(['rank', 'id', 'objective', ...METRIC_COLUMNS]);
const ROLES = ['in_sample', 'out_of_sample', 'holdout'];
const paramText = (parameters) => Object.entries(parameters ?? {}).map(([k, v]) => `${k}=${v}`).join(', ') || DASH;
const day = (v) => (typeof v === 'string' ? v.slice(0, 10) : DASH);
const windowText = (w) => (w && typeof w === 'object' ? `${day(w.start)} \u2192 ${day(w.end)}` : DASH);

/** `load(id, query)` fetches GET /sweeps/{id}; `onOpenAsRun(body)` starts the backtest. */
export function createSweepResults(root, { load, onOpenAsRun }) {
  let detail = null;
  let sweepId = null;
  let query = { sort: 'rank', order: 'asc', offset: 0, role: '' };
  let token = 0;
  let allCells = { id: null, status: null, cells: [], truncated: false, at: 0 };
  let allBusy = false;
  let allAgain = false; // asked again while loading: load once more afterwards

  const title = h('h2', { id: 'sweep-results-title', text: 'Sweep results' });
  const summary = h('div', { id: 'sweep-summary', class: 'sweep-summary' });
  const roleSelect = h('select', { id: 'sweep-cells-role', 'aria-label': 'Cells of role' },
    h('option', { value: '', text: 'All roles' }), ...ROLES.map((r) => h('option', { value: r, text: r.replace(/_/g, ' ') })));
  const roleField = h('label', { class: 'inline-field', hidden: true }, h('span', { text: 'Role' }), roleSelect);
  const cellsWrap = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Sweep cells' });
  const cellsPager = h('nav', { class: 'pager', 'aria-label': 'Sweep cell pages' });
  const hmX = h('select', { id: 'sweep-hm-x' });
  const hmY = h('select', { id: 'sweep-hm-y' });
  const hmSymbol = h('select', { id: 'sweep-hm-symbol' });
  const hmRole = h('select', { id: 'sweep-hm-role' }, ...ROLES.map((r) => h('option', { value: r, text: r.replace(/_/g, ' ') })));
  const hmFold = h('select', { id: 'sweep-hm-fold' });
  const hmWfFields = [
    h('label', { class: 'inline-field', for: 'sweep-hm-role' }, h('span', { text: 'Role' }), hmRole),
    h('label', { class: 'inline-field', for: 'sweep-hm-fold' }, h('span', { text: 'Fold' }), hmFold)];
  const hmNote = h('p', { class: 'help', id: 'sweep-heatmap-note' });
  const heatmapHost = h('div', { id: 'sweep-heatmap' });
  const heatmapSection = h('section', { class: 'subsection', 'aria-labelledby': 'sweep-heatmap-title' },
    h('h3', { id: 'sweep-heatmap-title', text: 'Heatmap' }),
    h('div', { class: 'toolbar' },
      h('label', { class: 'inline-field', for: 'sweep-hm-x' }, h('span', { text: 'X' }), hmX),
      h('label', { class: 'inline-field', for: 'sweep-hm-y' }, h('span', { text: 'Y' }), hmY),
      h('label', { class: 'inline-field', for: 'sweep-hm-symbol' }, h('span', { text: 'Symbol' }), hmSymbol),
      ...hmWfFields),
    heatmapHost, hmNote);
  const wfSymbol = h('select', { id: 'sweep-wf-symbol', 'aria-label': 'Walk-forward symbol' });
  const wfSummary = h('p', { id: 'sweep-wf-summary', class: 'help' });
  const foldsWrap = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Walk-forward folds' });
  const equityHost = h('div', { id: 'sweep-equity-chart', class: 'chart chart-equity' });
  const wfSection = h('section', { class: 'subsection', id: 'sweep-wf', 'aria-labelledby': 'sweep-wf-title', hidden: true },
    h('div', { class: 'subsection-head' }, h('h3', { id: 'sweep-wf-title', text: 'Walk-forward' }),
      h('label', { class: 'inline-field', for: 'sweep-wf-symbol' }, h('span', { text: 'Symbol' }), wfSymbol)),
    wfSummary, foldsWrap,
    h('h3', { class: 'chart-title', text: 'Stitched out-of-sample equity' }), equityHost);
  const body = h('div', { id: 'sweep-results-body', hidden: true },
    summary,
    h('section', { class: 'subsection', 'aria-labelledby': 'sweep-cells-title' },
      h('div', { class: 'subsection-head' }, h('h3', { id: 'sweep-cells-title', text: 'Cells' }), roleField),
      cellsWrap, cellsPager),
    heatmapSection, wfSection);
  const empty = h('p', { class: 'empty', id: 'sweep-results-empty', text: 'Open a sweep from the list to see its results.' });
  root.replaceChildren(title, empty, body);

  const heatmap = createHeatmap(heatmapHost, {
    label: 'Objective heatmap',
    describe: (cell) => [`best cell ${cell.id} (${cell.symbol ?? ''})`, paramText(cell.parameters)],
  });
  let equity = null;

  // ---- loading ------------------------------------------------------------------------------

  async function fetchPage() {
    if (!sweepId) return;
    const mine = ++token;
    const q = { limit: PAGE, offset: query.offset, sort: query.sort, order: query.order, role: query.role || null };
    const doc = await load(sweepId, q);
    if (mine !== token || !doc) return;
    detail = doc;
    render();
    loadAllCells();
  }

  /** Every cell (pages of 1000, sorted by id) for the heatmap; refetched when the status changes. */
  async function loadAllCells() {
    const id = sweepId;
    const status = detail?.status;
    if (allBusy) { allAgain = true; return; }
    if (allCells.id === id && allCells.status === status && (status !== 'running' || Date.now() - allCells.at < 10000)) return;
    allBusy = true;
    const cells = [];
    let total = Infinity;
    let truncated = false;
    try {
      for (let offset = 0; offset < total; offset += HEATMAP_PAGE) {
        if (offset >= HEATMAP_MAX_CELLS) { truncated = true; break; }
        const doc = await load(id, { limit: HEATMAP_PAGE, offset, sort: 'id', order: 'asc' }, { quiet: true });
        if (id !== sweepId || !doc) return;
        total = doc.cells_total ?? 0;
        cells.push(...(doc.cells ?? []));
        if (!(doc.cells ?? []).length) break;
      }
    } catch { return; } finally { allBusy = false; }
    if (id !== sweepId) return;
    allCells = { id, status, cells, truncated, at: Date.now() };
    renderHeatmapControls();
    drawHeatmap();
    if (allAgain) { allAgain = false; loadAllCells(); }
  }

  // ---- rendering ----------------------------------------------------------------------------

  function swept() {
    const names = detail?.parameters?.length ? detail.parameters : sweptNames(detail?.config?.parameters);
    return [...names];
  }

  function isWalkForward() { return Boolean(detail?.walk_forward || detail?.config?.walk_forward); }

  function render() {
    empty.hidden = Boolean(detail);
    body.hidden = !detail;
    if (!detail) { title.textContent = 'Sweep results'; return; }
    title.replaceChildren('Sweep results \u2014 ', h('code', { text: detail.sweep_id }), detail.name ? ` ${detail.name}` : '');
    renderSummary();
    renderCells();
    renderWalkForward();
  }

  function renderSummary() {
    const s = detail.summary;
    const best = Array.isArray(detail.best) ? detail.best[0] : detail.best;
    const items = [
      ['Status', detail.status ?? DASH],
      ['Strategy', detail.strategy ?? detail.config?.strategy ?? DASH],
      ['Objective', objectiveName(detail.objective ?? detail.config?.objective)],
      ['Search', detail.search_method ?? detail.config?.search?.method ?? DASH],
      ['Cells', s ? `${integer(s.cells)} (${integer(s.ok)} ok, ${integer(s.failed)} failed, ${integer(s.ranked)} ranked)` : DASH],
      ['Best', best ? `${number(best.objective, 4)} \u00b7 ${best.symbol ?? ''} \u00b7 ${paramText(best.parameters)}` : DASH],
      ['Created', localTime(detail.created_at)],
    ];
    summary.replaceChildren(h('dl', { class: 'cards sweep-cards' }, ...items.map(([k, v]) => h('div', { class: 'card' },
      h('dt', { text: k }), h('dd', { text: v, title: k === 'Created' ? utcTitle(detail.created_at) : null })))),
    ...(detail.error ? [h('p', { class: 'run-error', text: typeof detail.error === 'string' ? detail.error : detail.error.message ?? JSON.stringify(detail.error) })] : []));
  }

  function sortButton(key, text, numeric) {
    const active = query.sort === key;
    return h('th', { scope: 'col', class: numeric ? 'num' : null, 'aria-sort': active ? (query.order === 'asc' ? 'ascending' : 'descending') : null },
      h('button', { type: 'button', class: 'sort', dataset: { key }, on: { click: () => toggleSort(key) } },
        text, h('span', { class: 'sort-mark', 'aria-hidden': 'true', text: active ? (query.order === 'asc' ? ' \u25B2' : ' \u25BC') : '' })));
  }

  function renderCells() {
    const wf = isWalkForward();
    roleField.hidden = !wf;
    roleSelect.value = query.role;
    const cells = detail.cells ?? [];
    const total = detail.cells_total ?? cells.length;
    if (!cells.length) {
      cellsWrap.replaceChildren(h('p', { class: 'empty', text: detail.status === 'running' ? 'Cells appear as they finish.' : 'No cells.' }));
      cellsPager.replaceChildren();
      return;
    }
    const ranks = new Map((detail.ranking ?? []).map((r) => [r.id, r.rank]));
    const names = swept();
    const runnable = Boolean(detail.config?.strategy ?? detail.strategy);
    const plain = (t, numeric) => h('th', { scope: 'col', class: numeric ? 'num' : null, text: t });
    const head = h('tr', {},
      sortButton('rank', 'Rank', true), sortButton('id', 'Cell', false), plain('Symbol'),
      wf ? plain('Role') : null, wf ? plain('Fold', true) : null,
      ...names.map((n) => plain(n, true)),
      sortButton('objective', 'Objective', true),
      ...METRIC_COLUMNS.map((m) => sortButton(m, byKeyTitle(m), true)),
      plain('Status'), plain('Actions'));
    const rows = cells.map((c) => {
      const m = c.performance_metrics ?? {};
      return h('tr', { dataset: { cell: c.id } },
        h('td', { class: 'num', text: ranks.has(c.id) ? String(ranks.get(c.id)) : DASH }),
        h('th', { scope: 'row' }, h('code', { text: c.id })),
        h('td', { text: c.symbol ?? DASH }),
        wf ? h('td', { text: c.role ? c.role.replace(/_/g, ' ') : DASH }) : null,
        wf ? h('td', { class: 'num', text: c.fold ?? DASH }) : null,
        ...names.map((n) => h('td', { class: 'num', text: c.parameters?.[n] === undefined ? DASH : String(c.parameters[n]) })),
        h('td', { class: 'num', dataset: { objective: c.objective ?? '' }, text: number(c.objective, 4) }),
        ...METRIC_COLUMNS.map((k) => {
          const f = byKey(k, k === 'final_value' ? (c.final_value ?? m.final_value) : m[k]);
          return h('td', { class: 'num', dataset: f.signClass !== undefined ? { sign: String(f.signClass) } : {}, text: f.text });
        }),
        h('td', { title: c.error ? (typeof c.error === 'string' ? c.error : c.error.message ?? '') : null },
          h('span', { class: 'status-pill', dataset: { state: c.status === 'ok' ? 'completed' : c.status ?? '' }, text: c.status ?? DASH })),
        h('td', { class: 'actions' }, h('button', { type: 'button', class: 'button-quiet', text: 'Open as a run',
          // A script given inline (not saved) has no name a run could use.
          disabled: !runnable, title: runnable ? null : 'This sweep ran a script given inline; save it as a script to run it',
          'aria-label': `Open cell ${c.id} as a backtest run`, on: { click: () => onOpenAsRun(backtestBodyForCell(detail, c)) } })));
    });
    cellsWrap.replaceChildren(h('table', { id: 'sweep-cells-table' },
      h('caption', { class: 'visually-hidden', text: `Sweep cells (${total})` }),
      h('thead', {}, head), h('tbody', {}, ...rows)));
    const offset = detail.offset ?? query.offset;
    cellsPager.replaceChildren(
      h('button', { type: 'button', class: 'button-quiet', id: 'sweep-cells-prev', text: '\u2039 Previous', disabled: offset === 0,
        on: { click: () => { query.offset = Math.max(0, offset - PAGE); fetchPage(); } } }),
      h('span', { class: 'pager-info', id: 'sweep-cells-info', 'aria-live': 'polite', text: `${integer(offset + 1)}\u2013${integer(Math.min(offset + PAGE, total))} of ${integer(total)}` }),
      h('button', { type: 'button', class: 'button-quiet', id: 'sweep-cells-next', text: 'Next \u203A', disabled: offset + PAGE >= total,
        on: { click: () => { query.offset = offset + PAGE; fetchPage(); } } }));
  }

  function byKeyTitle(key) {
    return { total_return: 'Return', sharpe_ratio: 'Sharpe', max_drawdown: 'Max DD', total_trades: 'Trades', final_value: 'Final value' }[key] ?? key;
  }

  function toggleSort(key) {
    if (!SORTABLE.has(key)) return;
    if (query.sort === key) query.order = query.order === 'asc' ? 'desc' : 'asc';
    else query = { ...query, sort: key, order: key === 'rank' || key === 'id' ? 'asc' : 'desc' };
    query.offset = 0;
    fetchPage().then(() => cellsWrap.querySelector(`button.sort[data-key="${CSS.escape(key)}"]`)?.focus());
  }

  function options(select, values, labelFor = String, keep = select.value) {
    select.replaceChildren(...values.map((v) => h('option', { value: String(v), text: labelFor(v), selected: String(v) === keep })));
  }

  function renderHeatmapControls() {
    const names = swept();
    const x = names.includes(hmX.value) ? hmX.value : names[0] ?? '';
    const y = names.includes(hmY.value) && hmY.value !== x ? hmY.value : names.find((n) => n !== x) ?? '';
    options(hmX, names, String, x);
    options(hmY, names, String, y);
    const symbols = [...new Set(allCells.cells.map((c) => c.symbol).filter(Boolean))].sort();
    options(hmSymbol, ['', ...symbols], (v) => (v === '' ? 'All (best)' : v));
    const wf = isWalkForward();
    for (const el of hmWfFields) el.hidden = !wf;
    const folds = [...new Set(allCells.cells.map((c) => c.fold).filter((f) => f !== null && f !== undefined))].sort((a, b) => a - b);
    options(hmFold, ['', ...folds], (v) => (v === '' ? 'All (best)' : `Fold ${v}`));
  }

  function drawHeatmap() {
    const names = swept();
    if (names.length < 2) {
      heatmapSection.hidden = true;
      return;
    }
    heatmapSection.hidden = false;
    const wf = isWalkForward();
    const filter = { symbol: hmSymbol.value || null, role: wf ? hmRole.value : null, fold: wf && hmFold.value !== '' ? Number(hmFold.value) : null };
    const grid = heatmapGrid(allCells.cells, hmX.value, hmY.value, filter);
    const objective = objectiveName(detail?.objective ?? detail?.config?.objective);
    heatmap.set(grid, { x: hmX.value, y: hmY.value, objective });
    const others = names.filter((n) => n !== hmX.value && n !== hmY.value);
    hmNote.textContent = [
      `${integer(grid.count)} cells coloured`,
      others.length ? `maximised over ${others.join(', ')}` : null,
      allCells.truncated ? `only the first ${integer(HEATMAP_MAX_CELLS)} cells were loaded` : null,
    ].filter(Boolean).join('; ') + '.';
    heatmapHost.dataset.cells = String(grid.count);
  }

  function renderWalkForward() {
    const wf = detail.walk_forward;
    wfSection.hidden = !wf;
    if (!wf) { equity?.clear(); return; }
    const symbols = Object.keys(wf.symbols ?? {}).sort();
    options(wfSymbol, symbols);
    const report = wf.symbols?.[wfSymbol.value];
    if (!report) { foldsWrap.replaceChildren(h('p', { class: 'empty', text: 'No walk-forward report yet.' })); equity?.clear(); return; }
    wfSummary.textContent = [
      `Walk-forward efficiency ${number(report.walk_forward_efficiency, 3)}`,
      `mean IS objective ${number(report.in_sample_mean_objective, 4)}`,
      `mean OOS objective ${number(report.out_of_sample_mean_objective, 4)}`,
      `stitched OOS return ${report.stitched_return === null || report.stitched_return === undefined ? DASH : byKey('total_return', report.stitched_return).text}`,
      report.holdout ? `holdout objective ${number(report.holdout.objective, 4)}` : null,
    ].filter(Boolean).join(' \u00b7 ');
    const rows = (report.folds ?? []).map((f) => {
      const oos = (f.out_of_sample ?? [])[0];
      return h('tr', { dataset: { fold: f.fold } },
        h('th', { scope: 'row', class: 'num', text: String(f.fold) }),
        h('td', { text: windowText(f.train) }),
        h('td', { text: windowText(f.test) }),
        h('td', { class: 'wrap', text: (f.chosen ?? []).map(paramText).join(' | ') || DASH }),
        h('td', { class: 'num', text: number(f.in_sample?.objective, 4) }),
        h('td', { class: 'num', text: number(oos?.objective, 4) }),
        h('td', { class: 'num', text: number(f.efficiency, 3) }));
    });
    const cols = [['Fold', true], ['Train', false], ['Test', false], ['Chosen parameters', false], ['IS objective', true], ['OOS objective', true], ['Efficiency', true]];
    foldsWrap.replaceChildren(h('table', { id: 'sweep-folds-table' },
      h('caption', { class: 'visually-hidden', text: `Walk-forward folds for ${wfSymbol.value}` }),
      h('thead', {}, h('tr', {}, ...cols.map(([c, n]) => h('th', { scope: 'col', class: n ? 'num' : null, text: c })))),
      h('tbody', {}, ...rows)));
    equity ??= createEquityChart(equityHost);
    equity.setCurve((report.stitched_equity ?? []).map((p) => ({ timestamp: p[0], value: p[1] })));
  }

  roleSelect.addEventListener('change', () => { query.role = roleSelect.value; query.offset = 0; fetchPage(); });
  for (const el of [hmX, hmY, hmSymbol, hmRole, hmFold]) el.addEventListener('change', () => {
    if (el === hmX && hmX.value === hmY.value) hmY.value = swept().find((n) => n !== hmX.value) ?? hmY.value;
    if (el === hmY && hmX.value === hmY.value) hmX.value = swept().find((n) => n !== hmY.value) ?? hmX.value;
    drawHeatmap();
  });
  wfSymbol.addEventListener('change', () => renderWalkForward());

  return {
    get sweepId() { return sweepId; },
    get detail() { return detail; },
    /** Shows a sweep (first page, by rank). */
    async show(id) {
      if (id !== sweepId) {
        sweepId = id;
        query = { sort: 'rank', order: 'asc', offset: 0, role: '' };
        allCells = { id: null, status: null, cells: [], truncated: false, at: 0 };
        detail = null;
      }
      await fetchPage();
    },
    /** Reloads the shown page (after progress or a status change). */
    refresh() { return fetchPage(); },
    clear() { sweepId = null; detail = null; token += 1; render(); },
  };
}
