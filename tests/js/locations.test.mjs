import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { locationById, locationLine, locationParam, needsLocationStep, rememberedLocation } from "../../static/js/lib/locations.js";

const DOWNTOWN = { id: 1, name: "Downtown", address: "12 Harbor Street, Boston, MA 02110", time_zone: "America/New_York" };
const UPTOWN = { id: 2, name: "Uptown", address: "200 Beacon Street, Boston, MA 02116", time_zone: "America/New_York" };
const BOTH = [DOWNTOWN, UPTOWN];

describe("the location step", () => {
  test("is asked only when there is more than one open location", () => {
    assert.equal(needsLocationStep([DOWNTOWN]), false);
    assert.equal(needsLocationStep([]), false);
    assert.equal(needsLocationStep(undefined), false);
    assert.equal(needsLocationStep(BOTH), true);
  });

  test("finds a location by its id, given as a number or as the text of a radio's value", () => {
    assert.equal(locationById(BOTH, 2), UPTOWN);
    assert.equal(locationById(BOTH, "2"), UPTOWN);
    assert.equal(locationById(BOTH, 7), null);
    assert.equal(locationById(BOTH, null), null);
    assert.equal(locationById(BOTH, ""), null);
  });
});

describe("the location to start from", () => {
  test("is the only one when there is one, whatever was remembered", () => {
    assert.equal(rememberedLocation([DOWNTOWN]), 1);
    assert.equal(rememberedLocation([DOWNTOWN], { saved: 2, lastBooked: 2 }), 1);
  });

  test("is the choice remembered on this device first, then the last booking's", () => {
    assert.equal(rememberedLocation(BOTH, { saved: 2, lastBooked: 1 }), 2);
    assert.equal(rememberedLocation(BOTH, { saved: null, lastBooked: 1 }), 1);
    assert.equal(rememberedLocation(BOTH, { saved: "2" }), 2);
  });

  test("skips a remembered location that has closed since", () => {
    assert.equal(rememberedLocation(BOTH, { saved: 9, lastBooked: 2 }), 2);
    assert.equal(rememberedLocation(BOTH, { saved: 9, lastBooked: 8 }), null);
  });

  test("is none when nothing is remembered: the patient chooses", () => {
    assert.equal(rememberedLocation(BOTH), null);
    assert.equal(rememberedLocation([]), null);
  });
});

describe("a location in one line and as the API's parameter", () => {
  test("names the location and its address", () => {
    assert.equal(locationLine(UPTOWN), "Uptown · 200 Beacon Street, Boston, MA 02116");
    assert.equal(locationLine({ id: 3, name: "Pop-up", address: "" }), "Pop-up");
    assert.equal(locationLine(null), "");
  });

  test("sends the chosen open location's id, and leaves the parameter out otherwise", () => {
    assert.equal(locationParam(BOTH, "2"), 2);
    assert.equal(locationParam([DOWNTOWN], 1), 1);
    assert.equal(locationParam(BOTH, null), "");
    assert.equal(locationParam(BOTH, 9), "");
  });
});
