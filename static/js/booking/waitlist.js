// "Tell me if something opens up": when the shown days include a full one, link to the waitlist's
// join page for it, with the massage, therapist and location chosen so far. Reads the page's own
// inputs only, so the booking steps need not know about the waitlist.

const prompt = document.getElementById("waitlist-prompt");
const link = document.getElementById("waitlist-join-link");
const days = document.getElementById("day-options");

function checked(name) {
  const input = document.querySelector(`input[name="${name}"]:checked`);
  return input ? input.value : "";
}

/** Show the prompt for the first full day of the window (a worked day with no free time), or hide it. */
function refresh() {
  const full = [...days.querySelectorAll('input[name="day"]:disabled')].filter((input) => !input.closest(".day--closed"));
  if (!full.length) {
    prompt.hidden = true;
    return;
  }
  const params = new URLSearchParams({ date: full[0].value });
  const type = checked("massage_type");
  const therapist = checked("therapist");
  const location = checked("location");
  if (type) params.set("massage_type", type);
  if (therapist && therapist !== "any") params.set("therapist", therapist);
  if (location) params.set("location", location);
  link.href = `${prompt.dataset.joinUrl}?${params}`;
  prompt.hidden = false;
}

if (prompt && link && days) {
  new MutationObserver(refresh).observe(days, { childList: true, subtree: true });
  refresh();
}
