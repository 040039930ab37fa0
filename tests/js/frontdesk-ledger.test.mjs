// The calendar money panel's pure helpers: amounts typed at the desk, the bodies sent, the words shown.
import assert from "node:assert/strict";
import { test } from "node:test";

import { chargeLine, paidMessage, paymentBody, readAmount, refundBody } from "../../static/js/frontdesk/ledger.js";

test("amounts are read with two decimals, a dollar sign and thousands commas allowed", () => {
  assert.deepEqual(readAmount("10"), { ok: true, value: "10.00" });
  assert.deepEqual(readAmount(" $10.5 "), { ok: true, value: "10.50" });
  assert.deepEqual(readAmount("1,200.05"), { ok: true, value: "1200.05" });
  assert.deepEqual(readAmount("007.10"), { ok: true, value: "7.10" });
});

test("a wrong amount is refused, an empty one only when it is required", () => {
  for (const wrong of ["-1", "1.005", "ten", "1e3", "12.", "$"]) {
    assert.equal(readAmount(wrong).ok, false, wrong);
  }
  assert.equal(readAmount("").ok, false);
  assert.deepEqual(readAmount("", { optional: true }), { ok: true, value: "" });
});

test("a desk payment sends the tip only when there is one", () => {
  assert.deepEqual(paymentBody({ appointment: 7, method: "cash", tip: "15" }), {
    body: { appointment: 7, method: "cash", tip: "15.00" },
  });
  assert.deepEqual(paymentBody({ appointment: 7, method: "terminal", tip: "" }), {
    body: { appointment: 7, method: "terminal" },
  });
  assert.deepEqual(paymentBody({ appointment: 7, method: "cash", tip: "0" }), { body: { appointment: 7, method: "cash" } });
  assert.deepEqual(Object.keys(paymentBody({ appointment: 7, method: "", tip: "x" }).fields).sort(), ["method", "tip"]);
});

test("a refund needs a reason and sends no amount when all that is left goes back", () => {
  assert.deepEqual(refundBody({ charge: 3, amount: "", reason: " Short session " }), {
    body: { charge: 3, reason: "Short session" },
  });
  assert.deepEqual(refundBody({ charge: 3, amount: "20", reason: "Late" }), {
    body: { charge: 3, amount: "20.00", reason: "Late" },
  });
  assert.deepEqual(refundBody({ charge: 3, amount: "20", reason: "" }).fields, {
    reason: "Say why the money is given back.",
  });
});

const cash = {
  id: 9,
  label: "Balance paid at the desk",
  total_text: "$105.00",
  tip_text: "$15.00",
  state: "succeeded",
  state_label: "Paid",
  method_label: "Cash",
  last4: "",
  refunded_text: "",
};

test("a charge reads as what, how much, its state and how it was paid", () => {
  assert.equal(chargeLine(cash), "Balance paid at the desk, $105.00 (tip $15.00) · Paid · Cash");
  assert.equal(
    chargeLine({ ...cash, tip_text: "", method_label: "Saved card", last4: "4242", refunded_text: "$20.00" }),
    "Balance paid at the desk, $105.00 · Paid · Saved card ending 4242 · $20.00 refunded",
  );
});

test("the desk is told what was paid, or that the saved card is being charged", () => {
  const methods = [
    { value: "cash", label: "Cash" },
    { value: "saved_card", label: "Saved card" },
  ];
  assert.equal(paidMessage({ charge: 9, charges: [cash], methods }, "cash"), "Paid $105.00 by cash.");
  assert.match(
    paidMessage({ charge: 9, charges: [{ ...cash, state: "pending" }], methods }, "saved_card"),
    /being charged to the saved card/,
  );
});
