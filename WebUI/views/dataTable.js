// A sortable, paginated table whose columns come from the rows' keys (preferred ones first).
import { h } from '../dom.js';
import { byKey, humanize } from '../format.js';

export function columnsFor(rows, preferred = []) {
  const seen = new Set();
  for (const row of rows.slice(0, 500)) for (const key of Object.keys(row ?? {})) seen.add(key);
  return [...preferred.filter((k) => seen.has(k)), ...[...seen].filter((k) => !preferred.includes(k))];
}

function compare(a, b) {
  const na = a === null || a === undefined, nb = b === null || b === undefined;
  if (na || nb) return na === nb ? 0 : na ? 1 : -1; // empty values last
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/** `id` prefixes element ids; `caption` names the table. */
export function createDataTable({ id, caption, preferred = [], pageSize = 25, emptyText = 'Nothing yet.' }) {
  let rows = [];
  let columns = [];
  let sort = { key: null, dir: 1 };
  let page = 0;
  const body = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption });
  const pager = h('nav', { class: 'pager', 'aria-label': `${caption} pages` });
  const element = h('div', { class: 'data-table', id }, body, pager);

  function sorted() {
    if (!sort.key) return rows;
    const k = sort.key;
    return [...rows].sort((a, b) => {
      const r = compare(a?.[k], b?.[k]);
      return (a?.[k] === null || a?.[k] === undefined || b?.[k] === null || b?.[k] === undefined) ? r : r * sort.dir;
    });
  }

  function render() {
    if (!rows.length) {
      body.replaceChildren(h('p', { class: 'empty', text: emptyText }));
      pager.replaceChildren();
      return;
    }
    const pages = Math.max(1, Math.ceil(rows.length / pageSize));
    page = Math.min(page, pages - 1);
    const visible = sorted().slice(page * pageSize, (page + 1) * pageSize);
    const numeric = new Set(columns.filter((c) => rows.some((r) => typeof r?.[c] === 'number')));
    const head = h('tr', {}, ...columns.map((c) => {
      const active = sort.key === c;
      return h('th', { scope: 'col', class: numeric.has(c) ? 'num' : null, 'aria-sort': active ? (sort.dir > 0 ? 'ascending' : 'descending') : null },
        h('button', { type: 'button', class: 'sort', dataset: { key: c }, on: { click: () => toggleSort(c) } },
          humanize(c), h('span', { class: 'sort-mark', 'aria-hidden': 'true', text: active ? (sort.dir > 0 ? ' \u25B2' : ' \u25BC') : '' })));
    }));
    const trs = visible.map((row) => h('tr', {}, ...columns.map((c) => {
      const f = byKey(c, row?.[c]);
      return h('td', { class: numeric.has(c) ? 'num' : null, title: f.title || null, dataset: f.signClass !== undefined ? { sign: String(f.signClass) } : {}, text: f.text });
    })));
    body.replaceChildren(h('table', {}, h('caption', { class: 'visually-hidden', text: `${caption} (${rows.length})` }), h('thead', {}, head), h('tbody', {}, ...trs)));
    pager.replaceChildren();
    if (pages > 1) {
      pager.append(
        h('button', { type: 'button', class: 'button-quiet', text: '\u2039 Previous', disabled: page === 0, on: { click: () => { page -= 1; render(); } } }),
        h('span', { class: 'pager-info', 'aria-live': 'polite', text: `Page ${page + 1} of ${pages}` }),
        h('button', { type: 'button', class: 'button-quiet', text: 'Next \u203A', disabled: page >= pages - 1, on: { click: () => { page += 1; render(); } } }));
    }
  }

  function toggleSort(key) {
    sort = sort.key === key ? { key, dir: -sort.dir } : { key, dir: 1 };
    page = 0;
    render();
    body.querySelector(`button.sort[data-key="${CSS.escape(key)}"]`)?.focus();
  }

  return {
    element,
    get rows() { return rows; },
    get columns() { return columns; },
    setRows(next, { keepPage = false } = {}) {
      rows = Array.isArray(next) ? next : [];
      columns = columnsFor(rows, preferred);
      if (!keepPage) page = 0;
      render();
    },
  };
}
