import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";

import { clinicFormat } from "../../static/js/lib/dates.js";
import { dayTiles, slotGroups } from "../../static/js/lib/tiles.js";
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
      ["day", "day day--disabled", "day"],
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
