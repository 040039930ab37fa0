import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";

import { $, checkedValues, createAnnouncer, el, radioOption } from "../../static/js/lib/dom.js";
import { FakeElement, byTag, installFakeDocument, removeFakeDocument } from "./fake-dom.mjs";

beforeEach(() => installFakeDocument());
afterEach(() => removeFakeDocument());

describe("$", () => {
  test("finds an element of the page by id", () => {
    const box = new FakeElement("div");
    installFakeDocument({ elementsById: { summary: box } });
    assert.equal($("summary"), box);
    assert.equal($("missing"), null);
  });
});

describe("checkedValues", () => {
  test("asks the root for its checked inputs of that name and returns their values", () => {
    const asked = [];
    const root = {
      querySelectorAll: (selector) => {
        asked.push(selector);
        return [{ value: "leg_numbness" }, { value: "fever" }];
      },
    };
    assert.deepEqual(checkedValues(root, "red_flags"), ["leg_numbness", "fever"]);
    assert.deepEqual(asked, ['input[name="red_flags"]:checked']);
  });
});

describe("el", () => {
  test("sets attributes, leaving out false, null and undefined, and writing true as present", () => {
    const input = el("input", { type: "radio", id: "day-1", checked: true, disabled: false, title: null, value: undefined });
    assert.equal(input.tagName, "INPUT");
    assert.deepEqual(Object.fromEntries(input.attributes), { type: "radio", id: "day-1", checked: "" });
  });

  test("fills the dataset from an object", () => {
    assert.deepEqual(el("div", { dataset: { appointment: "12" } }).dataset, { appointment: "12" });
  });

  test("appends text as text, never as markup, and nested nodes as they are", () => {
    const inner = el("span", {}, "inner");
    const box = el("p", {}, "<b>bold</b> ", 3, inner, [null, " end"], false, undefined);
    assert.equal(box.textContent, "<b>bold</b> 3inner end");
    assert.equal(box.childNodes.length, 4);
    assert.equal(box.childNodes[2], inner);
  });
});

describe("radioOption", () => {
  test("labels a radio input with its title, subtitle and detail", () => {
    const option = radioOption({ name: "day", id: "day-2026-03-04", value: "2026-03-04", title: "Wed", subtitle: "Mar 4", detail: "3 free", checked: true, className: "day" });
    assert.equal(option.className, "day");
    const [input] = byTag(option, "input");
    assert.deepEqual(Object.fromEntries(input.attributes), { type: "radio", name: "day", id: "day-2026-03-04", value: "2026-03-04", checked: "" });
    const [label] = byTag(option, "label");
    assert.equal(label.getAttribute("for"), "day-2026-03-04");
    assert.deepEqual(
      byTag(label, "span").map((span) => [span.className, span.textContent]),
      [
        ["day__title", "Wed"],
        ["day__subtitle", "Mar 4"],
        ["day__detail", "3 free"],
      ],
    );
  });

  test("marks a disabled option on the input and the wrapper, and leaves out empty parts", () => {
    const option = radioOption({ name: "therapist", id: "t-1", value: "1", title: "Ana", detail: "", disabled: true });
    assert.equal(option.className, "option option--disabled");
    assert.equal(byTag(option, "input")[0].hasAttribute("disabled"), true);
    assert.equal(byTag(option, "input")[0].hasAttribute("checked"), false);
    assert.equal(byTag(option, "span").length, 1);
  });
});

describe("createAnnouncer", () => {
  test("empties the live region, then writes the message a moment later", () => {
    const region = new FakeElement("p");
    region.textContent = "Old news.";
    const pending = [];
    const announce = createAnnouncer(region, { later: (callback, ms) => pending.push({ callback, ms }) });
    announce("3 free times on Wednesday, March 4.");
    assert.equal(region.textContent, "");
    assert.equal(pending.length, 1);
    assert.equal(pending[0].ms, 50);
    pending[0].callback();
    assert.equal(region.textContent, "3 free times on Wednesday, March 4.");
  });
});
