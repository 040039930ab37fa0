import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { createStore } from "../../static/js/lib/store.js";

describe("createStore", () => {
  test("starts with the initial state and applies patches", () => {
    const store = createStore({ typeId: null, day: null });
    assert.deepEqual(store.get(), { typeId: null, day: null });
    const after = store.set({ typeId: 3 });
    assert.deepEqual(after, { typeId: 3, day: null });
    assert.equal(store.get(), after);
  });

  test("never changes a state already handed out", () => {
    const store = createStore({ day: "2026-03-04" });
    const before = store.get();
    store.set({ day: "2026-03-05" });
    assert.equal(before.day, "2026-03-04");
    assert.throws(() => {
      before.day = "2026-03-06";
    }, TypeError);
  });

  test("does not share the initial object", () => {
    const initial = { day: null };
    const store = createStore(initial);
    store.set({ day: "2026-03-04" });
    assert.equal(initial.day, null);
  });

  test("tells subscribers the new and the previous state", () => {
    const store = createStore({ slot: null });
    const heard = [];
    store.subscribe((now, before) => heard.push([before.slot, now.slot]));
    store.set({ slot: "a" });
    store.set({ slot: "b" });
    assert.deepEqual(heard, [
      [null, "a"],
      ["a", "b"],
    ]);
  });

  test("stops telling a subscriber who left, even one leaving while being told", () => {
    const store = createStore({ n: 0 });
    const heard = [];
    const leave = store.subscribe(() => {
      heard.push("first");
      leave();
    });
    store.subscribe(() => heard.push("second"));
    store.set({ n: 1 });
    store.set({ n: 2 });
    assert.deepEqual(heard, ["first", "second", "second"]);
  });
});
