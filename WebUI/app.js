// Wiring: loads capabilities, follows the status stream, and keeps the views in step with the store.
import { api, onApiError, onAuthRequired } from './api.js';
import { createStore, ACTIVE, TERMINAL, isOvertaken } from './store.js';
import { createStatusStream } from './stream.js';
import { $, h } from './dom.js';
import { toMs } from './format.js';
import { emptyDoc, fills, list, normalize, runContext, upsert } from './runDoc.js';
import { createBanner } from './views/banner.js';
import { renderHeader } from './views/header.js';
import { renderControls } from './views/controls.js';
import { createStatusCards } from './views/statusCards.js';
import { createRunForm } from './views/runForm.js';
import { renderMetrics } from './views/metricsTable.js';
import { createResultTables } from './views/results.js';
import { createTradeList } from './views/tradeList.js';
import { createScriptsPanel } from './views/scriptsPanel.js';
import { createHistory } from './views/history.js';
import { confirmDialog } from './views/dialog.js';
import { createLiveBanner } from './views/liveBanner.js';
import { createAuthScreen } from './views/authScreen.js';
import { createVenuePanel } from './views/venuePanel.js';
import { createPriceChart } from './charts/priceChart.js';
import { createEquityChart } from './charts/equityChart.js';
import { drawCompare } from './charts/compareChart.js';
import { createTabs } from './views/tabs.js';
import { createSweeps } from './sweeps.js';

const HEALTH_INTERVAL = 10000;
const LIVE_CANDLE_INTERVAL = 5000;
const HISTORY_LIMIT = 20;
const skipValidation = new URLSearchParams(location.search).get('novalidate') === '1';

const store = createStore({ meta: null, health: null, conn: 'connecting', status: null, inflight: {}, capabilitiesLoaded: false });
const banner = createBanner($('#banner'));
onApiError((error) => banner.show(error));
// A server with a token answers 401 once this browser's session is gone: stop polling and ask.
const authScreen = createAuthScreen();
const timers = [];
let statusStream = null;
onAuthRequired(() => authScreen.show({
  onShown: () => {
    for (const timer of timers) clearInterval(timer);
    statusStream?.close();
  },
}));

// ---- views ------------------------------------------------------------------------------------

const headerEls = { version: $('#api-version'), health: $('#health'), conn: $('#conn') };
const controlEls = { start: $('#btn-start'), stop: $('#btn-stop'), reset: $('#btn-reset') };
const renderCards = createStatusCards($('#status-cards'));
const renderLiveBanner = createLiveBanner($('#live-banner'));
const venuePanel = createVenuePanel($('#venue'), {
  onCancelOrder: async (clientOrderId) => {
    await api.cancelOrder(clientOrderId);
    announce(`Cancel of ${clientOrderId} sent to the venue`);
    refreshVenue();
  },
  onDecide: async (runId, decision) => {
    if (decision === 'cancel') {
      const ok = await confirmDialog(dialog, {
        title: `Cancel the open orders of run ${runId}?`,
        body: ['Each order still working on the venue is cancelled. Fills that already happened stay.'],
        confirm: 'Cancel the orders', danger: true,
      });
      if (!ok) return;
    }
    const document = decision === 'cancel' ? await api.cancelOpenOrders(runId) : await api.keepOpenOrders(runId);
    announce(document?.message ?? `Run ${runId}: ${decision}`);
    api.status({ quiet: true }).then(onStatus).catch(() => {});
  },
});
let venueTimer = null;
/** Balances and open orders of a sandbox/live run (from /status/detailed), every few seconds. */
async function refreshVenue() {
  const status = store.get().status;
  const venueRun = status?.mode === 'live' || status?.mode === 'sandbox';
  let detailed = null;
  if (venueRun) {
    try { detailed = await api.statusDetailed({ quiet: true }); } catch { detailed = null; }
  }
  venuePanel.render(detailed, store.get().status);
  clearTimeout(venueTimer);
  if (venueRun && ['starting', 'running', 'stopping'].includes(status?.status)) venueTimer = setTimeout(refreshVenue, 3000);
}
function subscribeViews() {
  store.subscribe((s, prev) => {
    if (s.meta !== prev.meta || s.health !== prev.health || s.conn !== prev.conn) renderHeader(headerEls, s);
    if (s.status !== prev.status || s.inflight !== prev.inflight || s.capabilitiesLoaded !== prev.capabilitiesLoaded) renderControls(controlEls, s);
    if (s.status !== prev.status) {
      renderCards(s.status);
      renderLiveBanner(s.status);
      if (s.status?.status !== prev.status?.status || s.status?.interrupted_runs !== prev.status?.interrupted_runs) refreshVenue();
    }
  });
}

const announcer = $('#announcer');
function announce(text) {
  announcer.textContent = '';
  setTimeout(() => { announcer.textContent = text; }, 50);
}

const priceChart = createPriceChart($('#price-chart'));
const equityChart = createEquityChart($('#equity-chart'));
const tables = createResultTables($('#result-tables'));
const tradeList = createTradeList($('#result-tables'));
const dialog = $('#confirm-dialog');

const runForm = createRunForm($('#run-form'), {
  skipValidation,
  canStart: () => !controlEls.start.disabled,
  onSubmit: startRun,
  confirmLive: (exchangeName) => confirmDialog(dialog, {
    title: `Start a LIVE run on ${exchangeName}?`,
    body: [
      `This run places real orders on ${exchangeName} with the credentials you entered (or the server's environment keys).`,
      'Real money is at stake: losses are possible and cannot be undone.',
    ],
    confirm: `Start live run on ${exchangeName}`,
    danger: true,
    typed: exchangeName,
  }),
});

controlEls.startForm = runForm.submitButton;
subscribeViews();

// ---- sweeps tab -------------------------------------------------------------------------------

const sweeps = createSweeps({
  dialog, announce, skipValidation,
  // "Open as a run": the cell becomes an ordinary backtest, shown in the Runs tab.
  onOpenAsRun: async (body) => {
    tabs.select('runs');
    $('#status-title').scrollIntoView({ behavior: 'smooth', block: 'start' });
    await startRun('backtest', body);
  },
});
let sweepsStarted = false;
function startSweeps() {
  if (sweepsStarted) return;
  sweepsStarted = true;
  sweeps.start();
}
const tabs = createTabs([
  { name: 'runs', tab: $('#tab-runs'), panel: $('#runs-view') },
  { name: 'sweeps', tab: $('#tab-sweeps'), panel: $('#sweeps-view') },
], { onChange: (name) => { if (name === 'sweeps') startSweeps(); } });

const history = createHistory($('#history'), {
  onOpen: openRun,
  onDelete: deleteRun,
  onCompare: compareRuns,
  onPage: (offset) => { historyOffset = offset; refreshHistory(); },
  onRefresh: () => refreshHistory(),
});

// ---- run documents ----------------------------------------------------------------------------

let currentDoc = null; // the runner's run (live or finished)
let historyDoc = null; // a run opened from the history, shown instead while set
let lastRange = null; // {run_id, start, end} of the backtest this page started
let lastLiveCandles = 0;
let candleToken = 0;
let tableTimer = 0;

const shown = () => historyDoc ?? currentDoc;

async function loadCandles({ quiet = false } = {}) {
  const ctx = runContext(shown(), store.get().status, lastRange);
  const token = ++candleToken;
  $('#price-subtitle').textContent = ctx ? `${ctx.symbol} · ${ctx.timeframe} · ${ctx.exchange}` : '';
  if (!ctx) { if (!shown()?.equity_curve.length) priceChart.setCandles([]); return; }
  try {
    const response = await api.candles(ctx, { quiet });
    if (token === candleToken) priceChart.setCandles(response?.candles ?? []);
  } catch { /* shown in the banner */ }
}

function renderViewSource() {
  const el = $('#view-source');
  const doc = shown();
  el.replaceChildren();
  if (!doc) return;
  if (historyDoc) {
    el.append('Showing run ', h('code', { text: doc.run_id }), ' from the history. ',
      h('button', { type: 'button', class: 'button-quiet', id: 'back-to-current', text: 'Back to current run',
        on: { click: () => { historyDoc = null; showAll(); } } }));
  } else {
    el.append('Showing the current run ', h('code', { text: doc.run_id ?? '—' }), '.');
  }
}

function renderResults(doc, { keepPage = false } = {}) {
  const pending = doc && !TERMINAL.has(doc.status);
  renderMetrics($('#metrics'), doc?.performance_metrics, { pending, caption: doc?.run_id ? `Performance metrics — run ${doc.run_id}` : 'Performance metrics' });
  tables.render(doc, { keepPage });
  tradeList.render(doc);
}

/** Redraws everything from the shown document. */
function showAll() {
  const doc = shown();
  equityChart.setCurve(doc?.equity_curve ?? []);
  priceChart.setPlots(doc?.plots);
  priceChart.setMarkers(fills(doc));
  if (!doc) priceChart.clear();
  renderResults(doc);
  renderViewSource();
  loadCandles();
}

function scheduleTables() {
  if (tableTimer) return;
  tableTimer = setTimeout(() => {
    tableTimer = 0;
    if (!historyDoc && currentDoc) {
      tables.render(currentDoc, { keepPage: true });
      priceChart.setMarkers(fills(currentDoc));
    }
  }, 500);
}

async function fetchResults(runId, { quiet = false } = {}) {
  try {
    const doc = await api.results({ quiet: quiet || ((e) => e.code === 'NO_RESULTS') });
    if (!doc || (runId && doc.run_id && doc.run_id !== runId)) return;
    currentDoc = normalize({ mode: store.get().status?.mode, ...doc });
    if (!historyDoc) showAll();
  } catch { /* banner */ }
}

// ---- status and stream --------------------------------------------------------------------------

function onStatus(next) {
  if (!next || typeof next !== 'object') return;
  const prev = store.get().status;
  if (isOvertaken(prev, next)) return;
  const status = prev && next.run_id === prev.run_id ? { ...prev, ...next } : next;
  store.set({ status });
  const runChanged = Boolean(status.run_id) && status.run_id !== prev?.run_id;
  const stateChanged = status.status !== prev?.status;
  if (runChanged || stateChanged) {
    announce(status.run_id ? `Run ${status.run_id}: ${status.status}` : `Runner ${status.status}`);
  }
  if (runChanged && ACTIVE.has(status.status)) {
    currentDoc = emptyDoc(status);
    if (!historyDoc) showAll();
    if (!prev) fetchResults(status.run_id, { quiet: true }); // page opened mid-run
  }
  if (currentDoc && currentDoc.run_id === status.run_id) currentDoc.status = status.status;
  if (status.run_id && TERMINAL.has(status.status) && (runChanged || stateChanged)) {
    fetchResults(status.run_id);
    refreshHistory();
  }
  if (status.status === 'running' && status.mode && status.mode !== 'backtest' && !historyDoc
      && Date.now() - lastLiveCandles > LIVE_CANDLE_INTERVAL) {
    lastLiveCandles = Date.now();
    loadCandles({ quiet: true });
  }
}

function liveDoc() {
  const status = store.get().status;
  if (!status?.run_id) return null;
  if (!currentDoc || currentDoc.run_id !== status.run_id) {
    currentDoc = emptyDoc(status);
    if (!historyDoc) showAll();
  }
  return currentDoc;
}

function onStreamMessage(message) {
  const { type, payload } = message;
  switch (type) {
    case 'status':
    case 'status_update':
      onStatus(payload);
      break;
    case 'order_update':
    case 'trade': {
      const doc = liveDoc();
      if (!doc || !payload) break;
      upsert(type === 'trade' ? doc.trades : doc.orders, payload);
      scheduleTables();
      break;
    }
    case 'equity_point': {
      const doc = liveDoc();
      if (!doc || !payload) break;
      const lastPoint = doc.equity_curve[doc.equity_curve.length - 1];
      if (lastPoint && toMs(payload.timestamp) < toMs(lastPoint.timestamp)) break;
      doc.equity_curve.push(payload);
      if (!historyDoc) equityChart.append(payload);
      break;
    }
    case 'sweep_update':
      startSweeps();
      sweeps.onUpdate(payload);
      break;
    case 'error':
      banner.show({ code: payload?.code ?? 'STREAM_ERROR', message: payload?.message ?? 'The server reported an error' });
      break;
    default:
      break; // heartbeat and future types
  }
}

// ---- actions ----------------------------------------------------------------------------------

function setInflight(name, value) {
  store.set((s) => ({ inflight: { ...s.inflight, [name]: value } }));
}

async function startRun(mode, body) {
  if (store.get().inflight.start) return;
  setInflight('start', true);
  try {
    const response = mode === 'backtest' ? await api.startBacktest(body) : await api.startLive(body);
    if (mode === 'backtest') lastRange = { run_id: response.run_id, start: body.start_date, end: body.end_date };
    historyDoc = null;
    if (store.get().status?.run_id !== response.run_id) {
      onStatus({
        run_id: response.run_id, status: response.status ?? 'starting', mode: mode === 'backtest' ? 'backtest' : body.mode,
        start_time: null, end_time: null, runtime_seconds: 0, cash: body.initial_cash, value: body.initial_cash, pnl: 0,
        trade_count: 0, error: null, progress: mode === 'backtest' ? 0 : null, bars_processed: 0,
        strategy_name: body.strategy_name, symbols: body.symbols, timeframe: body.timeframe, exchange: body.exchange,
      });
    } else {
      showAll();
    }
  } catch (error) {
    if (error.code === 'RUN_ALREADY_ACTIVE') api.status({ quiet: true }).then(onStatus).catch(() => {});
  } finally {
    setInflight('start', false);
  }
}

async function runAction(name, call) {
  if (store.get().inflight[name]) return;
  setInflight(name, true);
  try {
    const response = await call();
    if (response?.status) onStatus({ run_id: response.run_id ?? store.get().status?.run_id ?? null, status: response.status });
  } catch { /* banner */ }
  finally {
    setInflight(name, false);
    api.status({ quiet: true }).then(onStatus).catch(() => {});
  }
}
controlEls.stop.addEventListener('click', () => runAction('stop', () => api.stop()));
controlEls.reset.addEventListener('click', () => runAction('reset', () => api.reset()));

// ---- history ----------------------------------------------------------------------------------

let historyOffset = 0;
let historyToken = 0;
async function refreshHistory() {
  const token = ++historyToken;
  history.loading = true;
  try {
    const data = await api.runs(HISTORY_LIMIT, historyOffset);
    if (token === historyToken) history.render(data);
  } catch { /* banner */ }
  finally { history.loading = false; }
}

async function openRun(id) {
  try {
    const summary = history.find(id) ?? {};
    const doc = await api.run(id);
    // The list entry knows the exchange, mode and symbols even when the stored config does not.
    historyDoc = normalize({ mode: summary.mode, exchange: summary.exchange, symbols: summary.symbols, timeframe: summary.timeframe, ...doc });
    showAll();
    $('#charts-title').scrollIntoView({ behavior: 'smooth', block: 'start' });
    $('#back-to-current')?.focus({ preventScroll: true });
    announce(`Showing run ${id} from the history`);
  } catch { /* banner */ }
}

async function deleteRun(run) {
  const ok = await confirmDialog(dialog, {
    title: `Delete run ${run.run_id}?`,
    body: [`${run.strategy_name ?? 'Run'} on ${list(run.symbols).join(', ') || 'unknown symbols'} (${run.status ?? 'unknown status'}).`,
      'Its results are removed permanently.'],
    confirm: 'Delete run', danger: true,
  });
  if (!ok) return;
  try {
    await api.deleteRun(run.run_id);
    history.deselect(run.run_id);
    if (historyDoc?.run_id === run.run_id) { historyDoc = null; showAll(); }
    announce(`Run ${run.run_id} deleted`);
  } catch { /* banner */ }
  refreshHistory();
}

let compareChart = null;
async function compareRuns(ids) {
  if (ids.length < 2) return;
  try {
    const docs = await Promise.all(ids.map((id) => api.run(id)));
    const runs = docs.map((d, i) => ({
      id: d.run_id ?? ids[i],
      name: `${d.run_id ?? ids[i]} · ${history.find(ids[i])?.strategy_name ?? d.config?.strategy_name ?? ''}`.replace(/ · $/, ''),
      curve: list(d.equity_curve),
    }));
    const section = $('#compare');
    section.hidden = false;
    $('#compare-legend').replaceChildren(...runs.map((r, i) => h('li', {},
      h('span', { class: `swatch swatch-${(i % 6) + 1}`, 'aria-hidden': 'true' }), h('span', { text: r.name }))));
    compareChart?.destroy();
    compareChart = drawCompare($('#compare-chart'), runs);
    section.scrollIntoView({ behavior: 'smooth', block: 'start' });
    announce(`Comparing ${runs.length} runs`);
  } catch { /* banner */ }
}
$('#compare-close').addEventListener('click', () => {
  $('#compare').hidden = true;
  $('#compare-runs').focus();
});

// ---- start-up ---------------------------------------------------------------------------------

async function pollHealth() {
  try {
    const health = await api.health();
    store.set({ health: health?.status ?? 'unknown' });
    banner.clearNetwork();
  } catch (error) {
    store.set({ health: error.network ? 'unreachable' : 'unhealthy' });
  }
}

async function loadCapabilities() {
  try {
    const [strategies, exchanges] = await Promise.all([api.strategies(), api.exchanges()]);
    runForm.setCapabilities(list(strategies?.strategies), list(exchanges?.exchanges));
    sweeps.setCapabilities(list(strategies?.strategies), list(exchanges?.exchanges));
    store.set({ capabilitiesLoaded: true });
  } catch {
    if (!authScreen.shown) setTimeout(loadCapabilities, 5000);
  }
}

createScriptsPanel($('#scripts'), {
  announce,
  onSaved: () => loadCapabilities(),
  onRun: (name) => {
    if (runForm.selectStrategy(name)) {
      $('#run-title').scrollIntoView({ behavior: 'smooth', block: 'start' });
      $('#f-strategy').focus({ preventScroll: true });
      announce(`Strategy ${name} selected in the run form`);
    }
  },
});

function start() {
  api.meta().then((meta) => store.set({ meta })).catch(() => {});
  pollHealth();
  timers.push(setInterval(pollHealth, HEALTH_INTERVAL));
  loadCapabilities();
  api.status().then(onStatus).catch(() => {});
  statusStream = createStatusStream({ onMessage: onStreamMessage, onState: (conn) => store.set({ conn }), onPoll: () => { if (sweepsStarted) sweeps.onPoll(); } });
  refreshHistory();
  renderResults(null);
}

start();
