// Pure helpers of the calendar's money panel: amounts typed at the desk, the bodies sent, the words shown.
// No DOM here, so node's tests read them. The server has the last word on every amount.

const AMOUNT = /^\$?\s*(\d{1,6})(?:\.(\d{1,2}))?$/;

/** Read an amount typed at the desk ("10", "$10.5", "10.50"): {ok, value} with two decimals, or {ok: false, message}. */
export function readAmount(text, { optional = false } = {}) {
  const given = String(text ?? "").trim().replace(/,/g, "");
  if (!given) {
    return optional ? { ok: true, value: "" } : { ok: false, message: "Enter an amount like 10.00." };
  }
  const match = AMOUNT.exec(given);
  if (!match) return { ok: false, message: "Enter an amount like 10.00." };
  const cents = (match[2] || "").padEnd(2, "0");
  return { ok: true, value: `${Number(match[1])}.${cents}` };
}

/** Return the body of a desk payment, or {fields} naming what to correct. */
export function paymentBody({ appointment, method, tip }) {
  const fields = {};
  if (!method) fields.method = "Choose how the patient pays.";
  const amount = readAmount(tip, { optional: true });
  if (!amount.ok) fields.tip = `Tip: ${amount.message}`;
  if (Object.keys(fields).length) return { fields };
  const body = { appointment, method };
  if (amount.value && Number(amount.value) > 0) body.tip = amount.value;
  return { body };
}

/** Return the body of a refund (all that is left when the amount is left empty), or {fields}. */
export function refundBody({ charge, amount, reason }) {
  const fields = {};
  const read = readAmount(amount, { optional: true });
  if (!read.ok) fields.amount = read.message;
  const why = String(reason ?? "").trim();
  if (!why) fields.reason = "Say why the money is given back.";
  if (Object.keys(fields).length) return { fields };
  const body = { charge, reason: why };
  if (read.value) body.amount = read.value;
  return { body };
}

/** Return one charge as the panel lists it: "Balance paid at the desk, $105.00 (tip $15.00) · Paid · Cash". */
export function chargeLine(line) {
  const tip = line.tip_text ? ` (tip ${line.tip_text})` : "";
  const how = line.last4 ? `${line.method_label} ending ${line.last4}` : line.method_label;
  const back = line.refunded_text ? ` · ${line.refunded_text} refunded` : "";
  return `${line.label}, ${line.total_text}${tip} · ${line.state_label} · ${how}${back}`;
}

/** Return what the desk says once a payment is recorded. */
export function paidMessage(ledger, method) {
  const how = (ledger.methods.find((each) => each.value === method) || { label: method }).label.toLowerCase();
  const taken = ledger.charges.find((each) => each.id === ledger.charge);
  if (!taken) return "Payment recorded.";
  if (taken.state === "succeeded") return `Paid ${taken.total_text} by ${how}.`;
  return `${taken.total_text} is being charged to the saved card; the receipt follows once it is paid.`;
}
