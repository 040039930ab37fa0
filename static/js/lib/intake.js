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
