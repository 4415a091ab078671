// The status stream: a WebSocket to /api/v1/ws/status that reconnects with capped exponential
// backoff (plus jitter), and polls /api/v1/status while it is down so the page stays current.
import { api } from './api.js';

const BASE_DELAY = 500;
const MAX_DELAY = 15000;
const POLL_INTERVAL = 2000;
const STALE_AFTER = 40000; // heartbeats arrive every 15 s

/**
 * `onMessage({type, payload, timestamp})` gets every stream message (polled statuses arrive as
 * type `status`); `onState(state)` gets `connecting` | `connected` | `reconnecting` | `polling`.
 * `onPoll()` is called on every poll while the socket is down, for views that poll more than
 * `/status` (sweeps) to catch up on what the stream would have pushed.
 */
export function createStatusStream({ onMessage, onState, onPoll, path = '/api/v1/ws/status' }) {
  let socket = null;
  let attempt = 0;
  let reconnectTimer = 0;
  let pollTimer = 0;
  let staleTimer = 0;
  let state = '';
  let stopped = false;

  const url = () => `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${path}`;
  const setState = (next) => {
    if (next !== state) { state = next; onState(next); }
  };

  function armStale() {
    clearTimeout(staleTimer);
    staleTimer = setTimeout(() => socket?.close(), STALE_AFTER);
  }

  function connect() {
    if (stopped) return;
    setState(attempt === 0 ? 'connecting' : (pollTimer && state === 'polling' ? 'polling' : 'reconnecting'));
    let ws;
    try {
      ws = new WebSocket(url());
    } catch {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.addEventListener('open', () => {
      attempt = 0;
      stopPolling();
      setState('connected');
      armStale();
    });
    ws.addEventListener('message', (event) => {
      armStale();
      let message;
      try { message = JSON.parse(event.data); } catch { return; }
      if (message && typeof message.type === 'string') onMessage(message);
    });
    ws.addEventListener('close', () => {
      if (socket !== ws) return;
      socket = null;
      clearTimeout(staleTimer);
      scheduleReconnect();
    });
    // 'error' is always followed by 'close'.
  }

  function scheduleReconnect() {
    if (stopped) return;
    startPolling();
    if (state !== 'polling') setState('reconnecting');
    const delay = Math.min(MAX_DELAY, BASE_DELAY * 2 ** attempt) * (0.75 + Math.random() * 0.5);
    attempt += 1;
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(connect, delay);
  }

  async function poll() {
    if (!socket || socket.readyState !== WebSocket.OPEN) onPoll?.();
    try {
      const status = await api.status({ quiet: true });
      if (!socket || socket.readyState !== WebSocket.OPEN) {
        setState('polling');
        onMessage({ type: 'status', payload: status, timestamp: new Date().toISOString() });
      }
    } catch {
      if (state === 'polling') setState('reconnecting');
    }
  }

  function startPolling() {
    if (pollTimer) return;
    pollTimer = setInterval(poll, POLL_INTERVAL);
    poll();
  }

  function stopPolling() {
    clearInterval(pollTimer);
    pollTimer = 0;
  }

  connect();
  return {
    get state() { return state; },
    close() {
      stopped = true;
      clearTimeout(reconnectTimer);
      clearTimeout(staleTimer);
      stopPolling();
      socket?.close();
    },
  };
}
