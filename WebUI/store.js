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
