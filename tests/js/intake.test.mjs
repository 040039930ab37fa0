import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { composeIntake, intakeErrors, intakePayload, redFlagsTicked, splitFieldErrors } from "../../static/js/lib/intake.js";

// The shape the booking page's configuration carries (config.intake); the server fills it.
const rules = {
  fields: ["focus_areas", "pain_level", "pressure", "health_notes", "red_flags", "provider_consulted"],
  redFlags: [
    { key: "recent_injury", label: "A recent fall, accident or injury to the back" },
    { key: "leg_numbness", label: "Numbness, tingling or weakness in the legs" },
  ],
  providerConsultedMessage: "Please confirm that you have talked to your doctor.",
};

describe("composeIntake", () => {
  test("joins the ticked areas and the patient's own words", () => {
    const intake = composeIntake({ areas: ["Lower back", "Neck"], other: "  left hip  " });
    assert.equal(intake.focus_areas, "Lower back, Neck, left hip");
    assert.deepEqual(intake.focus_area_choices, ["Lower back", "Neck"]);
    assert.equal(intake.focus_other, "left hip");
  });

  test("keeps focus areas within the API's 300 characters", () => {
    const intake = composeIntake({ areas: ["Lower back"], other: "x".repeat(400) });
    assert.equal(intake.focus_areas.length, 300);
    assert.ok(intake.focus_areas.startsWith("Lower back, x"));
  });

  test("reads the pain level as a number, zero included, and none as null", () => {
    assert.equal(composeIntake({ pain: "0" }).pain_level, 0);
    assert.equal(composeIntake({ pain: "7" }).pain_level, 7);
    assert.equal(composeIntake({ pain: undefined }).pain_level, null);
  });

  test("sends no pressure and no areas when nothing is chosen", () => {
    const intake = composeIntake({ pressure: undefined });
    assert.equal(intake.pressure, "");
    assert.equal(intake.focus_areas, "");
    assert.deepEqual(intake.red_flags, []);
    assert.equal(intake.provider_consulted, false);
  });
});

describe("redFlagsTicked", () => {
  test("keeps only the clinic's red-flag questions", () => {
    assert.deepEqual(redFlagsTicked(["leg_numbness", "made_up"], rules), ["leg_numbness"]);
    assert.deepEqual(redFlagsTicked([], rules), []);
  });
});

describe("intakeErrors", () => {
  test("asks for the provider's word when a red flag is ticked, with the server's message", () => {
    const intake = composeIntake({ redFlags: ["leg_numbness"], providerConsulted: false });
    assert.deepEqual(intakeErrors(intake, rules), { provider_consulted: rules.providerConsultedMessage });
  });

  test("lets the intake go once the provider was consulted", () => {
    const intake = composeIntake({ redFlags: ["leg_numbness", "recent_injury"], providerConsulted: true });
    assert.deepEqual(intakeErrors(intake, rules), {});
  });

  test("lets the intake go without red flags, consulted or not", () => {
    assert.deepEqual(intakeErrors(composeIntake({}), rules), {});
  });

  test("leaves keys that are not red-flag questions to the server", () => {
    assert.deepEqual(intakeErrors(composeIntake({ redFlags: ["made_up"] }), rules), {});
  });
});

describe("intakePayload", () => {
  test("sends exactly the server's intake fields, in its order", () => {
    const intake = composeIntake({ areas: ["Neck"], pain: "4", pressure: "firm", healthNotes: "Asthma.", redFlags: [] });
    const payload = intakePayload(intake, rules);
    assert.deepEqual(Object.keys(payload), rules.fields);
    assert.deepEqual(payload, {
      focus_areas: "Neck",
      pain_level: 4,
      pressure: "firm",
      health_notes: "Asthma.",
      red_flags: [],
      provider_consulted: false,
    });
  });
});

describe("splitFieldErrors", () => {
  test("puts intake fields beside their questions and the rest with the confirm message", () => {
    const split = splitFieldErrors({ pain_level: "0 to 10.", start: "Not a free time.", therapist: "Unknown." }, rules);
    assert.deepEqual(split.intake, { pain_level: "0 to 10." });
    assert.deepEqual(split.other, ["Not a free time.", "Unknown."]);
  });

  test("copes with an error without fields", () => {
    assert.deepEqual(splitFieldErrors(undefined, rules), { intake: {}, other: [] });
  });
});
