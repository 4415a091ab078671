// Start / Stop / Reset, enabled exactly when the runner state allows and never twice at once.
import { CAN_START, CAN_STOP, CAN_RESET } from '../store.js';

export function renderControls({ start, stop, reset, startForm }, state) {
  const status = state.status?.status ?? 'idle';
  const busy = state.inflight ?? {};
  const any = busy.start || busy.stop || busy.reset;
  const known = Boolean(state.status) && state.capabilitiesLoaded;
  start.disabled = !known || any || !CAN_START.has(status);
  stop.disabled = !state.status || any || !CAN_STOP.has(status);
  reset.disabled = !state.status || any || !CAN_RESET.has(status);
  start.setAttribute('aria-busy', String(Boolean(busy.start)));
  stop.setAttribute('aria-busy', String(Boolean(busy.stop)));
  reset.setAttribute('aria-busy', String(Boolean(busy.reset)));
  start.textContent = busy.start ? 'Starting…' : 'Start';
  if (startForm) {
    startForm.disabled = start.disabled;
    startForm.textContent = busy.start ? 'Starting…' : 'Start run';
  }
  stop.textContent = busy.stop ? 'Stopping…' : 'Stop';
  reset.textContent = busy.reset ? 'Resetting…' : 'Reset';
}
