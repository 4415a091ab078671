// The progress of one sweep: status, a progress bar of cells done, stage and ETA. Fed by the
// stream's `sweep_update` messages (and the list/detail documents while the stream is down).
import { h } from '../dom.js';
import { DASH, duration, integer } from '../format.js';

export const SWEEP_ACTIVE = new Set(['running']);

export function createSweepProgress(root) {
  const title = h('p', { class: 'sweep-progress-title', id: 'sweep-progress-title' });
  const bar = h('progress', { id: 'sweep-progress-bar', max: '1', value: '0', 'aria-labelledby': 'sweep-progress-title' });
  const textEl = h('span', { class: 'progress-text', id: 'sweep-progress-text' });
  const eta = h('span', { class: 'progress-text', id: 'sweep-eta' });
  const line = h('div', { class: 'progress' }, h('span', { id: 'sweep-status', class: 'status-pill' }), bar, textEl);
  const empty = h('p', { class: 'empty', text: 'No sweep yet. Start one with the form.' });
  root.replaceChildren(empty, title, line, eta);
  let current = null; // { sweep_id, name, status, progress, eta_seconds }

  function render() {
    const shown = Boolean(current);
    empty.hidden = shown;
    title.hidden = line.hidden = eta.hidden = !shown;
    if (!shown) return;
    const { done = 0, total = 0, stage = 0 } = current.progress ?? {};
    title.replaceChildren('Sweep ', h('code', { text: current.sweep_id }), current.name ? ` \u00b7 ${current.name}` : '');
    const status = root.querySelector('#sweep-status');
    status.textContent = current.status ?? DASH;
    status.dataset.state = current.status ?? '';
    bar.max = Math.max(1, total);
    bar.value = Math.min(done, Math.max(1, total));
    const pct = total > 0 ? Math.floor((done / total) * 100) : 0;
    textEl.textContent = `${integer(done)} / ${integer(total)} cells (${pct}%) \u00b7 stage ${integer(stage + 1)}`;
    const running = SWEEP_ACTIVE.has(current.status);
    eta.textContent = running
      ? `ETA ${Number.isFinite(current.eta_seconds) ? duration(current.eta_seconds) : 'estimating\u2026'}`
      : `Finished: ${current.status}${current.error ? ` \u2014 ${typeof current.error === 'string' ? current.error : current.error.message ?? ''}` : ''}`;
  }

  render();
  return {
    get current() { return current; },
    /** A `sweep_update` payload or a sweep list/detail entry. */
    update(entry) {
      if (!entry?.sweep_id) return;
      if (current && current.sweep_id !== entry.sweep_id && SWEEP_ACTIVE.has(current.status) && !SWEEP_ACTIVE.has(entry.status)) return;
      const same = current?.sweep_id === entry.sweep_id;
      current = {
        ...(same ? current : {}),
        ...entry,
        eta_seconds: entry.eta_seconds !== undefined ? entry.eta_seconds : same ? current.eta_seconds : null,
      };
      if (!SWEEP_ACTIVE.has(current.status)) current.eta_seconds = null;
      render();
    },
  };
}
