// One value kept in the tab's sessionStorage, as JSON. Storage may be full, disabled or
// refused by privacy settings: the pages then work without it, so no failure escapes.

/** Return {read, write, remove, take} for the JSON value stored under `key`. */
export function storedValue(key, storage = () => globalThis.sessionStorage) {
  const read = () => {
    try {
      return JSON.parse(storage().getItem(key) || "null");
    } catch {
      return null;
    }
  };
  const remove = () => {
    try {
      storage().removeItem(key);
    } catch {
      // Nothing to forget.
    }
  };
  return {
    read,
    remove,
    write(value) {
      try {
        storage().setItem(key, JSON.stringify(value));
        return true;
      } catch {
        return false;
      }
    },
    take() {
      const value = read();
      remove();
      return value;
    },
  };
}
