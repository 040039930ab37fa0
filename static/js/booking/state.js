// The booking flow's one state: what the patient chose, and what the API answered for it.

import { clinicFormat } from "../lib/dates.js";
import { intakeLine } from "../lib/intake.js";
import { locationById, locationLine } from "../lib/locations.js";
import { money } from "../lib/money.js";
import { createStore } from "../lib/store.js";
import { slotsToOffer } from "../lib/slots.js";

// The choices kept in the tab while the patient signs in or creates an account.
const PROGRESS_KEYS = ["locationId", "typeId", "therapistId", "windowStart", "day", "slot"];

/** Return the booking's store, before anything is chosen. */
export function createBookingState(config) {
  return createStore({
    locations: config.locations || [],
    locationId: null,
    typeId: null,
    therapistId: "any",
    windowStart: config.today,
    day: null,
    slot: null,
    massageTypes: [],
    therapists: [],
    daySlots: {},
    format: clinicFormat(config.timeZone),
    authenticated: config.authenticated,
  });
}

/** Return the choices worth keeping across a sign-in. */
export function progressOf(state) {
  return Object.fromEntries(PROGRESS_KEYS.map((key) => [key, state[key]]));
}

/** Return the choices of saved progress, with a window that starts no earlier than today. */
export function resumedChoices(saved, today) {
  return {
    // Progress kept before the clinic had locations has none: the remembered one stays.
    ...(saved.locationId ? { locationId: saved.locationId } : {}),
    typeId: saved.typeId,
    therapistId: saved.therapistId,
    windowStart: saved.windowStart && saved.windowStart >= today ? saved.windowStart : today,
    day: saved.day,
    slot: saved.slot,
  };
}

/** Return the chosen location, or null. */
export function currentLocation(state) {
  return locationById(state.locations, state.locationId);
}

/** Return the chosen massage type, or null. */
export function currentType(state) {
  return state.massageTypes.find((type) => type.id === state.typeId) || null;
}

/** Return a therapist's display name, or "" for one not listed. */
export function therapistName(state, id) {
  const found = state.therapists.find((therapist) => therapist.id === id);
  return found ? found.display_name : "";
}

/** Tell whether the patient lets any available therapist take the session. */
export function anyTherapist(state) {
  return state.therapistId === "any";
}

/** Return the free times offered on a day for the chosen therapist (or any). */
export function slotsOfDay(state, day) {
  return slotsToOffer(state.daySlots, day, { anyTherapist: anyTherapist(state) });
}

/** Return the one line a finished step folds into: the location, the massage, the therapist, the time or the intake. */
export function stepSummary(step, state, { intake, rules } = {}) {
  if (step === "where") return locationLine(currentLocation(state));
  if (step === "type") {
    const type = currentType(state);
    return type ? `${type.name} · ${type.duration_minutes} minutes · ${money(type.price)}` : "";
  }
  if (step === "therapist") return anyTherapist(state) ? "Any available therapist" : therapistName(state, state.therapistId);
  if (step === "time") {
    const { slot, format } = state;
    if (!slot) return "";
    const who = anyTherapist(state) ? therapistName(state, slot.therapist) : "";
    return who ? `${format.when(slot.start)} with ${who}` : format.when(slot.start);
  }
  if (step === "intake") return intakeLine(intake, rules);
  return "";
}
