// A page's state in one place: read it whole, change it by patches, hear of every change.

/** Return a store of `initial`: get() the current state, set(patch) a change, subscribe(listener) to changes. */
export function createStore(initial) {
  let current = Object.freeze({ ...initial });
  const listeners = new Set();
  return {
    get: () => current,
    set(patch) {
      const previous = current;
      current = Object.freeze({ ...current, ...patch });
      for (const listener of [...listeners]) listener(current, previous);
      return current;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
