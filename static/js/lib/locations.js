// The clinic's locations on the booking pages: which one to offer first, and how to name it in one line.

/** Tell whether the patient has to choose where: only when the clinic has more than one open location. */
export function needsLocationStep(locations) {
  return (locations || []).length > 1;
}

/** Return the open location with this id, or null (a closed or unknown one is no choice). */
export function locationById(locations, id) {
  if (id === null || id === undefined || id === "") return null;
  return (locations || []).find((location) => String(location.id) === String(id)) || null;
}

/**
 * Return the id of the location to start from: the only one; else the patient's last choice on
 * this device, else the location of their last booking, as long as it is still open; else null.
 */
export function rememberedLocation(locations, { saved = null, lastBooked = null } = {}) {
  const open = locations || [];
  if (open.length === 1) return open[0].id;
  for (const candidate of [saved, lastBooked]) {
    const found = locationById(open, candidate);
    if (found) return found.id;
  }
  return null;
}

/** Return a location as one line: "Uptown · 200 Main Street, Boston", or "" for none. */
export function locationLine(location) {
  if (!location) return "";
  return location.address ? `${location.name} · ${location.address}` : location.name;
}

/** Return the API's `location` parameter: the chosen open location's id, or "" to leave it out. */
export function locationParam(locations, id) {
  const found = locationById(locations, id);
  return found ? found.id : "";
}
