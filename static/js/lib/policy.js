// The clinic's change policy as the booking page needs it before booking: is a slot already
// inside the window in which it can no longer be cancelled or moved online?
// The server states its "now" in the page's config; the page keeps that clock running, so a
// browser whose clock is off judges a slot as booking.services.change_policy will.

/** Return a function giving the server's current time in milliseconds, from the time it stated at load. */
export function serverClock(serverNow, loadedAt = Date.now(), localNow = () => Date.now()) {
  const offset = new Date(serverNow).getTime() - loadedAt;
  return () => localNow() + offset;
}

/** Tell whether a session starting at `start` is already inside the change window at `now` (ms). */
export function insideChangeWindow(start, now, windowMinutes) {
  return new Date(start).getTime() - windowMinutes * 60 * 1000 < now;
}
