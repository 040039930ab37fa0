import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { clinicFormat } from "../../static/js/lib/dates.js";
import {
  distinctStarts,
  firstDayWithSlots,
  nearestSlots,
  partsOfDay,
  sameStart,
  slotsByDay,
  slotsToOffer,
} from "../../static/js/lib/slots.js";

const format = clinicFormat("America/New_York");
const slot = (start, therapist = 1) => ({ start, end: start, therapist });

describe("slotsByDay", () => {
  test("groups by the clinic's day, keeping the API's order", () => {
    const late = slot("2026-03-05T01:00:00Z"); // 8 PM on March 4 in the clinic
    const morning = slot("2026-03-04T14:00:00Z");
    const next = slot("2026-03-05T14:00:00Z");
    assert.deepEqual(slotsByDay([morning, late, next], format), {
      "2026-03-04": [morning, late],
      "2026-03-05": [next],
    });
  });

  test("is empty without slots", () => {
    assert.deepEqual(slotsByDay([], format), {});
  });
});

describe("distinctStarts", () => {
  test("keeps the first slot of each start instant, whatever the offset written", () => {
    const first = slot("2026-03-04T14:00:00Z", 1);
    const same = slot("2026-03-04T09:00:00-05:00", 2);
    const later = slot("2026-03-04T15:00:00Z", 2);
    assert.deepEqual(distinctStarts([first, same, later]), [first, later]);
  });
});

describe("slotsToOffer", () => {
  const daySlots = { "2026-03-04": [slot("2026-03-04T14:00:00Z", 1), slot("2026-03-04T14:00:00Z", 2)] };

  test("offers one slot per time for any therapist", () => {
    assert.equal(slotsToOffer(daySlots, "2026-03-04", { anyTherapist: true }).length, 1);
  });

  test("offers every slot for one therapist", () => {
    assert.equal(slotsToOffer(daySlots, "2026-03-04", { anyTherapist: false }).length, 2);
  });

  test("offers nothing on a day without slots", () => {
    assert.deepEqual(slotsToOffer(daySlots, "2026-03-05", { anyTherapist: true }), []);
  });
});

describe("firstDayWithSlots", () => {
  test("returns the first day with a free time", () => {
    const counts = { "2026-03-02": 0, "2026-03-03": 0, "2026-03-04": 3, "2026-03-05": 1 };
    assert.equal(firstDayWithSlots(Object.keys(counts), (day) => counts[day]), "2026-03-04");
  });

  test("returns null when every day is full", () => {
    assert.equal(firstDayWithSlots(["2026-03-02", "2026-03-03"], () => 0), null);
  });
});

describe("sameStart", () => {
  test("compares instants, not the text", () => {
    assert.equal(sameStart(slot("2026-03-04T14:00:00Z"), slot("2026-03-04T09:00:00-05:00", 2)), true);
    assert.equal(sameStart(slot("2026-03-04T14:00:00Z"), slot("2026-03-04T14:30:00Z")), false);
  });

  test("is false when either slot is missing", () => {
    assert.equal(sameStart(slot("2026-03-04T14:00:00Z"), null), false);
    assert.equal(sameStart(null, null), false);
  });
});

describe("nearestSlots", () => {
  const target = slot("2026-03-04T15:00:00Z", 1);

  test("leaves the taken slot out but offers another therapist at the same time first", () => {
    const others = [slot("2026-03-04T17:00:00Z", 1), target, slot("2026-03-04T15:00:00Z", 2), slot("2026-03-04T14:00:00Z", 1)];
    const nearest = nearestSlots(others, target, 1);
    assert.deepEqual(nearest, [slot("2026-03-04T15:00:00Z", 2)]);
  });

  test("keeps the `count` nearest in time and returns them in time order", () => {
    const pool = [
      slot("2026-03-06T15:00:00Z"),
      slot("2026-03-04T13:00:00Z"),
      slot("2026-03-04T16:00:00Z"),
      slot("2026-03-03T15:00:00Z"),
      slot("2026-03-04T14:30:00Z"),
    ];
    const starts = nearestSlots(pool, target, 3).map((s) => s.start);
    assert.deepEqual(starts, ["2026-03-04T13:00:00Z", "2026-03-04T14:30:00Z", "2026-03-04T16:00:00Z"]);
  });

  test("does not reorder the caller's list", () => {
    const pool = [slot("2026-03-04T18:00:00Z"), slot("2026-03-04T16:00:00Z")];
    nearestSlots(pool, target, 2);
    assert.equal(pool[0].start, "2026-03-04T18:00:00Z");
  });
});

describe("partsOfDay", () => {
  test("splits at noon and five in the clinic's zone, keeping each slot's index", () => {
    const slots = [
      slot("2026-03-04T16:59:00Z"), // 11:59 AM
      slot("2026-03-04T17:00:00Z"), // 12:00 PM
      slot("2026-03-04T21:59:00Z"), // 4:59 PM
      slot("2026-03-04T22:00:00Z"), // 5:00 PM
    ];
    const parts = partsOfDay(slots, format);
    assert.deepEqual(
      parts.map(([name, entries]) => [name, entries.map((entry) => entry.index)]),
      [
        ["Morning", [0]],
        ["Afternoon", [1, 2]],
        ["Evening", [3]],
      ],
    );
    assert.equal(parts[1][1][0].slot, slots[1]);
  });

  test("leaves empty parts out", () => {
    const parts = partsOfDay([slot("2026-03-09T23:00:00Z")], format); // 7 PM EDT
    assert.deepEqual(
      parts.map(([name]) => name),
      ["Evening"],
    );
  });

  test("after the DST change, the same UTC hour is an hour later on the clinic's clock", () => {
    // 16:30 UTC is 11:30 AM before the change and 12:30 PM after it.
    assert.equal(partsOfDay([slot("2026-03-06T16:30:00Z")], format)[0][0], "Morning");
    assert.equal(partsOfDay([slot("2026-03-09T16:30:00Z")], format)[0][0], "Afternoon");
  });
});
