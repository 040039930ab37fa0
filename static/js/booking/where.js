// The first step, only when the clinic has several open locations: where the session happens.
// The choice is remembered on this device (localStorage) for the next booking.

import { formatForZone } from "../lib/dates.js";
import { $ } from "../lib/dom.js";
import { locationById, needsLocationStep, rememberedLocation } from "../lib/locations.js";
import { storedValue } from "../lib/storage.js";
import { currentLocation, stepSummary } from "./state.js";
import { complete, hideAfter, reveal } from "./steps.js";

const remembered = storedValue("clinic.location.v1", () => globalThis.localStorage);

/** Take a location: times are then shown in its zone. */
function useLocation(page, id) {
  const { store } = page;
  const location = locationById(store.get().locations, id);
  store.set({
    locationId: location ? location.id : null,
    format: location ? formatForZone(store.get().format, location.time_zone) : store.get().format,
  });
  return location;
}

/** Tell whether the steps after "where" may go on: a location is chosen, or there is nothing to choose. */
export function locationSettled(state) {
  return !needsLocationStep(state.locations) || Boolean(currentLocation(state));
}

/** Start from the only location, or the one remembered on this device or from the last booking. */
export function startLocation(page) {
  const { config, store } = page;
  useLocation(page, rememberedLocation(store.get().locations, { saved: remembered.read(), lastBooked: config.lastLocation }));
}

/** Show the "where" step as the state says: folded into its line once chosen, else open and before everything. */
export function showLocation(page) {
  // Progress resumed after a sign-in may name a location that has closed since: start again from the remembered one.
  if (currentLocation(page.store.get())) useLocation(page, page.store.get().locationId);
  else startLocation(page);
  const state = page.store.get();
  if (!needsLocationStep(state.locations)) return;
  for (const input of page.form.querySelectorAll('input[name="location"]')) {
    input.checked = Number(input.value) === state.locationId;
  }
  if (currentLocation(state)) {
    complete("where", stepSummary("where", state));
    reveal("type", { focus: false });
  } else {
    reveal("where", { focus: false });
    hideAfter("where");
  }
}

/** Take a new location: the times found for another location no longer hold. */
export function chooseLocation(page, value) {
  useLocation(page, value);
  page.store.set({ slot: null, day: null });
  hideAfter("where");
}

/** Remember the chosen location on this device for the next visit. */
export function rememberLocation(page) {
  const { locationId, locations } = page.store.get();
  if (needsLocationStep(locations) && locationId) remembered.write(locationId);
}
