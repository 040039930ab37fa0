// A very small stand-in for the browser's document: enough for the helpers that build
// elements (createElement, text nodes, fragments, attributes, dataset) to run under node.

export class FakeNode {
  constructor() {
    this.childNodes = [];
    this.parentNode = null;
  }

  append(...nodes) {
    for (const given of nodes) {
      const node = typeof given === "string" ? new FakeText(given) : given;
      if (node instanceof FakeFragment) {
        this.append(...node.childNodes);
        node.childNodes = [];
        continue;
      }
      node.parentNode = this;
      this.childNodes.push(node);
    }
  }

  get children() {
    return this.childNodes.filter((node) => node instanceof FakeElement);
  }

  get textContent() {
    return this.childNodes.map((node) => node.textContent).join("");
  }

  set textContent(value) {
    this.childNodes = value ? [new FakeText(String(value))] : [];
  }
}

export class FakeText extends FakeNode {
  constructor(data) {
    super();
    this.data = data;
  }

  get textContent() {
    return this.data;
  }
}

export class FakeFragment extends FakeNode {}

export class FakeElement extends FakeNode {
  constructor(tagName) {
    super();
    this.tagName = tagName.toUpperCase();
    this.attributes = new Map();
    this.dataset = {};
  }

  setAttribute(name, value) {
    this.attributes.set(name, String(value));
  }

  getAttribute(name) {
    return this.attributes.has(name) ? this.attributes.get(name) : null;
  }

  hasAttribute(name) {
    return this.attributes.has(name);
  }

  get className() {
    return this.getAttribute("class") || "";
  }
}

/** Return every element under `root` (depth first, in document order) that `test` accepts. */
export function findAll(root, test) {
  const found = [];
  for (const child of root.children) {
    if (test(child)) found.push(child);
    found.push(...findAll(child, test));
  }
  return found;
}

/** Return the elements under `root` with this tag name. */
export function byTag(root, tagName) {
  return findAll(root, (element) => element.tagName === tagName.toUpperCase());
}

/** Install a fake document (and Node) as globals; return it. Elements given by id are found by getElementById. */
export function installFakeDocument({ elementsById = {}, cookie = "", querySelector = () => null } = {}) {
  const document = {
    cookie,
    createElement: (tagName) => new FakeElement(tagName),
    createTextNode: (data) => new FakeText(data),
    createDocumentFragment: () => new FakeFragment(),
    getElementById: (id) => elementsById[id] || null,
    querySelector,
  };
  globalThis.document = document;
  globalThis.Node = FakeNode;
  return document;
}

/** Remove the fake globals again. */
export function removeFakeDocument() {
  delete globalThis.document;
  delete globalThis.Node;
}
