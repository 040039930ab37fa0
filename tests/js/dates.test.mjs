import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { addDays, clinicFormat, dateRange, formatForZone, shiftWindow, windowPaging } from "../../static/js/lib/dates.js";

const ZONE = "America/New_York";

describe("addDays", () => {
  test("crosses months, years and leap days", () => {
    assert.equal(addDays("2026-03-31", 1), "2026-04-01");
    assert.equal(addDays("2026-12-31", 1), "2027-01-01");
    assert.equal(addDays("2028-02-28", 1), "2028-02-29");
    assert.equal(addDays("2026-03-02", -2), "2026-02-28");
  });

  test("counts calendar days across a DST change", () => {
    assert.equal(addDays("2026-03-07", 1), "2026-03-08");
    assert.equal(addDays("2026-03-08", 1), "2026-03-09");
    assert.equal(addDays("2026-10-31", 2), "2026-11-02");
  });
});

describe("dateRange", () => {
  test("lists `count` consecutive days from the first", () => {
    assert.deepEqual(dateRange("2026-02-27", 4), ["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]);
    assert.equal(dateRange("2026-03-02", 14).length, 14);
    assert.deepEqual(dateRange("2026-03-02", 0), []);
  });
});

describe("the day window", () => {
  const window = { today: "2026-03-02", days: 14, horizonDays: 60 };

  test("pages forward and back by the window's length", () => {
    assert.equal(shiftWindow("2026-03-02", 1, window), "2026-03-16");
    assert.equal(shiftWindow("2026-03-30", -1, window), "2026-03-16");
  });

  test("never starts before today", () => {
    assert.equal(shiftWindow("2026-03-09", -1, window), "2026-03-02");
    assert.equal(shiftWindow("2026-03-02", -1, window), "2026-03-02");
  });

  test("cannot page earlier than today", () => {
    assert.equal(windowPaging("2026-03-02", window).earlier, false);
    assert.equal(windowPaging("2026-03-16", window).earlier, true);
  });

  test("cannot page past the booking horizon", () => {
    // Today + 60 days is 2026-05-01: a next window may start up to that day.
    assert.equal(windowPaging("2026-04-17", window).later, true);
    assert.equal(windowPaging("2026-04-18", window).later, false);
    assert.equal(windowPaging("2026-04-27", window).later, false);
  });
});

describe("clinicFormat", () => {
  const format = clinicFormat(ZONE);

  test("shows instants at the clinic's wall-clock time, before and after the DST change", () => {
    assert.equal(format.time("2026-03-04T14:00:00Z"), "9:00 AM");
    assert.equal(format.time("2026-03-09T13:00:00Z"), "9:00 AM");
    assert.equal(format.time("2026-03-04T09:00:00-05:00"), "9:00 AM");
  });

  test("reads the clinic day of an instant, not the UTC one", () => {
    assert.equal(format.dayOf("2026-03-05T03:30:00Z"), "2026-03-04");
    assert.equal(format.dayOf("2026-03-05T05:30:00Z"), "2026-03-05");
  });

  test("gives the hour of the day on a 24-hour clock", () => {
    assert.equal(format.hourOf("2026-03-04T05:00:00Z"), 0);
    assert.equal(format.hourOf("2026-03-04T17:00:00Z"), 12);
    assert.equal(format.hourOf("2026-03-04T23:30:00Z"), 18);
  });

  test("says when in words, in the style the server writes", () => {
    assert.equal(format.when("2026-03-03T15:00:00Z"), "Tuesday, March 3, 2026 at 10:00 AM");
    assert.equal(format.longDate("2026-03-03T15:00:00Z"), "Tuesday, March 3, 2026");
    assert.equal(format.shortWhen("2026-03-04T15:00:00Z"), "Wed, Mar 4, 10:00 AM");
  });

  test("writes the clock with a plain space before AM or PM, noon and midnight as 12", () => {
    assert.equal(format.time("2026-03-04T15:00:00Z"), "10:00 AM");
    assert.equal(format.time("2026-03-04T17:00:00Z"), "12:00 PM");
    assert.equal(format.time("2026-03-04T05:00:00Z"), "12:00 AM");
    assert.equal(format.time("2026-03-04T20:45:00Z"), "3:45 PM");
  });

  test("writes a span with one AM or PM, or both when it crosses noon", () => {
    assert.equal(format.span("2026-03-04T15:00:00Z", "2026-03-04T16:00:00Z"), "10:00\u201311:00 AM");
    assert.equal(format.span("2026-03-04T16:30:00Z", "2026-03-04T17:30:00Z"), "11:30 AM\u201312:30 PM");
    assert.equal(format.span("2026-03-04T19:00:00Z", "2026-03-04T20:30:00Z"), "2:00\u20133:30 PM");
  });

  test("keeps the wall clock on both sides of the spring change", () => {
    // 9:00 AM on the Saturday before the change is 14:00Z, on the Monday after it 13:00Z.
    assert.equal(format.when("2026-03-07T14:00:00Z"), "Saturday, March 7, 2026 at 9:00 AM");
    assert.equal(format.when("2026-03-09T13:00:00Z"), "Monday, March 9, 2026 at 9:00 AM");
  });

  test("names the zone as it is at that instant", () => {
    assert.equal(format.zoneName("2026-03-04T14:00:00Z"), "Eastern Standard Time (America/New_York)");
    assert.equal(format.zoneName("2026-03-09T13:00:00Z"), "Eastern Daylight Time (America/New_York)");
    assert.match(format.genericZone(), /\(America\/New_York\)$/);
  });

  test("knows its zone", () => {
    assert.equal(format.timeZone, ZONE);
  });
});

describe("clinic dates shown in a browser far from the clinic", () => {
  const saved = process.env.TZ;
  before(() => {
    // UTC+14: a calendar date read as a local instant would show the next day.
    process.env.TZ = "Pacific/Kiritimati";
  });
  after(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });

  test("stay the same calendar date", () => {
    const format = clinicFormat(ZONE);
    assert.equal(format.shortDay("2026-03-04"), "Wed, Mar 4");
    assert.equal(format.weekday("2026-03-04"), "Wed");
    assert.equal(format.monthDay("2026-03-04"), "Mar 4");
    assert.equal(format.longDay("2026-03-04"), "Wednesday, March 4, 2026");
  });

  test("and instants stay in the clinic's zone", () => {
    const format = clinicFormat(ZONE);
    assert.equal(format.time("2026-03-04T14:00:00Z"), "9:00 AM");
    assert.equal(format.dayOf("2026-03-05T03:30:00Z"), "2026-03-04");
  });
});

describe("formatForZone", () => {
  const format = clinicFormat(ZONE);

  test("keeps the formatters when the API states the same zone or none", () => {
    assert.equal(formatForZone(format, ZONE), format);
    assert.equal(formatForZone(format, undefined), format);
    assert.equal(formatForZone(format, ""), format);
  });

  test("switches to the zone the API states when it differs", () => {
    const other = formatForZone(format, "Europe/London");
    assert.notEqual(other, format);
    assert.equal(other.timeZone, "Europe/London");
    assert.equal(other.time("2026-03-04T14:00:00Z"), "2:00 PM");
    // London changes its clocks three weeks after Boston: 9:00 AM there is 08:00Z in summer time.
    assert.equal(other.when("2026-03-30T08:00:00Z"), "Monday, March 30, 2026 at 9:00 AM");
    assert.equal(other.shortWhen("2026-03-27T09:00:00Z"), "Fri, Mar 27, 9:00 AM");
  });
});
