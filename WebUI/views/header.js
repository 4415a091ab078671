// Header badges: API version, server health and the live-update connection.
const CONN_TEXT = {
  connecting: 'Live: connecting…',
  connected: 'Live: connected',
  reconnecting: 'Live: reconnecting…',
  polling: 'Live: polling',
};

export function renderHeader({ version, health, conn }, state) {
  version.textContent = state.meta?.api_version ? `API ${state.meta.api_version}` : 'API …';
  const h = state.health ?? 'checking';
  health.dataset.state = h;
  health.textContent = `Health: ${h === 'checking' ? 'checking…' : h}`;
  const c = state.conn ?? 'connecting';
  conn.dataset.state = c;
  conn.textContent = CONN_TEXT[c] ?? c;
  conn.title = c === 'polling' ? 'The WebSocket is down; status is polled every 2 s while it reconnects' : '';
}
