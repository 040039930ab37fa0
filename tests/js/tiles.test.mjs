import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";

import { clinicFormat } from "../../static/js/lib/dates.js";
import { dayStatus, dayTiles, openingsByDay, slotGroups, weekdayColumn, weekdayNames } from "../../static/js/lib/tiles.js";
import { FakeElement, byTag, installFakeDocument, removeFakeDocument } from "./fake-dom.mjs";

const format = clinicFormat("America/New_York");

/** Render a fragment into a box, as the pages do, and return the box. */
function rendered(fragment) {
  const box = new FakeElement("div");
  box.append(fragment);
  return box;
}

beforeEach(() => installFakeDocument());
afterEach(() => removeFakeDocument());

describe("dayTiles", () => {
  const counts = { "2026-03-03": 2, "2026-03-04": 0, "2026-03-05": 5 };
  const render = (checkedDay) =>
    rendered(dayTiles(Object.keys(counts), (day) => counts[day], format, { name: "day", idPrefix: "day-", checkedDay }));

  test("shows one tile per day with its weekday, date and free count", () => {
    const box = render(null);
    assert.equal(box.children.length, 3);
    assert.deepEqual(
      box.children.map((tile) => byTag(tile, "label")[0].textContent),
      ["TueMar 32 free", "WedMar 4Full", "ThuMar 55 free"],
    );
    assert.deepEqual(
      byTag(box, "input").map((input) => [input.getAttribute("id"), input.getAttribute("value")]),
      [
        ["day-2026-03-03", "2026-03-03"],
        ["day-2026-03-04", "2026-03-04"],
        ["day-2026-03-05", "2026-03-05"],
      ],
    );
  });

  test("disables full days", () => {
    const box = render(null);
    assert.deepEqual(
      box.children.map((tile) => tile.className),
      ["day day--col-2", "day day--disabled day--col-3", "day day--col-4"],
    );
    assert.deepEqual(
      byTag(box, "input").map((input) => input.hasAttribute("disabled")),
      [false, true, false],
    );
  });

  test("keeps the chosen day checked, unless it has become full", () => {
    assert.deepEqual(
      byTag(render("2026-03-05"), "input").map((input) => input.hasAttribute("checked")),
      [false, false, true],
    );
    assert.deepEqual(
      byTag(render("2026-03-04"), "input").map((input) => input.hasAttribute("checked")),
      [false, false, false],
    );
  });
});

describe("days in weekday columns", () => {
  test("numbers the columns Monday first, Sunday last", () => {
    assert.deepEqual(weekdayNames(), ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]);
    assert.deepEqual(
      ["2026-03-02", "2026-03-03", "2026-03-07", "2026-03-08", "2026-03-09"].map(weekdayColumn),
      [1, 2, 6, 7, 1],
    );
  });

  test("keeps the columns across a month and a year end", () => {
    assert.equal(weekdayColumn("2026-02-28"), 6);
    assert.equal(weekdayColumn("2026-12-31"), 4);
    assert.equal(weekdayColumn("2027-01-01"), 5);
  });

  test("puts every tile of a window that starts on a Wednesday in its weekday's column", () => {
    const days = ["2026-03-04", "2026-03-05", "2026-03-06", "2026-03-07", "2026-03-08", "2026-03-09"];
    const box = rendered(dayTiles(days, () => 1, format, { name: "day", idPrefix: "day-", checkedDay: null }));
    assert.deepEqual(
      box.children.map((tile) => tile.className.match(/day--col-(\d)/)[1]),
      ["3", "4", "5", "6", "7", "1"],
    );
  });
});

describe("Closed or Full", () => {
  test("a day with free times says how many", () => {
    assert.deepEqual(dayStatus(3, true), { state: "free", detail: "3 free" });
  });

  test("a worked day without free times is full, a day nobody works is closed", () => {
    assert.deepEqual(dayStatus(0, true), { state: "full", detail: "Full" });
    assert.deepEqual(dayStatus(0, false), { state: "closed", detail: "Closed" });
  });

  test("without the answer's days it cannot tell, and says full", () => {
    assert.equal(dayStatus(0, undefined).detail, "Full");
    assert.deepEqual(openingsByDay(undefined), {});
  });

  test("reads the answer's days by date", () => {
    assert.deepEqual(
      openingsByDay([
        { date: "2026-03-07", open: true },
        { date: "2026-03-08", open: false },
      ]),
      { "2026-03-07": true, "2026-03-08": false },
    );
  });

  test("tiles say Closed on a closed day and Full on a full one, both disabled", () => {
    const opening = { "2026-03-03": true, "2026-03-04": false };
    const box = rendered(
      dayTiles(["2026-03-03", "2026-03-04"], () => 0, format, {
        name: "day",
        idPrefix: "day-",
        checkedDay: null,
        isOpen: (day) => opening[day],
      }),
    );
    assert.deepEqual(
      box.children.map((tile) => byTag(tile, "label")[0].textContent),
      ["TueMar 3Full", "WedMar 4Closed"],
    );
    assert.deepEqual(
      box.children.map((tile) => tile.className),
      ["day day--disabled day--col-2", "day day--disabled day--col-3 day--closed"],
    );
  });
});

describe("slotGroups", () => {
  const slots = [
    { start: "2026-03-04T14:00:00Z", therapist: 1 }, // 9:00 AM
    { start: "2026-03-04T15:30:00Z", therapist: 1 }, // 10:30 AM
    { start: "2026-03-04T22:00:00Z", therapist: 2 }, // 5:00 PM
  ];

  test("groups the times by part of the day in the clinic's zone, labelled for screen readers", () => {
    const box = rendered(slotGroups(slots, format, { name: "slot", idPrefix: "slot-", isChecked: () => false }));
    assert.deepEqual(
      box.children.map((group) => [group.getAttribute("role"), group.getAttribute("aria-label")]),
      [
        ["group", "Morning"],
        ["group", "Evening"],
      ],
    );
    assert.deepEqual(
      box.children.map((group) => byTag(group, "label").map((label) => label.textContent)),
      [["9:00 AM", "10:30 AM"], ["5:00 PM"]],
    );
  });

  test("names each time by its index in the day's list, across groups", () => {
    const box = rendered(slotGroups(slots, format, { name: "slot-7", idPrefix: "slot-7-", isChecked: () => false }));
    assert.deepEqual(
      byTag(box, "input").map((input) => [input.getAttribute("name"), input.getAttribute("id"), input.getAttribute("value")]),
      [
        ["slot-7", "slot-7-0", "0"],
        ["slot-7", "slot-7-1", "1"],
        ["slot-7", "slot-7-2", "2"],
      ],
    );
  });

  test("checks the chosen time", () => {
    const chosen = slots[2];
    const box = rendered(slotGroups(slots, format, { name: "slot", idPrefix: "slot-", isChecked: (slot) => slot === chosen }));
    assert.deepEqual(
      byTag(box, "input").map((input) => input.hasAttribute("checked")),
      [false, false, true],
    );
  });

  test("renders nothing for a day without times", () => {
    const box = rendered(slotGroups([], format, { name: "slot", idPrefix: "slot-", isChecked: () => false }));
    assert.equal(box.children.length, 0);
  });
});
