// The session panel's money: what the session has paid and owes, taking the payment at the desk
// (cash, the card terminal or the saved card, with a tip), refunds with a reason, and the no-show
// fee waiting for the desk. Every change is one call of the calendar's JSON endpoints.

import { errorText } from "../lib/api.js";
import { $, el } from "../lib/dom.js";
import { chargeLine, paidMessage, paymentBody, refundBody } from "./ledger.js";

/** Return the money panel of the session dialog: show(session) loads it, hide() empties it. */
export function createMoneyPanel({ api, urls, announce }) {
  const box = $("fd-money");
  let session = null;
  let ledger = null;
  let chosen = null; // the charge a refund or waiver form is open for

  function error(message) {
    $("fd-money-error").textContent = message || "";
  }

  function done(message, receiptUrl) {
    const line = $("fd-money-done");
    line.replaceChildren();
    if (!message) return;
    line.append(message);
    if (receiptUrl) {
      line.append(" ", el("a", { href: receiptUrl, target: "_blank", rel: "noopener", id: "fd-receipt-link" }, "Print the receipt"));
    }
    announce(message);
  }

  function fact(term, value) {
    return [el("dt", {}, term), el("dd", {}, value)];
  }

  function closeForms() {
    chosen = null;
    $("fd-refund-form").hidden = true;
    $("fd-waive-form").hidden = true;
  }

  function openRefund(line) {
    closeForms();
    chosen = line;
    $("fd-refund-what").textContent = `Refund of the ${line.label.toLowerCase()}: up to ${line.refundable_text} is left. Leave the amount as it is to give back all of it.`;
    $("fd-refund-amount").value = line.refundable;
    $("fd-refund-reason").value = "";
    $("fd-refund-form").hidden = false;
    $("fd-refund-amount").focus();
  }

  function openWaive(line) {
    closeForms();
    chosen = line;
    $("fd-waive-what").textContent = `Waive the ${line.label.toLowerCase()} of ${line.total_text}.`;
    $("fd-waive-reason").value = "";
    $("fd-waive-form").hidden = false;
    $("fd-waive-reason").focus();
  }

  function charges() {
    return ledger.charges.map((line) => {
      const buttons = [];
      if (line.can_approve && ledger.may.decide) {
        const approve = el("button", { type: "button", class: "button" }, "Approve the fee");
        approve.addEventListener("click", () => change(urls.approve_fee, { charge: line.id }, "Fee approved: it is charged to the saved card."));
        buttons.push(approve);
      }
      if (line.can_waive && ledger.may.decide && line.kind !== "balance") {
        const waive = el("button", { type: "button", class: "button" }, "Waive…");
        waive.addEventListener("click", () => openWaive(line));
        buttons.push(waive);
      }
      if (line.can_refund && ledger.may.refund) {
        const refund = el("button", { type: "button", class: "button", "data-charge": line.id }, "Refund…");
        refund.addEventListener("click", () => openRefund(line));
        buttons.push(refund);
      }
      if (line.receipt_url) {
        buttons.push(el("a", { href: line.receipt_url, target: "_blank", rel: "noopener" }, "Receipt"));
      }
      return el("li", { dataset: { charge: line.id } }, el("span", {}, chargeLine(line)), " ", ...buttons);
    });
  }

  function methods() {
    return ledger.methods.map((method, index) => {
      const id = `fd-pay-${method.value}`;
      return el(
        "div",
        { class: "fd-option" },
        el("input", { type: "radio", name: "pay_method", id, value: method.value, checked: index === 0 }),
        el("label", { for: id }, method.value === "saved_card" && ledger.card ? `${method.label} (${ledger.card})` : method.label),
      );
    });
  }

  function render() {
    const text = ledger.text;
    $("fd-money-summary").replaceChildren(
      ...fact("Price", text.price),
      ...fact("Paid", text.paid),
      ...fact("Owed", text.owed),
      ...(ledger.refunded !== "0.00" ? fact("Refunded", text.refunded) : []),
      ...fact("Balance due", text.balance_due),
      ...fact("Card on file", ledger.card || "None"),
    );
    $("fd-money-charges").replaceChildren(...(ledger.charges.length ? charges() : [el("li", {}, "Nothing charged yet.")]));
    const payable = ledger.can_pay && ledger.may.pay;
    $("fd-pay-form").hidden = !payable;
    if (payable) {
      $("fd-pay-methods").replaceChildren(...methods());
      $("fd-pay-tip").value = "";
      $("fd-pay-submit").textContent = `Take ${text.balance_due}`;
    }
  }

  async function load() {
    const answer = await api.get(urls.payments, { appointment: session.id });
    if (!answer.ok) {
      error(answer.error.message);
      return;
    }
    ledger = answer.data;
    render();
  }

  async function change(url, body, message) {
    error("");
    const answer = await api.post(url, body);
    if (!answer.ok) {
      error(errorText(answer.error.message, Object.values(answer.error.fields || {})));
      return null;
    }
    ledger = answer.data;
    closeForms();
    render();
    done(typeof message === "function" ? message(ledger) : message, ledger.receipt_url);
    return ledger;
  }

  $("fd-pay-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const checked = box.querySelector('input[name="pay_method"]:checked');
    const method = checked ? checked.value : "";
    const made = paymentBody({ appointment: session.id, method, tip: $("fd-pay-tip").value });
    if (made.fields) {
      error(Object.values(made.fields).join(" "));
      $("fd-pay-tip").focus();
      return;
    }
    change(urls.pay, made.body, (answer) => paidMessage(answer, method));
  });
  $("fd-refund-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const made = refundBody({ charge: chosen.id, amount: $("fd-refund-amount").value, reason: $("fd-refund-reason").value });
    if (made.fields) {
      error(Object.values(made.fields).join(" "));
      return;
    }
    change(urls.refund, made.body, "Refund recorded.");
  });
  $("fd-waive-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const reason = $("fd-waive-reason").value.trim();
    if (!reason) {
      error("Say why the fee is waived.");
      $("fd-waive-reason").focus();
      return;
    }
    change(urls.waive_fee, { charge: chosen.id, reason }, "Fee waived.");
  });
  for (const button of box.querySelectorAll("[data-close-form]")) button.addEventListener("click", closeForms);

  return {
    show(opened) {
      session = opened;
      ledger = null;
      closeForms();
      error("");
      done("");
      $("fd-money-summary").replaceChildren();
      $("fd-money-charges").replaceChildren();
      $("fd-pay-form").hidden = true;
      box.hidden = false;
      load();
    },
    hide() {
      box.hidden = true;
      session = null;
    },
  };
}
