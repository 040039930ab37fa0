// Free times: grouping and choosing among the availability API's slots ({start, end, therapist}).

/** Group slots by clinic day: {YYYY-MM-DD: [slot, ...]}, keeping the API's order. */
export function slotsByDay(slots, format) {
  const days = {};
  for (const slot of slots) {
    const key = format.dayOf(slot.start);
    (days[key] = days[key] || []).push(slot);
  }
  return days;
}

/** Keep one slot per start time (the first therapist free then), for "any therapist". */
export function distinctStarts(slots) {
  const seen = new Set();
  return slots.filter((slot) => {
    const key = new Date(slot.start).getTime();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Return the slots of a day to offer: one per start time for any therapist, all of them for one. */
export function slotsToOffer(daySlots, day, { anyTherapist }) {
  const slots = daySlots[day] || [];
  return anyTherapist ? distinctStarts(slots) : slots;
}

/** Return the first day for which `countOf(day)` is above zero, or null. */
export function firstDayWithSlots(days, countOf) {
  return days.find((day) => countOf(day) > 0) || null;
}

/** Tell whether two slots start at the same instant, whatever offset their ISO text is written with. */
export function sameStart(a, b) {
  return Boolean(a && b) && new Date(a.start).getTime() === new Date(b.start).getTime();
}

/** Return up to `count` slots nearest in time to the `target` slot (itself left out), sorted by start. */
export function nearestSlots(slots, target, count) {
  const wanted = new Date(target.start).getTime();
  // Another therapist free at the very same time is the best alternative of all.
  return [...slots]
    .filter((slot) => !(new Date(slot.start).getTime() === wanted && slot.therapist === target.therapist))
    .sort((a, b) => Math.abs(new Date(a.start) - wanted) - Math.abs(new Date(b.start) - wanted))
    .slice(0, count)
    .sort((a, b) => new Date(a.start) - new Date(b.start));
}

const PARTS_OF_DAY = [
  ["Morning", 0, 12],
  ["Afternoon", 12, 17],
  ["Evening", 17, 24],
];

/** Split a day's slots into morning, afternoon and evening: [[name, [{slot, index}]], ...], empty parts left out. */
export function partsOfDay(slots, format) {
  return PARTS_OF_DAY.map(([name, from, to]) => [
    name,
    slots.map((slot, index) => ({ slot, index })).filter(({ slot }) => {
      const hour = format.hourOf(slot.start);
      return hour >= from && hour < to;
    }),
  ]).filter(([, entries]) => entries.length);
}
