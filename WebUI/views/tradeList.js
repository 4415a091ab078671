// A Pine script run's TradingView-style "List of Trades" (Entry and Exit rows), with a link to the
// server's CSV export.
import { h } from '../dom.js';
import { tradesCsvUrl } from '../api.js';
import { createDataTable } from './dataTable.js';

const COLUMNS = ['trade_number', 'type', 'time', 'signal', 'price', 'quantity', 'net_profit', 'net_profit_percent',
  'run_up', 'drawdown', 'cumulative_profit'];

export function createTradeList(root) {
  const table = createDataTable({ id: 'trade-list-table', caption: 'List of trades', preferred: COLUMNS, emptyText: 'No trades.' });
  const link = h('a', { id: 'trade-list-csv', class: 'button-quiet', text: 'Download trade list (CSV)', download: '' });
  const title = h('h3', { id: 'trade-list-title', text: 'List of trades (TradingView)' });
  const scriptInfo = h('p', { id: 'script-run-info', class: 'help' });
  const section = h('section', { class: 'subsection', id: 'trade-list', 'aria-labelledby': 'trade-list-title', hidden: true },
    h('div', { class: 'subsection-head' }, title, link), scriptInfo, table.element);
  root.append(section);
  return {
    /** doc: a results document; shown only for script runs (it has `trade_list`). */
    render(doc) {
      const rows = Array.isArray(doc?.trade_list) ? doc.trade_list : null;
      section.hidden = !rows || !doc?.script;
      if (section.hidden) return;
      table.setRows(rows);
      title.textContent = `List of trades (TradingView) (${rows.length} rows)`;
      link.href = tradesCsvUrl(doc.run_id);
      link.setAttribute('download', `${doc.run_id}-trades.csv`);
      scriptInfo.textContent = `Script ${doc.script.name}, version ${doc.script.version} (sha256 ${String(doc.script.sha256).slice(0, 12)}…)`;
    },
  };
}
