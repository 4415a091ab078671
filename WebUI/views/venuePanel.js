// Sandbox and live runs: the venue's balances and the run's open orders (each with a cancel
// action), and interrupted runs whose open orders wait for the user's cancel-or-keep decision.
import { h } from '../dom.js';
import { quantity as num } from '../format.js';

/**
 * `onCancelOrder(clientOrderId)`, `onDecide(runId, 'cancel' | 'keep')` return promises.
 */
export function createVenuePanel(root, { onCancelOrder, onDecide }) {
  const pending = new Set();

  function button(label, key, action, danger = false) {
    return h('button', {
      type: 'button', class: danger ? 'button-danger' : 'button-quiet', text: label, disabled: pending.has(key),
      on: { click: async (event) => {
        pending.add(key);
        event.currentTarget.disabled = true;
        try { await action(); } catch { /* shown in the error banner */ } finally { pending.delete(key); }
      } },
    });
  }

  function balancesTable(balances) {
    if (!balances.length) return h('p', { class: 'help', text: 'No balances reported yet.' });
    return h('table', { class: 'data-table', id: 'venue-balances' },
      h('caption', { text: 'Balances on the venue' }),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Asset' }), h('th', { scope: 'col', text: 'Free' }), h('th', { scope: 'col', text: 'Locked' }))),
      h('tbody', {}, ...balances.map((b) => h('tr', {},
        h('th', { scope: 'row', text: b.asset }), h('td', { class: 'num', text: num(b.free) }), h('td', { class: 'num', text: num(b.locked) })))));
  }

  function ordersTable(orders) {
    if (!orders.length) return h('p', { class: 'help', id: 'venue-no-open-orders', text: 'No open orders.' });
    return h('table', { class: 'data-table', id: 'venue-open-orders' },
      h('caption', { text: 'Open orders' }),
      h('thead', {}, h('tr', {}, ...['Client order id', 'Side', 'Type', 'Quantity', 'Price', 'Filled', 'Status', ''].map((t) => h('th', { scope: 'col', text: t })))),
      h('tbody', {}, ...orders.map((o) => h('tr', { dataset: { clientOrderId: o.client_order_id ?? '' } },
        h('td', { text: o.client_order_id ?? '' }), h('td', { text: o.side ?? '' }), h('td', { text: o.type ?? '' }),
        h('td', { class: 'num', text: num(o.quantity) }), h('td', { class: 'num', text: num(o.limit_price ?? o.stop_price) }),
        h('td', { class: 'num', text: num(o.filled_quantity) }), h('td', { text: o.status ?? '' }),
        h('td', {}, o.client_order_id ? button('Cancel', `order:${o.client_order_id}`, () => onCancelOrder(o.client_order_id), true) : null)))));
  }

  function interruptedList(runs) {
    if (!runs.length) return null;
    return h('div', { class: 'interrupted', id: 'interrupted-runs', role: 'region', 'aria-label': 'Interrupted runs' },
      h('h3', { text: 'Interrupted runs with open orders' }),
      h('p', { class: 'warning', text: 'These runs stopped when the server did. Their orders may still be working on the venue: cancel them or leave them. A run is never resumed.' }),
      h('ul', {}, ...runs.map((r) => h('li', { dataset: { runId: r.run_id } },
        h('span', { text: `Run ${r.run_id} (${r.mode} on ${r.exchange}): ${r.open_orders} open order(s), reconciliation ${r.reconciliation_status}` }),
        ' ',
        button('Cancel them', `run:${r.run_id}:cancel`, () => onDecide(r.run_id, 'cancel'), true),
        ' ',
        button('Leave them', `run:${r.run_id}:keep`, () => onDecide(r.run_id, 'keep'))))));
  }

  return {
    /** `detailed`: the `/status/detailed` document (or null); `status`: `/status`. */
    render(detailed, status) {
      const venueRun = status?.mode === 'live' || status?.mode === 'sandbox';
      const interrupted = Array.isArray(status?.interrupted_runs) ? status.interrupted_runs : [];
      root.hidden = !venueRun && interrupted.length === 0;
      root.replaceChildren(
        interruptedList(interrupted) ?? '',
        venueRun ? h('div', { class: 'venue-run' },
          h('p', { class: 'venue-line', text: `${status.mode === 'live' ? 'Live' : 'Sandbox'} · ${status.exchange ?? ''}` }),
          balancesTable(Array.isArray(detailed?.balances) ? detailed.balances : []),
          ordersTable(Array.isArray(detailed?.open_orders) ? detailed.open_orders : [])) : '');
    },
  };
}
