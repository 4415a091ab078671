// Application state: one plain object, replaced shallowly on every change, with subscribers.

export function createStore(initial) {
  let state = { ...initial };
  const listeners = new Set();
  return {
    get: () => state,
    /** Merges `patch` (or the result of `patch(state)`) and notifies subscribers with (state, previous). */
    set(patch) {
      const previous = state;
      const change = typeof patch === 'function' ? patch(state) : patch;
      state = { ...state, ...change };
      for (const fn of listeners) fn(state, previous);
    },
    /** Calls `fn(state, previous)` after every change (and once now). Returns an unsubscribe function. */
    subscribe(fn) {
      listeners.add(fn);
      fn(state, {});
      return () => listeners.delete(fn);
    },
  };
}

/** Runner states, and what the controls may do in each. */
export const CAN_START = new Set(['idle', 'completed', 'failed', 'stopped']);
export const CAN_STOP = new Set(['starting', 'running']);
export const CAN_RESET = new Set(['completed', 'failed', 'stopped']);
export const ACTIVE = new Set(['starting', 'running', 'stopping']);
export const TERMINAL = new Set(['completed', 'failed', 'stopped']);

/** How far a run has got; a run's status only ever moves forward (reset ends at `idle`). */
const PROGRESS = { starting: 0, running: 1, stopping: 2, completed: 3, failed: 3, stopped: 3, idle: 4 };

/**
 * True when `next` is a status of the same run as `current` from earlier in its life: an HTTP
 * answer or poll overtaken by a newer stream message (a stop request's `stopping` arriving after
 * the stream said `stopped`). Applying it would leave the page behind the run for good, since an
 * ended run sends no further status.
 */
export function isOvertaken(current, next) {
  if (!current?.run_id || current.run_id !== next?.run_id) return false;
  const was = PROGRESS[current.status];
  const now = PROGRESS[next.status];
  return was !== undefined && now !== undefined && now < was;
}
