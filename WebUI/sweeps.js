// Wiring of the Sweeps tab: the form, the progress of the running sweep, the list and the shown
// sweep's results, kept current by the stream's `sweep_update` messages (or polling while the
// stream is down).
import { api } from './api.js';
import { $ } from './dom.js';
import { list } from './runDoc.js';
import { createSweepForm } from './views/sweepForm.js';
import { createSweepProgress, SWEEP_ACTIVE } from './views/sweepProgress.js';
import { createSweepList } from './views/sweepList.js';
import { createSweepResults } from './views/sweepResults.js';
import { confirmDialog } from './views/dialog.js';

const LIST_LIMIT = 20;
const RESULTS_REFRESH = 3000; // while the shown sweep runs, its page is reloaded at most this often

/** `onOpenAsRun(body)` starts a backtest of one cell; `announce(text)` speaks to screen readers. */
export function createSweeps({ dialog, announce, onOpenAsRun, skipValidation = false }) {
  let listOffset = 0;
  let listToken = 0;
  let lastResultsRefresh = 0;
  let resultsTimer = 0;

  const form = createSweepForm($('#sweep-form'), { onSubmit: startSweep, skipValidation });
  const progress = createSweepProgress($('#sweep-progress'));
  const sweepList = createSweepList($('#sweep-list'), {
    onOpen: (id) => openSweep(id, { scroll: true }),
    onStop: stopSweep,
    onDelete: deleteSweep,
    onPage: (offset) => { listOffset = offset; refreshList(); },
    onRefresh: () => refreshList(),
  });
  const results = createSweepResults($('#sweep-results'), {
    load: (id, query, options) => api.sweep(id, query, options),
    onOpenAsRun,
  });

  async function refreshList() {
    const token = ++listToken;
    sweepList.loading = true;
    try {
      const data = await api.sweeps(LIST_LIMIT, listOffset, { quiet: true });
      if (token !== listToken) return;
      sweepList.render(data);
      const sweeps = list(data?.sweeps);
      const running = sweeps.find((s) => SWEEP_ACTIVE.has(s.status));
      const followed = sweeps.find((s) => s.sweep_id === progress.current?.sweep_id);
      if (running) progress.update(running);
      else if (followed) progress.update(followed);
      else if (!progress.current && sweeps[0]) progress.update(sweeps[0]);
      const shown = sweeps.find((s) => s.sweep_id === results.sweepId);
      if (shown && results.detail && shown.status !== results.detail.status) scheduleResults(true);
    } catch { /* not available (older server) or offline: the list stays as it was */ }
    finally { sweepList.loading = false; }
  }

  async function openSweep(id, { scroll = false } = {}) {
    sweepList.select(id);
    try {
      await results.show(id);
      if (scroll) $('#sweep-results-title').scrollIntoView({ behavior: 'smooth', block: 'start' });
      announce(`Showing sweep ${id}`);
    } catch { /* banner */ }
  }

  async function startSweep(body) {
    try {
      const response = await api.startSweep(body, { quiet: (e) => e.status === 400 || e.status === 422 });
      announce(`Sweep ${response.sweep_id} started`);
      progress.update({ ...response, name: body.name ?? null, eta_seconds: null });
      await refreshList();
      openSweep(response.sweep_id);
    } catch (error) {
      form.showServerError(error);
      if (error.code === 'SWEEP_ACTIVE') refreshList();
    }
  }

  async function stopSweep(entry) {
    try {
      const response = await api.stopSweep(entry.sweep_id);
      announce(`Sweep ${entry.sweep_id}: ${response?.status ?? 'stopping'}`);
    } catch { /* banner */ }
    refreshList();
  }

  async function deleteSweep(entry) {
    const ok = await confirmDialog(dialog, {
      title: `Delete sweep ${entry.sweep_id}?`,
      body: [`${entry.strategy ?? 'Sweep'} on ${list(entry.symbols).join(', ') || 'unknown symbols'} (${entry.status ?? 'unknown status'}).`,
        'Its cells and results are removed permanently.'],
      confirm: 'Delete sweep', danger: true,
    });
    if (!ok) return;
    try {
      await api.deleteSweep(entry.sweep_id);
      if (results.sweepId === entry.sweep_id) results.clear();
      announce(`Sweep ${entry.sweep_id} deleted`);
    } catch { /* banner */ }
    refreshList();
  }

  /** Reloads the shown sweep's page, at most every RESULTS_REFRESH ms while it runs. */
  function scheduleResults(force, attempt = 0) {
    if (force) {
      clearTimeout(resultsTimer);
      resultsTimer = 0;
      lastResultsRefresh = Date.now();
      results.refresh().then(() => {
        // The stream may announce the end before the stored document says so: ask again shortly.
        const known = progress.current;
        if (attempt < 5 && known?.sweep_id === results.sweepId && !SWEEP_ACTIVE.has(known.status) && results.detail?.status !== known.status) {
          setTimeout(() => scheduleResults(true, attempt + 1), 1000);
        }
      }).catch(() => {});
      return;
    }
    if (resultsTimer) return;
    const wait = Math.max(0, RESULTS_REFRESH - (Date.now() - lastResultsRefresh));
    resultsTimer = setTimeout(() => {
      resultsTimer = 0;
      lastResultsRefresh = Date.now();
      results.refresh().catch(() => {});
    }, wait);
  }

  return {
    setCapabilities: (strategies, exchanges) => form.setCapabilities(strategies, exchanges),
    start() { refreshList(); },
    /** A `sweep_update` stream payload. */
    onUpdate(payload) {
      if (!payload?.sweep_id) return;
      const before = sweepList.find(payload.sweep_id)?.status;
      progress.update(payload);
      const listed = sweepList.patch(payload);
      const finished = !SWEEP_ACTIVE.has(payload.status);
      if (!listed || (finished && before !== payload.status)) refreshList();
      if (results.sweepId === payload.sweep_id) {
        if (finished) { if (results.detail?.status !== payload.status) scheduleResults(true); }
        else scheduleResults(false);
      }
      if (finished && before && before !== payload.status) announce(`Sweep ${payload.sweep_id}: ${payload.status}`);
    },
    /** Called while the stream is down: the list (and with it the progress) is polled instead. */
    onPoll() {
      if (progress.current && SWEEP_ACTIVE.has(progress.current.status)) {
        refreshList();
        if (results.sweepId === progress.current.sweep_id) scheduleResults(false);
      }
    },
  };
}
