// The patient journey through openapi-fetch, as an outside team's JS client would run it.
// Started by tests/api/test_generated_clients.py against a live server:
//   node tests/js/journey.mjs BASE_URL DAY MOVED_TO
// Prints one JSON line {steps, appointment, availability_encoding} and exits 0, or throws.
import createClient from "openapi-fetch";

const [baseUrl, day, movedTo] = process.argv.slice(2);
if (!baseUrl || !day || !movedTo) throw new Error("usage: journey.mjs BASE_URL DAY MOVED_TO");

const email = "gus@example.test";
const password = "sore-shoulders-2026";
const steps = [];
const client = createClient({ baseUrl });

/** Return the answer's data after checking its status; fail with the API's error document otherwise. */
function expect(step, status, answer) {
  const { data, error, response } = answer;
  if (response.status !== status) {
    throw new Error(`${step}: expected ${status}, got ${response.status}: ${JSON.stringify(error ?? data)}`);
  }
  steps.push(step);
  return data;
}

function nextDay(isoDate) {
  const next = new Date(`${isoDate}T12:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString().slice(0, 10);
}

expect(
  "register",
  202,
  await client.POST("/api/v1/auth/register/", {
    body: { email, password, first_name: "Gus", last_name: "Gray", phone: "+1 617 555 0177" },
  }),
);
const { token } = expect("token", 200, await client.POST("/api/v1/auth/token/", { body: { email, password } }));
const signedIn = {
  onRequest({ request }) {
    request.headers.set("Authorization", `Token ${token}`);
    return request;
  },
};
client.use(signedIn);

const types = expect("catalogue", 200, await client.GET("/api/v1/massage-types/"));
const massage = types.find((type) => type.slug === "deep-tissue");
const therapists = expect(
  "therapists",
  200,
  await client.GET("/api/v1/therapists/", { params: { query: { massage_type: massage.id } } }),
);
const carol = therapists.find((therapist) => therapist.display_name === "Carol Chen");

const freeAnswer = await client.GET("/api/v1/availability/", {
  params: { query: { massage_type: massage.id, therapist: carol.id, date_from: day, date_to: nextDay(day) } },
});
const availabilityEncoding = freeAnswer.response.headers.get("content-encoding");
const { slots } = expect("availability", 200, freeAnswer);
if (!slots.some((slot) => slot.start === movedTo)) throw new Error(`availability: ${movedTo} is not free`);

const booked = expect(
  "book",
  201,
  await client.POST("/api/v1/appointments/", {
    body: { massage_type: massage.id, therapist: carol.id, start: slots[0].start, pain_level: 5 },
  }),
);
const byId = { params: { path: { id: booked.id } } };
const fetched = expect("get", 200, await client.GET("/api/v1/appointments/{id}/", byId));
if (fetched.start !== slots[0].start) throw new Error(`get: start ${fetched.start}`);

const moved = expect(
  "reschedule",
  200,
  await client.POST("/api/v1/appointments/{id}/reschedule/", { ...byId, body: { start: movedTo } }),
);
if (moved.start !== movedTo) throw new Error(`reschedule: start ${moved.start}`);

const intake = expect(
  "intake",
  200,
  await client.PATCH("/api/v1/appointments/{id}/", { ...byId, body: { pain_level: null } }),
);
if (intake.pain_level !== null) throw new Error(`intake: pain_level ${intake.pain_level}`);

const cancelled = expect(
  "cancel",
  200,
  await client.POST("/api/v1/appointments/{id}/cancel/", { ...byId, body: { reason: "Back feels better" } }),
);
if (cancelled.status !== "cancelled") throw new Error(`cancel: status ${cancelled.status}`);

expect("logout", 204, await client.POST("/api/v1/auth/logout/"));
const after = await client.GET("/api/v1/appointments/");
if (after.response.status !== 401) throw new Error(`after logout: ${after.response.status}`);

console.log(JSON.stringify({ steps, appointment: booked.id, availability_encoding: availabilityEncoding }));
