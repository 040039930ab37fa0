// Talk to the clinic's REST API v1 with the session cookie and Django's CSRF header.

function cookie(name) {
  const prefix = `${name}=`;
  for (const part of document.cookie.split(";")) {
    const item = part.trim();
    if (item.startsWith(prefix)) return decodeURIComponent(item.slice(prefix.length));
  }
  return "";
}

function csrfToken() {
  // The cookie is the usual source; a form's hidden field covers a page rendered without one.
  const field = document.querySelector('input[name="csrfmiddlewaretoken"]');
  return cookie("csrftoken") || (field ? field.value : "");
}

const FALLBACK_MESSAGE = "Something went wrong on our side. Please try again, or call the clinic.";

async function send(url, options) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", ...options });
  } catch {
    return {
      ok: false,
      status: 0,
      data: null,
      error: { code: "network", message: "We could not reach the clinic. Please check your connection and try again.", fields: {} },
    };
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (response.ok) return { ok: true, status: response.status, data, error: null };
  const error = (data && data.error) || { code: "http_" + response.status, message: FALLBACK_MESSAGE, fields: {} };
  error.fields = error.fields || {};
  return { ok: false, status: response.status, data, error };
}

/** GET a path under the API with query parameters; resolve to {ok, status, data, error}. */
export function apiGet(base, path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(key, value);
  }
  const suffix = query.toString() ? `?${query}` : "";
  return send(`${base}${path}${suffix}`, { headers: { Accept: "application/json" } });
}

/** POST JSON to a path under the API with the CSRF token; resolve to {ok, status, data, error}. */
export function apiPost(base, path, body) {
  return send(`${base}${path}`, {
    method: "POST",
    headers: {
      Accept: "application/json",
      "Content-Type": "application/json",
      "X-CSRFToken": csrfToken(),
    },
    body: JSON.stringify(body),
  });
}

/** Return the items of a list answer, paginated ({results: [...]}) or not. */
export function items(data) {
  if (Array.isArray(data)) return data;
  return (data && data.results) || [];
}

/** Read the page's JSON configuration from a <script type="application/json"> element. */
export function pageConfig(id) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : {};
}
