// Talk to the clinic's REST API v1 with the session cookie and Django's CSRF header.
// Every answer has one shape, {ok, status, data, error}, whatever went wrong on the way.

const FALLBACK_MESSAGE = "Something went wrong on our side. Please try again, or call the clinic.";
const NETWORK_MESSAGE = "We could not reach the clinic. Please check your connection and try again.";
// The API's codes for a slot that went while the patient was choosing.
const SLOT_GONE_CODES = new Set(["slot_taken", "slot_unavailable"]);

/** Return a cookie's value from a `document.cookie` string, or "" when it is absent. */
export function cookieValue(cookies, name) {
  const prefix = `${name}=`;
  for (const part of (cookies || "").split(";")) {
    const item = part.trim();
    if (item.startsWith(prefix)) return decodeURIComponent(item.slice(prefix.length));
  }
  return "";
}

/** Return Django's CSRF token of the page (cookie first, then a form's hidden field). */
export function documentCsrfToken(doc = globalThis.document) {
  // The cookie is the usual source; a form's hidden field covers a page rendered without one.
  const field = doc.querySelector('input[name="csrfmiddlewaretoken"]');
  return cookieValue(doc.cookie, "csrftoken") || (field ? field.value : "");
}

/** Return the query string (with its "?") of the parameters that have a value, or "". */
export function queryString(params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(key, value);
  }
  const text = query.toString();
  return text ? `?${text}` : "";
}

/** Return the answer of a request that never reached the server. */
export function networkFailure() {
  return { ok: false, status: 0, data: null, error: { code: "network", message: NETWORK_MESSAGE, fields: {} } };
}

/** Read a fetch Response into {ok, status, data, error}; a failure always has error.code, message and fields. */
export async function readAnswer(response) {
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (response.ok) return { ok: true, status: response.status, data, error: null };
  const given = data && data.error;
  const error = given ? { ...given } : { code: `http_${response.status}`, message: FALLBACK_MESSAGE, fields: {} };
  error.fields = error.fields || {};
  return { ok: false, status: response.status, data, error };
}

/**
 * Return an error's message with its field messages, each said once: a field's message the
 * main message already holds (a taken slot's nearest free times, say) is not repeated.
 */
export function errorText(message, fieldMessages = []) {
  const said = [message];
  for (const text of fieldMessages) {
    if (text && !said.some((earlier) => earlier.includes(text))) said.push(text);
  }
  return said.filter(Boolean).join(" ");
}

/** Tell whether a failed answer says the chosen slot was taken or is no longer free. */
export function isSlotGone(answer) {
  return !answer.ok && answer.status === 409 && SLOT_GONE_CODES.has(answer.error.code);
}

/** Return a client of the API under `base`: get(path, params) and post(path, body) resolve to answers. */
export function apiClient(base, { fetch = (...args) => globalThis.fetch(...args), csrfToken = documentCsrfToken } = {}) {
  async function send(url, options) {
    let response;
    try {
      response = await fetch(url, { credentials: "same-origin", ...options });
    } catch {
      return networkFailure();
    }
    return readAnswer(response);
  }
  return {
    get(path, params = {}) {
      return send(`${base}${path}${queryString(params)}`, { headers: { Accept: "application/json" } });
    },
    post(path, body) {
      return send(`${base}${path}`, {
        method: "POST",
        headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify(body),
      });
    },
  };
}

/** Return the items of a list answer, paginated ({results: [...]}) or not. */
export function items(data) {
  if (Array.isArray(data)) return data;
  return (data && data.results) || [];
}

/** Read the page's JSON configuration from a <script type="application/json"> element. */
export function pageConfig(id, doc = globalThis.document) {
  const element = doc.getElementById(id);
  return element ? JSON.parse(element.textContent) : {};
}
