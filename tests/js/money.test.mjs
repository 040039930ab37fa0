import assert from "node:assert/strict";
import { test } from "node:test";

import { money } from "../../static/js/lib/money.js";

test("shows the API's decimal strings and numbers as dollars and cents", () => {
  assert.equal(money("80.00"), "$80.00");
  assert.equal(money("12.5"), "$12.50");
  assert.equal(money(75), "$75.00");
});

test("shows a value that is not a number as given rather than $NaN", () => {
  assert.equal(money("on request"), "$on request");
});
