// Step 2: choose a therapist, or any available one.

import { items } from "../lib/api.js";
import { $, el, radioOption } from "../lib/dom.js";
import { locationParam } from "../lib/locations.js";
import { hideAfter, showError } from "./steps.js";

/** Fetch and render the therapists who offer the chosen massage (at the chosen location); false when they cannot be read. */
export async function loadTherapists(page) {
  const { store } = page;
  const box = $("therapist-options");
  box.textContent = "";
  box.append(el("p", { class: "loading" }, "Loading therapists…"));
  const asked = store.get();
  const answer = await page.api.get("therapists/", {
    massage_type: asked.typeId,
    location: locationParam(asked.locations, asked.locationId),
  });
  box.textContent = "";
  if (!answer.ok) {
    showError("therapist-error", answer.error.message);
    return false;
  }
  const therapists = items(answer.data);
  const { therapistId } = store.get();
  const stays = therapistId === "any" || therapists.some((therapist) => therapist.id === therapistId);
  const state = store.set({ therapists, therapistId: stays ? therapistId : "any" });
  box.append(
    radioOption({
      name: "therapist",
      id: "therapist-any",
      value: "any",
      title: "Any available therapist",
      detail: "Shows the most free times.",
      checked: state.therapistId === "any",
    }),
  );
  for (const therapist of therapists) {
    box.append(
      radioOption({
        name: "therapist",
        id: `therapist-${therapist.id}`,
        value: String(therapist.id),
        title: therapist.display_name,
        detail: therapist.bio || "",
        checked: therapist.id === state.therapistId,
      }),
    );
  }
  return true;
}

/** Take a new therapist choice ("any" or an id): the chosen time was someone else's. */
export function chooseTherapist(page, value) {
  page.store.set({ therapistId: value === "any" ? "any" : Number(value), slot: null });
  hideAfter("therapist");
}
