// The patient's intake before a session: what the booking form's answers mean, and the
// rule that a ticked warning sign needs the patient's word that a provider was consulted.
// The field names, the red-flag questions and the rule's message come from the server
// (booking.services.INTAKE_FIELDS, booking.intake.RED_FLAGS and PROVIDER_CONSULTED_MESSAGE)
// in the page's configuration: {fields, redFlags: [{key, label}], providerConsultedMessage}.

// The API keeps focus_areas to this many characters.
const FOCUS_AREAS_LENGTH = 300;

/** Return the intake of the form's raw answers, with the API's fields and what restores the form. */
export function composeIntake({ areas = [], other = "", pain, pressure = "", healthNotes = "", redFlags = [], providerConsulted = false }) {
  const focusOther = other.trim();
  return {
    focus_area_choices: areas,
    focus_other: focusOther,
    focus_areas: [...areas, focusOther].filter(Boolean).join(", ").slice(0, FOCUS_AREAS_LENGTH),
    pain_level: pain === undefined || pain === null || pain === "" ? null : Number(pain),
    pressure: pressure || "",
    health_notes: healthNotes,
    red_flags: redFlags,
    provider_consulted: Boolean(providerConsulted),
  };
}

/** Return the ticked keys that are red-flag questions of the clinic. */
export function redFlagsTicked(keys, rules) {
  const known = new Set(rules.redFlags.map((flag) => flag.key));
  return keys.filter((key) => known.has(key));
}

/** Return the field messages the intake deserves before it is sent: {} when it may go. */
export function intakeErrors(intake, rules) {
  if (redFlagsTicked(intake.red_flags, rules).length && !intake.provider_consulted) {
    return { provider_consulted: rules.providerConsultedMessage };
  }
  return {};
}

/** Return the intake's fields as the appointments API takes them. */
export function intakePayload(intake, rules) {
  return Object.fromEntries(rules.fields.map((field) => [field, intake[field]]));
}

/** Split an API error's field messages into the intake's ({field: message}) and the others' messages. */
export function splitFieldErrors(fields, rules) {
  const intake = {};
  const other = [];
  for (const [field, message] of Object.entries(fields || {})) {
    if (rules.fields.includes(field)) intake[field] = message;
    else other.push(message);
  }
  return { intake, other };
}

/**
 * Return the questionnaire's answers a link carries in its fragment ("#area=lower_back&pressure=firm&pain=6"):
 * {areas, pressure, pain}, keeping only values the intake knows. The fragment never reaches the server,
 * so these health answers stay out of its logs, as the questionnaire's own POST keeps them.
 */
export function answersFromLink(fragment, { areas: knownAreas = [], pressures: knownPressures = [] } = {}) {
  const params = new URLSearchParams(String(fragment || "").replace(/^#/, ""));
  const areas = [...new Set(params.getAll("area").flatMap((value) => value.split(",")))].filter((area) =>
    knownAreas.includes(area),
  );
  const pressure = params.get("pressure") || "";
  const painText = params.get("pain");
  const pain = painText !== null && /^(10|[0-9])$/.test(painText) ? Number(painText) : null;
  return { areas, pressure: knownPressures.includes(pressure) ? pressure : "", pain };
}

/** Return the intake as rows for the patient to check before confirming: [[term, text], ...]. */
export function intakeRows(intake, rules) {
  const pressure = (rules.pressures || []).find((choice) => choice.value === intake.pressure);
  const flags = rules.redFlags.filter((flag) => (intake.red_flags || []).includes(flag.key)).map((flag) => flag.label);
  const signs = flags.length
    ? `${flags.join("; ")}${intake.provider_consulted ? " (talked to a doctor or health provider)" : ""}`
    : "None";
  return [
    ["Focus areas", intake.focus_areas || "None given"],
    ["Pain today", intake.pain_level === null || intake.pain_level === undefined ? "Not given" : `${intake.pain_level} of 10`],
    ["Pressure", pressure ? pressure.label : "Not sure"],
    ["Health notes", (intake.health_notes || "").trim() || "None"],
    ["Warning signs", signs],
  ];
}

/** Return the intake in one line, for the folded step: what was answered, or that nothing was. */
export function intakeLine(intake, rules) {
  const [areas, pain, pressure] = intakeRows(intake, rules);
  const parts = [];
  if (intake.focus_areas) parts.push(areas[1]);
  if (intake.pain_level !== null && intake.pain_level !== undefined) parts.push(`pain ${pain[1]}`);
  if (intake.pressure) parts.push(`${pressure[1].toLowerCase()} pressure`);
  if ((intake.red_flags || []).length) parts.push("warning signs noted");
  return parts.length ? parts.join(" · ") : "No answers given";
}
