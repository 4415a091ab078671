// Fetch wrapper for /api/v1: JSON in, JSON out, and every failure as an ApiError carrying the
// envelope's code, message and details. Network failures get code NETWORK_ERROR.

export const API_BASE = '/api/v1';

export class ApiError extends Error {
  constructor({ status = 0, code, message, details = {}, network = false, path = '' }) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details ?? {};
    this.network = network;
    this.path = path;
  }
}

const reporters = new Set();
const authWatchers = new Set();
/**
 * Registers `fn(error)`, called for every 401 `AUTH_REQUIRED` (the server has a token and this
 * browser is not signed in), quiet calls included. A venue's `EXCHANGE_AUTH_FAILED` is not one.
 */
export function onAuthRequired(fn) {
  authWatchers.add(fn);
  return () => authWatchers.delete(fn);
}

/** Registers `fn(error)`, called for every failed call unless the caller says `quiet`. */
export function onApiError(fn) {
  reporters.add(fn);
  return () => reporters.delete(fn);
}

/**
 * `request('POST', '/run/stop', body?, { quiet?: bool | (err) => bool, okStatuses?: number[], signal? })`.
 * `okStatuses` lets a non-2xx response count as a result (health answers 503 with a body).
 */
export async function request(method, path, body, options = {}) {
  const { quiet = false, okStatuses = [], signal, idempotencyKey } = options;
  const init = { method, headers: { Accept: 'application/json' }, signal, cache: 'no-store' };
  if (idempotencyKey) init.headers['Idempotency-Key'] = idempotencyKey;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(API_BASE + path, init);
  } catch (cause) {
    if (cause?.name === 'AbortError') throw cause;
    throw report(new ApiError({ code: 'NETWORK_ERROR', message: 'Cannot reach the server', network: true, path }), quiet);
  }
  let data = null;
  const text = await response.text().catch(() => '');
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (response.ok || okStatuses.includes(response.status)) {
    if (data === null && text) {
      throw report(new ApiError({ status: response.status, code: 'INVALID_RESPONSE', message: 'The server sent a response that is not JSON', path }), quiet);
    }
    return data;
  }
  const envelope = data && typeof data.error === 'object' && data.error ? data.error : null;
  const error = new ApiError({
    status: response.status,
    code: envelope?.code ?? `HTTP_${response.status}`,
    message: envelope?.message ?? (response.statusText || `Request failed with HTTP ${response.status}`),
    details: envelope?.details ?? {},
    path,
  });
  if (response.status === 401 && error.code === 'AUTH_REQUIRED') {
    for (const fn of authWatchers) fn(error);
    // The sign-in screen says it all; no banner entry as well.
    if (authWatchers.size > 0) throw error;
  }
  throw report(error, quiet);
}

/** A fresh random key (UUID v4); `crypto.randomUUID` needs a secure context, so fall back. */
export function newIdempotencyKey() {
  if (globalThis.crypto?.randomUUID) return globalThis.crypto.randomUUID();
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function report(error, quiet) {
  const silent = typeof quiet === 'function' ? quiet(error) : quiet;
  if (!silent) for (const fn of reporters) fn(error);
  return error;
}

const q = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v !== null && v !== undefined)).toString();
const id = (runId) => encodeURIComponent(runId);

export const api = {
  meta: (o) => request('GET', '/meta', undefined, o),
  health: (o) => request('GET', '/health', undefined, { okStatuses: [503], ...o }),
  status: (o) => request('GET', '/status', undefined, o),
  results: (o) => request('GET', '/results?max_points=2000', undefined, o),
  strategies: (o) => request('GET', '/strategies', undefined, o),
  exchanges: (o) => request('GET', '/exchanges', undefined, o),
  candles: (params, o) => request('GET', `/candles?${q(params)}`, undefined, o),
  // One Idempotency-Key per click: a retried request (network hiccup, double submit of the same
  // call) starts nothing new; the server answers with the first run.
  startBacktest: (body, o) => request('POST', '/run/backtest', body, { idempotencyKey: newIdempotencyKey(), ...o }),
  startLive: (body, o) => request('POST', '/run/live', body, { idempotencyKey: newIdempotencyKey(), ...o }),
  stop: (o) => request('POST', '/run/stop', undefined, o),
  statusDetailed: (o) => request('GET', '/status/detailed', undefined, o),
  cancelOrder: (clientOrderId, o) => request('POST', `/run/orders/${encodeURIComponent(clientOrderId)}/cancel`, undefined, o),
  cancelOpenOrders: (runId, o) => request('POST', `/runs/${id(runId)}/open-orders/cancel`, undefined, o),
  keepOpenOrders: (runId, o) => request('POST', `/runs/${id(runId)}/open-orders/keep`, undefined, o),
  reset: (o) => request('DELETE', '/run/reset', undefined, o),
  runs: (limit, offset, o) => request('GET', `/runs?${q({ limit, offset })}`, undefined, o),
  run: (runId, o) => request('GET', `/runs/${id(runId)}?max_points=2000`, undefined, o),
  deleteRun: (runId, o) => request('DELETE', `/runs/${id(runId)}`, undefined, o),
  scripts: (o) => request('GET', '/scripts', undefined, o),
  script: (name, o) => request('GET', `/scripts/${id(name)}`, undefined, o),
  createScript: (name, source, o) => request('POST', '/scripts', { name, source }, o),
  updateScript: (name, source, o) => request('PUT', `/scripts/${id(name)}`, { source }, o),
  deleteScript: (name, o) => request('DELETE', `/scripts/${id(name)}`, undefined, o),
  scriptVersions: (name, o) => request('GET', `/scripts/${id(name)}/versions`, undefined, o),
  scriptVersion: (name, version, o) => request('GET', `/scripts/${id(name)}/versions/${version}`, undefined, o),
  checkScript: (source, o) => request('POST', '/scripts/check', { source }, o),
  sweeps: (limit, offset, o) => request('GET', `/sweeps?${q({ limit, offset })}`, undefined, o),
  sweep: (sweepId, params, o) => request('GET', `/sweeps/${id(sweepId)}?${q(params ?? {})}`, undefined, o),
  // A new Idempotency-Key per click, as for runs: a retried request starts no second sweep.
  startSweep: (body, o) => request('POST', '/sweeps', body, { idempotencyKey: newIdempotencyKey(), ...o }),
  stopSweep: (sweepId, o) => request('POST', `/sweeps/${id(sweepId)}/stop`, undefined, o),
  deleteSweep: (sweepId, o) => request('DELETE', `/sweeps/${id(sweepId)}`, undefined, o),
};

/** Where a script run's TradingView trade list downloads from. */
export const tradesCsvUrl = (runId) => `${API_BASE}/runs/${id(runId)}/trades.csv`;
