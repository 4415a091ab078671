// The red banner shown while a LIVE run (real orders, real money) is starting, running or
// stopping; a quieter one for sandbox runs. Text only, from the status document.
import { h } from '../dom.js';

const ACTIVE = new Set(['starting', 'running', 'stopping']);

export function createLiveBanner(root) {
  return function render(status) {
    const mode = status?.mode;
    const active = ACTIVE.has(status?.status);
    if (!active || (mode !== 'live' && mode !== 'sandbox')) {
      root.hidden = true;
      root.replaceChildren();
      return;
    }
    root.hidden = false;
    root.className = mode === 'live' ? 'live-banner live-banner-live' : 'live-banner live-banner-sandbox';
    const venue = status.exchange ?? 'the venue';
    root.replaceChildren(
      h('strong', { text: mode === 'live' ? `LIVE TRADING on ${venue}` : `Sandbox trading on the ${venue} testnet` }),
      ' ',
      h('span', { text: mode === 'live' ? 'Real orders with real money.' : 'Real orders on the testnet; no real money.' }),
      ' ',
      h('span', { class: 'live-banner-run', text: `Run ${status.run_id ?? ''}` }));
  };
}
