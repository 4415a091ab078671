// Orders, trades and positions tables, plus the trades CSV export.
import { h } from '../dom.js';
import { createDataTable } from './dataTable.js';
import { toCSV, download } from '../csv.js';

const ORDER_COLUMNS = ['id', 'symbol', 'side', 'type', 'status', 'quantity', 'filled_quantity', 'limit_price', 'stop_price', 'average_fill_price', 'fees', 'created_time', 'updated_time', 'reason'];
const TRADE_COLUMNS = ['id', 'symbol', 'side', 'status', 'entry_time', 'exit_time', 'entry_price', 'exit_price', 'quantity', 'pnl', 'return', 'fees'];
const POSITION_COLUMNS = ['symbol', 'quantity', 'average_entry_price', 'last_price', 'market_value', 'unrealized_pnl'];

export function createResultTables(root) {
  const trades = createDataTable({ id: 'trades-table', caption: 'Trades', preferred: TRADE_COLUMNS, emptyText: 'No trades.' });
  const orders = createDataTable({ id: 'orders-table', caption: 'Orders', preferred: ORDER_COLUMNS, emptyText: 'No orders.' });
  const positions = createDataTable({ id: 'positions-table', caption: 'Positions', preferred: POSITION_COLUMNS, emptyText: 'No open positions.' });
  let runId = null;
  const exportButton = h('button', { type: 'button', class: 'button-quiet', id: 'export-trades', text: 'Export trades as CSV', disabled: true,
    on: { click: () => download(`trades-${runId ?? 'run'}.csv`, toCSV(trades.columns, trades.rows)) } });
  const tradesTitle = h('h3', { id: 'trades-title', text: 'Trades' });
  const ordersTitle = h('h3', { id: 'orders-title', text: 'Orders' });
  const positionsTitle = h('h3', { id: 'positions-title', text: 'Positions' });
  root.replaceChildren(
    h('section', { class: 'subsection', 'aria-labelledby': 'trades-title' },
      h('div', { class: 'subsection-head' }, tradesTitle, exportButton), trades.element),
    h('section', { class: 'subsection', 'aria-labelledby': 'orders-title' }, ordersTitle, orders.element),
    h('section', { class: 'subsection', 'aria-labelledby': 'positions-title' }, positionsTitle, positions.element));

  return {
    /** doc: a results document (or a live one being filled in). */
    render(doc, { keepPage = false } = {}) {
      runId = doc?.run_id ?? null;
      trades.setRows(doc?.trades ?? [], { keepPage });
      orders.setRows(doc?.orders ?? [], { keepPage });
      positions.setRows(doc?.positions ?? [], { keepPage });
      exportButton.disabled = !trades.rows.length;
      for (const [heading, table, label] of [[tradesTitle, trades, 'Trades'], [ordersTitle, orders, 'Orders'], [positionsTitle, positions, 'Positions']]) {
        heading.textContent = table.rows.length ? `${label} (${table.rows.length})` : label;
      }
    },
  };
}
