import assert from "node:assert/strict";
import { test } from "node:test";

import { insideChangeWindow, serverClock } from "../../static/js/lib/policy.js";

const DAY = 24 * 60;

test("a slot less than the window away is inside it; one further away is not", () => {
  const now = new Date("2026-03-02T08:00:00-05:00").getTime();
  assert.equal(insideChangeWindow("2026-03-02T11:00:00-05:00", now, DAY), true);
  assert.equal(insideChangeWindow("2026-03-03T07:59:00-05:00", now, DAY), true);
  assert.equal(insideChangeWindow("2026-03-03T08:00:00-05:00", now, DAY), false);
  assert.equal(insideChangeWindow("2026-03-05T10:00:00-05:00", now, DAY), false);
});

test("the window follows the clinic's setting", () => {
  const now = new Date("2026-03-02T08:00:00-05:00").getTime();
  assert.equal(insideChangeWindow("2026-03-02T11:00:00-05:00", now, 120), false);
  assert.equal(insideChangeWindow("2026-03-02T09:30:00-05:00", now, 120), true);
});

test("the server's clock keeps running from the time it stated, whatever the browser's clock says", () => {
  let local = Date.parse("2031-01-01T00:00:00Z");
  const clock = serverClock("2026-03-02T08:00:00-05:00", local, () => local);
  assert.equal(clock(), Date.parse("2026-03-02T13:00:00Z"));
  local += 90 * 1000;
  assert.equal(clock(), Date.parse("2026-03-02T13:01:30Z"));
});
