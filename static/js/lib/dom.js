// Small DOM helpers shared by the pages: find, build and read elements without innerHTML.

/** Return the page's element with this id (or null). */
export function $(id) {
  return globalThis.document.getElementById(id);
}

/** Return the values of the checked inputs named `name` inside `root`, in document order. */
export function checkedValues(root, name) {
  return [...root.querySelectorAll(`input[name="${name}"]:checked`)].map((input) => input.value);
}

/** Create an element with attributes and children (text or nodes), without innerHTML. */
export function el(tag, attributes = {}, ...children) {
  const doc = globalThis.document;
  const element = doc.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "dataset") Object.assign(element.dataset, value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof globalThis.Node ? child : doc.createTextNode(String(child)));
  }
  return element;
}

/** Render a radio option: <div class="option"><input><label>title<span>detail</span></label></div>. */
export function radioOption({ name, id, value, title, subtitle, detail, checked = false, disabled = false, className = "option" }) {
  const input = el("input", { type: "radio", name, id, value, checked, disabled });
  const label = el(
    "label",
    { for: id },
    el("span", { class: `${className}__title` }, title),
    subtitle ? el("span", { class: `${className}__subtitle` }, subtitle) : null,
    detail ? el("span", { class: `${className}__detail` }, detail) : null,
  );
  return el("div", { class: className + (disabled ? ` ${className}--disabled` : "") }, input, label);
}

/** Return announce(message) for a polite live region, which screen readers read each time. */
export function createAnnouncer(region, { delay = 50, later = (callback, ms) => globalThis.setTimeout(callback, ms) } = {}) {
  return (message) => {
    // Emptying first and writing a moment later makes the same message be read again.
    region.textContent = "";
    later(() => {
      region.textContent = message;
    }, delay);
  };
}
