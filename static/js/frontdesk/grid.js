// Pure helpers of the front desk's calendar: keyboard moves on the grid, what a cell means
// for a booking or a move, and the links it builds. No DOM here, so node's tests read them.

const PAGE_ROWS = 4;

/** Return the cell position a key moves to on a rows x cols grid, or null when the key is not a move. */
export function nextPosition(position, key, size, { ctrl = false } = {}) {
  const { row, col } = position;
  const last = { row: size.rows - 1, col: size.cols - 1 };
  const clamp = (value, max) => Math.max(0, Math.min(max, value));
  switch (key) {
    case "ArrowUp":
      return { row: clamp(row - 1, last.row), col };
    case "ArrowDown":
      return { row: clamp(row + 1, last.row), col };
    case "ArrowLeft":
      return { row, col: clamp(col - 1, last.col) };
    case "ArrowRight":
      return { row, col: clamp(col + 1, last.col) };
    case "Home":
      return ctrl ? { row: 0, col: 0 } : { row, col: 0 };
    case "End":
      return ctrl ? { row: last.row, col: last.col } : { row, col: last.col };
    case "PageUp":
      return { row: clamp(row - PAGE_ROWS, last.row), col };
    case "PageDown":
      return { row: clamp(row + PAGE_ROWS, last.row), col };
    default:
      return null;
  }
}

/** Return the lane of a cell's data attributes: {therapist, room} as numbers or null. */
export function laneOf(data) {
  const number = (value) => (value === undefined || value === null || value === "" ? null : Number(value));
  return { therapist: number(data.therapist), room: number(data.room) };
}

/** Return the body of a move of `session` into the cell: the new start, and the lane the cell is in. */
export function movePayload(session, cellData) {
  const lane = laneOf(cellData);
  const body = { appointment: session.id, start: cellData.start };
  if (lane.therapist !== null && lane.therapist !== session.therapist_id) body.therapist = lane.therapist;
  if (lane.room !== null && lane.room !== session.room_id) body.room = lane.room;
  return body;
}

/** Tell whether a session may be dropped on a cell: a free cell, or its own cells (a move within its span). */
export function canDropOn(session, cellData) {
  if (!session || !session.can_change) return false;
  if (cellData.state === "free") return true;
  return ["session", "continues", "turnover"].includes(cellData.state) && Number(cellData.session) === session.id;
}

/** Tell whether the typed text is worth a search (two characters or more, spaces aside). */
export function searchReady(text) {
  return (text || "").trim().length >= 2;
}

/** Return the intake the form holds, without the answers left empty. */
export function intakeOf(values) {
  const intake = {};
  for (const name of ["focus_areas", "pressure", "health_notes"]) {
    const value = (values[name] || "").trim();
    if (value) intake[name] = value;
  }
  if (values.pain_level !== undefined && values.pain_level !== "") intake.pain_level = Number(values.pain_level);
  return intake;
}

/** Return the booking's body: a known patient's id, or a new caller's details. */
export function bookingPayload({ cell, therapist, massageType, location, patient, caller, intake }) {
  const body = {
    therapist: Number(therapist),
    start: cell.start,
    massage_type: Number(massageType),
    location: Number(location),
    intake: intake || {},
  };
  if (cell.room !== undefined && cell.room !== null && cell.room !== "") body.room = Number(cell.room);
  if (patient) body.patient = Number(patient);
  else body.new_patient = caller;
  return body;
}

/** Return the missing choices before a booking can be sent, as field -> message. */
export function bookingGaps({ therapist, massageType, patient, caller }) {
  const gaps = {};
  if (!therapist) gaps.therapist = "Choose the therapist.";
  if (!massageType) gaps.massage_type = "Choose the massage.";
  if (!patient) {
    if (!caller) gaps.patient = "Find the patient, or add a new caller.";
    else {
      if (!(caller.first_name || "").trim()) gaps.first_name = "Give the caller's first name.";
      if (!(caller.phone || "").trim()) gaps.phone = "Give the caller's phone number.";
    }
  }
  return gaps;
}

/** Return the calendar link of a found free time, which opens its booking form on arrival. */
export function nextFreeLink(dayUrl, found, location) {
  const query = new URLSearchParams({ date: found.date, location: String(location) });
  query.set("book", `${found.therapist_id}@${found.start}`);
  query.set("massage", String(found.massage_type));
  return `${dayUrl}?${query.toString()}`;
}

/** Read a `book=<therapist>@<start>` request of the page's address, or null. */
export function pendingBooking(search) {
  const query = new URLSearchParams(search || "");
  const book = query.get("book");
  if (!book || !book.includes("@")) return null;
  const [therapist, start] = [book.slice(0, book.indexOf("@")), book.slice(book.indexOf("@") + 1)];
  if (!/^\d+$/.test(therapist) || !start) return null;
  return { therapist: Number(therapist), start, massage: query.get("massage") };
}

/** Tell whether two ISO datetimes name the same instant. */
export function sameInstant(a, b) {
  const first = Date.parse(a);
  const second = Date.parse(b);
  return !Number.isNaN(first) && first === second;
}

/** Return a poll's outcome from its HTTP status: "same" (304), "changed" (200 with a new tag) or "failed". */
export function pollOutcome(status, tag, known) {
  if (status === 304) return "same";
  if (status === 200) return tag && tag !== known ? "changed" : "same";
  return "failed";
}
