// The front desk calendar's pure helpers: keyboard moves, what a drop means, the booking body, links, the poll.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  bookingGaps,
  bookingPayload,
  canDropOn,
  intakeOf,
  movePayload,
  nextFreeLink,
  nextPosition,
  pendingBooking,
  pollOutcome,
  sameInstant,
  searchReady,
} from "../../static/js/frontdesk/grid.js";

const size = { rows: 32, cols: 8 };

test("arrow keys move one cell and stop at the edges", () => {
  assert.deepEqual(nextPosition({ row: 3, col: 2 }, "ArrowDown", size), { row: 4, col: 2 });
  assert.deepEqual(nextPosition({ row: 0, col: 0 }, "ArrowUp", size), { row: 0, col: 0 });
  assert.deepEqual(nextPosition({ row: 5, col: 7 }, "ArrowRight", size), { row: 5, col: 7 });
  assert.deepEqual(nextPosition({ row: 5, col: 1 }, "ArrowLeft", size), { row: 5, col: 0 });
});

test("Home, End and the page keys jump along the row or an hour of rows", () => {
  assert.deepEqual(nextPosition({ row: 5, col: 3 }, "Home", size), { row: 5, col: 0 });
  assert.deepEqual(nextPosition({ row: 5, col: 3 }, "End", size), { row: 5, col: 7 });
  assert.deepEqual(nextPosition({ row: 5, col: 3 }, "Home", size, { ctrl: true }), { row: 0, col: 0 });
  assert.deepEqual(nextPosition({ row: 5, col: 3 }, "End", size, { ctrl: true }), { row: 31, col: 7 });
  assert.deepEqual(nextPosition({ row: 30, col: 3 }, "PageDown", size), { row: 31, col: 3 });
  assert.deepEqual(nextPosition({ row: 5, col: 3 }, "PageUp", size), { row: 1, col: 3 });
  assert.equal(nextPosition({ row: 5, col: 3 }, "Enter", size), null);
});

const session = { id: 7, therapist_id: 1, room_id: 10, can_change: true };

test("a move names only what changes: the start, and the lane when it is another", () => {
  assert.deepEqual(movePayload(session, { start: "2026-03-04T11:00:00-05:00", therapist: "1" }), {
    appointment: 7,
    start: "2026-03-04T11:00:00-05:00",
  });
  assert.deepEqual(movePayload(session, { start: "2026-03-04T11:00:00-05:00", therapist: "2" }), {
    appointment: 7,
    start: "2026-03-04T11:00:00-05:00",
    therapist: 2,
  });
  assert.deepEqual(movePayload(session, { start: "2026-03-04T11:00:00-05:00", room: "11" }), {
    appointment: 7,
    start: "2026-03-04T11:00:00-05:00",
    room: 11,
  });
});

test("a session may be dropped on a free cell or within its own span, never on other busy time", () => {
  assert.equal(canDropOn(session, { state: "free" }), true);
  assert.equal(canDropOn(session, { state: "continues", session: "7" }), true);
  assert.equal(canDropOn(session, { state: "session", session: "8" }), false);
  assert.equal(canDropOn(session, { state: "break" }), false);
  assert.equal(canDropOn({ ...session, can_change: false }, { state: "free" }), false);
  assert.equal(canDropOn(null, { state: "free" }), false);
});

test("the search waits for two characters", () => {
  assert.equal(searchReady(" a "), false);
  assert.equal(searchReady("al"), true);
});

test("the intake leaves out the answers not given", () => {
  assert.deepEqual(intakeOf({ focus_areas: " neck ", pressure: "", health_notes: "", pain_level: "" }), {
    focus_areas: "neck",
  });
  assert.deepEqual(intakeOf({ pain_level: "0" }), { pain_level: 0 });
});

test("a booking sends a known patient's id, or the new caller's details, and the room of a room cell", () => {
  const cell = { start: "2026-03-04T10:00:00-05:00", room: "4" };
  assert.deepEqual(bookingPayload({ cell, therapist: "1", massageType: "3", location: 2, patient: 9 }), {
    therapist: 1,
    start: "2026-03-04T10:00:00-05:00",
    massage_type: 3,
    location: 2,
    intake: {},
    room: 4,
    patient: 9,
  });
  const caller = { first_name: "Nina", phone: "617 555 0177" };
  const body = bookingPayload({ cell: { start: cell.start }, therapist: "1", massageType: "3", location: 2, caller });
  assert.deepEqual(body.new_patient, caller);
  assert.equal("room" in body, false);
});

test("the form says what is missing before sending", () => {
  assert.deepEqual(bookingGaps({ therapist: "1", massageType: "3", patient: 9 }), {});
  assert.deepEqual(Object.keys(bookingGaps({ therapist: "", massageType: "", patient: null })), [
    "therapist",
    "massage_type",
    "patient",
  ]);
  assert.deepEqual(Object.keys(bookingGaps({ therapist: "1", massageType: "3", caller: { first_name: " " } })), [
    "first_name",
    "phone",
  ]);
});

test("a found free time links to its day with the booking to open", () => {
  const found = { date: "2026-03-05", start: "2026-03-05T09:00:00-05:00", therapist_id: 4, massage_type: 3 };
  const link = nextFreeLink("/admin/calendar/", found, 2);
  assert.equal(link.startsWith("/admin/calendar/?date=2026-03-05&location=2&book="), true);
  const pending = pendingBooking(link.slice(link.indexOf("?")));
  assert.deepEqual(pending, { therapist: 4, start: "2026-03-05T09:00:00-05:00", massage: "3" });
  assert.equal(pendingBooking("?book=x@2026"), null);
  assert.equal(pendingBooking(""), null);
});

test("instants compare across offsets", () => {
  assert.equal(sameInstant("2026-03-04T15:00:00+00:00", "2026-03-04T10:00:00-05:00"), true);
  assert.equal(sameInstant("2026-03-04T15:00:00+00:00", "nonsense"), false);
});

test("a poll is a change only on a 200 with a new tag", () => {
  assert.equal(pollOutcome(304, 'W/"a"', 'W/"a"'), "same");
  assert.equal(pollOutcome(200, 'W/"b"', 'W/"a"'), "changed");
  assert.equal(pollOutcome(200, 'W/"a"', 'W/"a"'), "same");
  assert.equal(pollOutcome(500, null, 'W/"a"'), "failed");
});
