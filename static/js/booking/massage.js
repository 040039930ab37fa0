// Step 1: choose a massage.

import { items } from "../lib/api.js";
import { $, el, radioOption } from "../lib/dom.js";
import { money } from "../lib/money.js";
import { hideAfter, showError } from "./steps.js";

/** Fetch the catalogue; false (with the API's message shown) when it cannot be read. */
export async function loadTypes(page) {
  // The page itself carries the catalogue it rendered: no request, and the list is already painted.
  if (Array.isArray(page.config.massageTypes)) {
    page.store.set({ massageTypes: page.config.massageTypes });
    return true;
  }
  const answer = await page.api.get("massage-types/");
  if (!answer.ok) {
    $("type-options").textContent = "";
    showError("type-error", answer.error.message);
    return false;
  }
  page.store.set({ massageTypes: items(answer.data) });
  return true;
}

/** Render the massages as radio options, optionally only some of them under a note. */
export function renderTypes(page, onlyIds, note) {
  const { massageTypes, typeId } = page.store.get();
  const box = $("type-options");
  const inputs = [...box.querySelectorAll('input[name="massage_type"]')];
  if (!onlyIds && inputs.length === massageTypes.length) {
    // The server rendered these options: only the choice needs setting.
    for (const input of inputs) input.checked = Number(input.value) === typeId;
    return;
  }
  box.textContent = "";
  const shown = onlyIds ? massageTypes.filter((type) => onlyIds.includes(type.id)) : massageTypes;
  if (note) box.append(el("p", { class: "hint" }, note));
  if (!shown.length) {
    box.append(el("p", {}, "No massages can be booked online right now. Please call the clinic."));
    return;
  }
  for (const type of shown) {
    const goodFor = (type.good_for || []).join(", ");
    box.append(
      radioOption({
        name: "massage_type",
        id: `type-${type.id}`,
        value: String(type.id),
        title: type.name,
        detail: `${type.duration_minutes} minutes · ${money(type.price)}${goodFor ? ` · Good for ${goodFor}` : ""}`,
        checked: type.id === typeId,
      }),
    );
  }
}

/** Return the massage type a link asked for (by slug or id), or null. */
export function findPreselectedType(state, wanted) {
  if (!wanted) return null;
  return state.massageTypes.find((type) => type.slug === wanted || String(type.id) === String(wanted)) || null;
}

/** Take a new massage choice: the time chosen for another massage no longer holds. */
export function chooseType(page, typeId) {
  // The chosen therapist stays if they offer the new massage too (loadTherapists checks).
  page.store.set({ typeId, slot: null, day: null });
  hideAfter("type");
}
