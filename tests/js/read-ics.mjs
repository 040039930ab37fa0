// Read an .ics file on stdin as a calendar app does (Mozilla's ical.js, the engine of
// Thunderbird and many web calendars) and print each event's UID and UTC start and end as JSON.
//
//   node tests/js/read-ics.mjs < feed.ics
//   -> [{"uid": "appointment-1@clinic", "summary": "...", "start": "2027-03-15T13:00:00Z", "end": "..."}]
//
// Not a test file itself (`npm test` runs tests/js/*.test.mjs): the pytest suite
// (tests/notifications/test_calendar_clients.py) runs it on every kind of file we publish.
import ICAL from "ical.js";

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on("data", (chunk) => chunks.push(chunk));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

function utc(time) {
  // toUnixTime() resolves the TZID through the registered VTIMEZONE, as a calendar does.
  return new Date(time.toUnixTime() * 1000).toISOString().replace(".000Z", "Z");
}

const calendar = new ICAL.Component(ICAL.parse(await readStdin()));
ICAL.TimezoneService.reset();
for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(vtimezone);
}
const events = calendar.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  return {
    uid: event.uid,
    summary: event.summary,
    tzid: event.startDate.zone ? event.startDate.zone.tzid : null,
    start: utc(event.startDate),
    end: utc(event.endDate),
  };
});
process.stdout.write(JSON.stringify(events) + "\n");
