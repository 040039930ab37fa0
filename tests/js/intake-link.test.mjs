import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { answersFromLink, intakeLine, intakeRows } from "../../static/js/lib/intake.js";

const known = { areas: ["lower_back", "upper_back", "neck_shoulders", "whole_back", "hips"], pressures: ["light", "medium", "firm", "deep"] };
const rules = {
  fields: [],
  redFlags: [{ key: "leg_numbness", label: "Numbness in the legs" }],
  pressures: [
    { value: "light", label: "Light" },
    { value: "firm", label: "Firm" },
  ],
};

describe("answers carried from the questionnaire", () => {
  test("reads the area, pressure and pain of the link's fragment", () => {
    assert.deepEqual(answersFromLink("#area=lower_back&pressure=firm&pain=6", known), {
      areas: ["lower_back"],
      pressure: "firm",
      pain: 6,
    });
  });

  test("takes several areas, once each", () => {
    assert.deepEqual(answersFromLink("#area=lower_back,hips&area=hips", known).areas, ["lower_back", "hips"]);
  });

  test("drops what the intake does not know", () => {
    assert.deepEqual(answersFromLink("#area=knees&pressure=crushing&pain=11", known), { areas: [], pressure: "", pain: null });
    assert.deepEqual(answersFromLink("", known), { areas: [], pressure: "", pain: null });
    assert.equal(answersFromLink("#pain=0", known).pain, 0);
  });
});

describe("the intake on the confirm step", () => {
  const intake = {
    focus_areas: "Lower back, Hips",
    pain_level: 4,
    pressure: "firm",
    health_notes: "  ",
    red_flags: ["leg_numbness"],
    provider_consulted: true,
  };

  test("lists every answer, saying so when one is not given", () => {
    assert.deepEqual(intakeRows(intake, rules), [
      ["Focus areas", "Lower back, Hips"],
      ["Pain today", "4 of 10"],
      ["Pressure", "Firm"],
      ["Health notes", "None"],
      ["Warning signs", "Numbness in the legs (talked to a doctor or health provider)"],
    ]);
    const empty = intakeRows({ focus_areas: "", pain_level: null, pressure: "", health_notes: "", red_flags: [] }, rules);
    assert.deepEqual(empty.map(([, text]) => text), ["None given", "Not given", "Not sure", "None", "None"]);
  });

  test("folds into one line, or says nothing was answered", () => {
    assert.equal(intakeLine(intake, rules), "Lower back, Hips · pain 4 of 10 · firm pressure · warning signs noted");
    assert.equal(intakeLine({ focus_areas: "", pain_level: null, pressure: "", red_flags: [] }, rules), "No answers given");
  });
});
