// The error banner: one entry per distinct failure (code + message), with a repeat count and a
// dismiss button. Network failures read "Cannot reach the server".
import { h } from '../dom.js';

export function createBanner(root) {
  const entries = new Map();

  function render() {
    root.hidden = entries.size === 0;
    const items = [...entries.entries()].map(([key, e]) => h('div', { class: 'banner-item', role: 'alert', dataset: { code: e.code } },
      h('div', { class: 'banner-text' },
        h('strong', { class: 'banner-message', text: e.message }),
        ' ',
        h('code', { class: 'banner-code', text: e.code }),
        e.count > 1 ? h('span', { class: 'banner-count', text: ` (×${e.count})` }) : null,
        e.detail ? h('span', { class: 'banner-detail', text: e.detail }) : null),
      h('button', { type: 'button', class: 'button-quiet', 'aria-label': `Dismiss error ${e.code}`, text: 'Dismiss',
        on: { click: () => { entries.delete(key); render(); } } })));
    const all = entries.size > 1
      ? h('button', { type: 'button', class: 'button-quiet banner-clear', text: 'Dismiss all', on: { click: () => { entries.clear(); render(); } } })
      : null;
    root.replaceChildren(...items, all ?? '');
  }

  return {
    /** `error`: an ApiError or any `{code, message, details}`. */
    show(error) {
      const code = error.code ?? 'ERROR';
      const message = error.network ? 'Cannot reach the server' : (error.message || 'Request failed');
      const key = `${code}\u0000${message}`;
      const previous = entries.get(key);
      entries.delete(key); // re-insert so the newest is last
      entries.set(key, { code, message, count: (previous?.count ?? 0) + 1, detail: describeDetails(error.details, error.path) });
      render();
    },
    /** Drops entries for network failures once the server answers again. */
    clearNetwork() {
      let changed = false;
      for (const [key, e] of entries) if (e.code === 'NETWORK_ERROR') { entries.delete(key); changed = true; }
      if (changed) render();
    },
    clear() { entries.clear(); render(); },
  };
}

function describeDetails(details, path) {
  const parts = [];
  if (details && typeof details === 'object') {
    for (const [k, v] of Object.entries(details).slice(0, 6)) {
      if (v === null || v === undefined) continue;
      const text = Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v);
      parts.push(`${k.replace(/_/g, ' ')}: ${text.length > 160 ? `${text.slice(0, 157)}…` : text}`);
    }
  }
  if (path) parts.push(`request: ${path.split('?')[0]}`);
  return parts.length ? ` — ${parts.join('; ')}` : '';
}
