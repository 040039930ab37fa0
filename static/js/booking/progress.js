// Everything entered is kept in sessionStorage, so signing in on the way loses nothing.

import { storedValue } from "../lib/storage.js";
import { readIntake } from "./intake.js";
import { progressOf } from "./state.js";

const stored = storedValue("clinic.booking.v1");

/** Keep the choices and the intake answers in the tab. */
export function saveProgress(page) {
  stored.write({ ...progressOf(page.store.get()), intake: readIntake(page.form), savedAt: Date.now() });
}

/** Return the progress kept in the tab, or null. */
export function loadProgress() {
  return stored.read();
}

/** Forget the kept progress (the booking is made). */
export function forgetProgress() {
  stored.remove();
}
