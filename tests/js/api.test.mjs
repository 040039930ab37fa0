import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";

import {
  apiClient,
  cookieValue,
  documentCsrfToken,
  errorText,
  isSlotGone,
  items,
  pageConfig,
  queryString,
  readAnswer,
} from "../../static/js/lib/api.js";

/** A fetch that records its calls and answers with `status` and `body` (a string is sent as is). */
function fakeFetch(status, body) {
  const calls = [];
  const fetch = async (url, options) => {
    calls.push({ url, options });
    return jsonResponse(status, body);
  };
  return { fetch, calls };
}

function jsonResponse(status, body) {
  return {
    ok: status >= 200 && status < 300,
    status,
    json: async () => (typeof body === "string" ? JSON.parse(body) : body),
  };
}

describe("queryString", () => {
  test("keeps parameters with a value, zero included, in the given order", () => {
    assert.equal(queryString({ massage_type: 3, therapist: "", page: 0, date_to: null, x: undefined }), "?massage_type=3&page=0");
  });

  test("is empty without any parameter to send", () => {
    assert.equal(queryString({ therapist: "" }), "");
    assert.equal(queryString(), "");
  });

  test("escapes what a URL cannot hold", () => {
    assert.equal(queryString({ type: "hot stone & oil" }), "?type=hot+stone+%26+oil");
  });
});

describe("cookieValue", () => {
  test("finds the named cookie among others and decodes it", () => {
    assert.equal(cookieValue("sessionid=abc; csrftoken=t%2Bk; theme=dark", "csrftoken"), "t+k");
  });

  test("does not take a cookie whose name only ends with the wanted one", () => {
    assert.equal(cookieValue("xcsrftoken=nope", "csrftoken"), "");
  });

  test("is empty when the cookie is absent or there are no cookies", () => {
    assert.equal(cookieValue("sessionid=abc", "csrftoken"), "");
    assert.equal(cookieValue("", "csrftoken"), "");
  });
});

describe("documentCsrfToken", () => {
  test("prefers the cookie to a form's hidden field", () => {
    const doc = { cookie: "csrftoken=from-cookie", querySelector: () => ({ value: "from-field" }) };
    assert.equal(documentCsrfToken(doc), "from-cookie");
  });

  test("falls back to the hidden field of a page rendered without the cookie", () => {
    const asked = [];
    const doc = {
      cookie: "",
      querySelector: (selector) => {
        asked.push(selector);
        return { value: "from-field" };
      },
    };
    assert.equal(documentCsrfToken(doc), "from-field");
    assert.deepEqual(asked, ['input[name="csrfmiddlewaretoken"]']);
  });

  test("is empty when the page has neither", () => {
    assert.equal(documentCsrfToken({ cookie: "", querySelector: () => null }), "");
  });
});

describe("readAnswer", () => {
  test("gives the data of a successful answer and no error", async () => {
    const answer = await readAnswer(jsonResponse(201, { id: 7 }));
    assert.deepEqual(answer, { ok: true, status: 201, data: { id: 7 }, error: null });
  });

  test("passes the API's error shape through, with fields always present", async () => {
    const body = { error: { code: "policy_refused", message: "Too late to cancel online." } };
    const answer = await readAnswer(jsonResponse(409, body));
    assert.equal(answer.ok, false);
    assert.equal(answer.status, 409);
    assert.deepEqual(answer.error, { code: "policy_refused", message: "Too late to cancel online.", fields: {} });
  });

  test("keeps the API's field messages", async () => {
    const body = { error: { code: "invalid", message: "Please check.", fields: { pain_level: "0 to 10." } } };
    const answer = await readAnswer(jsonResponse(400, body));
    assert.deepEqual(answer.error.fields, { pain_level: "0 to 10." });
  });

  test("turns a body that is not JSON into a friendly error named after the status", async () => {
    const response = { ok: false, status: 502, json: async () => JSON.parse("<html>Bad gateway</html>") };
    const answer = await readAnswer(response);
    assert.equal(answer.data, null);
    assert.equal(answer.error.code, "http_502");
    assert.match(answer.error.message, /Something went wrong on our side/);
    assert.deepEqual(answer.error.fields, {});
  });

  test("turns JSON without the error shape into the same friendly error", async () => {
    const answer = await readAnswer(jsonResponse(500, { detail: "boom" }));
    assert.equal(answer.error.code, "http_500");
  });

  test("a success with an empty body still succeeds", async () => {
    const response = { ok: true, status: 204, json: async () => JSON.parse("") };
    assert.deepEqual(await readAnswer(response), { ok: true, status: 204, data: null, error: null });
  });
});

describe("apiClient", () => {
  test("GETs a path under the base with the query and the session cookie", async () => {
    const { fetch, calls } = fakeFetch(200, { slots: [] });
    const api = apiClient("/api/v1/", { fetch, csrfToken: () => "unused" });
    const answer = await api.get("availability/", { massage_type: 2, therapist: "" });
    assert.equal(answer.ok, true);
    assert.deepEqual(answer.data, { slots: [] });
    assert.equal(calls.length, 1);
    assert.equal(calls[0].url, "/api/v1/availability/?massage_type=2");
    assert.equal(calls[0].options.credentials, "same-origin");
    assert.equal(calls[0].options.headers.Accept, "application/json");
    assert.equal(calls[0].options.method, undefined);
  });

  test("POSTs JSON with Django's CSRF header", async () => {
    const { fetch, calls } = fakeFetch(201, { id: 12 });
    const api = apiClient("/api/v1/", { fetch, csrfToken: () => "tok-123" });
    const answer = await api.post("appointments/", { massage_type: 1, start: "2026-03-03T15:00:00Z" });
    assert.equal(answer.status, 201);
    const { url, options } = calls[0];
    assert.equal(url, "/api/v1/appointments/");
    assert.equal(options.method, "POST");
    assert.equal(options.headers["X-CSRFToken"], "tok-123");
    assert.equal(options.headers["Content-Type"], "application/json");
    assert.deepEqual(JSON.parse(options.body), { massage_type: 1, start: "2026-03-03T15:00:00Z" });
  });

  test("answers a network failure in the same shape, with status 0", async () => {
    const api = apiClient("/api/v1/", {
      fetch: async () => {
        throw new TypeError("Failed to fetch");
      },
      csrfToken: () => "",
    });
    const answer = await api.get("massage-types/");
    assert.equal(answer.ok, false);
    assert.equal(answer.status, 0);
    assert.equal(answer.error.code, "network");
    assert.match(answer.error.message, /could not reach the clinic/);
    assert.deepEqual(answer.error.fields, {});
  });

  test("passes an API error of a POST through", async () => {
    const { fetch } = fakeFetch(409, { error: { code: "slot_taken", message: "Taken." } });
    const answer = await apiClient("/api/v1/", { fetch, csrfToken: () => "" }).post("appointments/", {});
    assert.equal(answer.error.code, "slot_taken");
    assert.equal(isSlotGone(answer), true);
  });
});

describe("isSlotGone", () => {
  const failed = (status, code) => ({ ok: false, status, data: null, error: { code, message: "", fields: {} } });

  test("is true for a conflict saying the slot was taken or is no longer free", () => {
    assert.equal(isSlotGone(failed(409, "slot_taken")), true);
    assert.equal(isSlotGone(failed(409, "slot_unavailable")), true);
  });

  test("is false for other conflicts, other statuses and successes", () => {
    assert.equal(isSlotGone(failed(409, "policy_refused")), false);
    assert.equal(isSlotGone(failed(409, "patient_busy")), false);
    assert.equal(isSlotGone(failed(400, "slot_taken")), false);
    assert.equal(isSlotGone({ ok: true, status: 201, data: {}, error: null }), false);
  });
});

describe("items", () => {
  test("reads plain and paginated lists", () => {
    assert.deepEqual(items([1, 2]), [1, 2]);
    assert.deepEqual(items({ count: 2, results: [3, 4] }), [3, 4]);
  });

  test("is empty for no data", () => {
    assert.deepEqual(items(null), []);
    assert.deepEqual(items({}), []);
  });
});

describe("pageConfig", () => {
  afterEach(() => {
    delete globalThis.document;
  });

  test("parses the json_script element's text", () => {
    const doc = { getElementById: (id) => (id === "booking-config" ? { textContent: '{"days": 14, "api": "/api/v1/"}' } : null) };
    assert.deepEqual(pageConfig("booking-config", doc), { days: 14, api: "/api/v1/" });
  });

  test("reads the page's own document by default", () => {
    globalThis.document = { getElementById: () => ({ textContent: '{"today": "2026-03-02"}' }) };
    assert.deepEqual(pageConfig("appointments-config"), { today: "2026-03-02" });
  });

  test("is empty when the page has no such element", () => {
    assert.deepEqual(pageConfig("missing", { getElementById: () => null }), {});
  });
});

describe("errorText", () => {
  test("says each field message once: one the message already holds is not repeated", () => {
    const nearest = "The nearest free times that day are 9:15 AM or 1:00 PM.";
    assert.equal(
      errorText(`Sorry, that time was just taken. ${nearest}`, [nearest]),
      `Sorry, that time was just taken. ${nearest}`,
    );
  });

  test("adds the field messages the message does not hold, in order, skipping empty ones", () => {
    assert.equal(
      errorText("Please check the highlighted fields.", ["Give a reason.", "", "Pick a card."]),
      "Please check the highlighted fields. Give a reason. Pick a card.",
    );
    assert.equal(errorText("", ["Give a reason.", "Give a reason."]), "Give a reason.");
  });
});
