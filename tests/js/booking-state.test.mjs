import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  anyTherapist,
  createBookingState,
  currentLocation,
  currentType,
  progressOf,
  resumedChoices,
  slotsOfDay,
  stepSummary,
  therapistName,
} from "../../static/js/booking/state.js";

const config = { today: "2026-03-02", timeZone: "America/New_York", authenticated: false };

describe("the booking's state", () => {
  test("starts with nothing chosen, any therapist, and the window at today", () => {
    const state = createBookingState(config).get();
    assert.equal(state.typeId, null);
    assert.equal(state.therapistId, "any");
    assert.equal(state.windowStart, "2026-03-02");
    assert.equal(state.slot, null);
    assert.equal(state.authenticated, false);
    assert.equal(state.format.timeZone, "America/New_York");
  });

  test("keeps only the choices across a sign-in, not what the API answered", () => {
    const store = createBookingState(config);
    store.set({ typeId: 2, therapistId: 5, day: "2026-03-04", massageTypes: [{ id: 2 }], daySlots: { x: [] } });
    assert.deepEqual(progressOf(store.get()), {
      locationId: null,
      typeId: 2,
      therapistId: 5,
      windowStart: "2026-03-02",
      day: "2026-03-04",
      slot: null,
    });
  });

  test("resumes a window that started in the past at today", () => {
    const saved = { typeId: 2, therapistId: "any", windowStart: "2026-02-20", day: "2026-02-21", slot: null };
    assert.equal(resumedChoices(saved, "2026-03-02").windowStart, "2026-03-02");
    assert.equal(resumedChoices({ ...saved, windowStart: "2026-03-16" }, "2026-03-02").windowStart, "2026-03-16");
    assert.equal(resumedChoices({ ...saved, windowStart: undefined }, "2026-03-02").windowStart, "2026-03-02");
  });

  test("keeps the chosen location across a sign-in, and a resume without one keeps the remembered one", () => {
    const store = createBookingState({ ...config, locations: [{ id: 3, name: "Uptown" }] });
    assert.equal(progressOf(store.set({ locationId: 3 })).locationId, 3);
    const saved = { typeId: 2, therapistId: "any", windowStart: "2026-03-02", day: null, slot: null };
    assert.equal(resumedChoices({ ...saved, locationId: 3 }, "2026-03-02").locationId, 3);
    assert.equal("locationId" in resumedChoices(saved, "2026-03-02"), false);
  });

  test("finds the chosen location among the open ones", () => {
    const store = createBookingState({ ...config, locations: [{ id: 3, name: "Uptown" }, { id: 4, name: "Downtown" }] });
    assert.equal(currentLocation(store.get()), null);
    assert.equal(currentLocation(store.set({ locationId: 4 })).name, "Downtown");
    assert.equal(currentLocation(store.set({ locationId: 9 })), null);
  });

  test("finds the chosen massage and therapists' names", () => {
    const store = createBookingState(config);
    const state = store.set({ typeId: 2, massageTypes: [{ id: 1 }, { id: 2, name: "Deep tissue" }], therapists: [{ id: 5, display_name: "Ana" }] });
    assert.equal(currentType(state).name, "Deep tissue");
    assert.equal(therapistName(state, 5), "Ana");
    assert.equal(therapistName(state, 6), "");
    assert.equal(currentType(store.set({ typeId: 9 })), null);
  });

  test("offers one slot per time for any therapist, every slot for a chosen one", () => {
    const day = "2026-03-04";
    const daySlots = { [day]: [{ start: "2026-03-04T14:00:00Z", therapist: 5 }, { start: "2026-03-04T14:00:00Z", therapist: 6 }] };
    const store = createBookingState(config);
    const any = store.set({ daySlots });
    assert.equal(anyTherapist(any), true);
    assert.equal(slotsOfDay(any, day).length, 1);
    assert.equal(slotsOfDay(store.set({ therapistId: 5 }), day).length, 2);
  });
});

describe("a finished step's one line", () => {
  const base = createBookingState(config);
  const chosen = base.set({
    typeId: 2,
    massageTypes: [{ id: 2, name: "Deep tissue", duration_minutes: 60, price: "90.00" }],
    therapists: [{ id: 5, display_name: "Carol Chen" }],
    slot: { start: "2026-03-03T15:00:00Z", therapist: 5 },
  });

  test("names the location and its address", () => {
    const located = { ...chosen, locations: [{ id: 3, name: "Uptown", address: "200 Main Street, Boston" }], locationId: 3 };
    assert.equal(stepSummary("where", located), "Uptown · 200 Main Street, Boston");
    assert.equal(stepSummary("where", chosen), "");
  });

  test("names the massage, its length and price", () => {
    assert.equal(stepSummary("type", chosen), "Deep tissue · 60 minutes · $90.00");
  });

  test("names the therapist, or any", () => {
    assert.equal(stepSummary("therapist", chosen), "Any available therapist");
    assert.equal(stepSummary("therapist", { ...chosen, therapistId: 5 }), "Carol Chen");
  });

  test("gives the time in the clinic's zone, and who takes it when any therapist may", () => {
    assert.equal(stepSummary("time", chosen), "Tuesday, March 3, 2026 at 10:00 AM with Carol Chen");
    assert.equal(stepSummary("time", { ...chosen, therapistId: 5 }), "Tuesday, March 3, 2026 at 10:00 AM");
  });
});
