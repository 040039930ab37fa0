import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { storedValue } from "../../static/js/lib/storage.js";

function memoryStorage() {
  const values = new Map();
  return {
    values,
    getItem: (key) => (values.has(key) ? values.get(key) : null),
    setItem: (key, value) => values.set(key, String(value)),
    removeItem: (key) => values.delete(key),
  };
}

function refusingStorage() {
  const refuse = () => {
    throw new DOMException("The operation is insecure.", "SecurityError");
  };
  return { getItem: refuse, setItem: refuse, removeItem: refuse };
}

describe("storedValue", () => {
  test("keeps a value as JSON under its key and reads it back", () => {
    const storage = memoryStorage();
    const kept = storedValue("clinic.booking.v1", () => storage);
    assert.equal(kept.write({ typeId: 2, slot: { start: "2026-03-03T15:00:00Z" } }), true);
    assert.equal(storage.values.get("clinic.booking.v1"), '{"typeId":2,"slot":{"start":"2026-03-03T15:00:00Z"}}');
    assert.deepEqual(kept.read(), { typeId: 2, slot: { start: "2026-03-03T15:00:00Z" } });
  });

  test("reads null when nothing or something unreadable is kept", () => {
    const storage = memoryStorage();
    const kept = storedValue("k", () => storage);
    assert.equal(kept.read(), null);
    storage.setItem("k", "{not json");
    assert.equal(kept.read(), null);
  });

  test("take reads the value once", () => {
    const storage = memoryStorage();
    const flash = storedValue("flash", () => storage);
    flash.write("Your appointment is cancelled.");
    assert.equal(flash.take(), "Your appointment is cancelled.");
    assert.equal(flash.take(), null);
    assert.equal(storage.values.size, 0);
  });

  test("remove forgets only its own key", () => {
    const storage = memoryStorage();
    storage.setItem("other", "1");
    const kept = storedValue("mine", () => storage);
    kept.write(1);
    kept.remove();
    assert.deepEqual([...storage.values.keys()], ["other"]);
  });

  test("a storage that refuses (disabled, full, private mode) never breaks the page", () => {
    const kept = storedValue("k", refusingStorage);
    assert.equal(kept.write({ a: 1 }), false);
    assert.equal(kept.read(), null);
    assert.doesNotThrow(() => kept.remove());
    assert.equal(kept.take(), null);
  });

  test("a page where even reaching sessionStorage throws still works", () => {
    const kept = storedValue("k", () => {
      throw new DOMException("Access is denied.", "SecurityError");
    });
    assert.equal(kept.write(1), false);
    assert.equal(kept.read(), null);
  });
});
