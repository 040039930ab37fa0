// Move focus to a page's error summary or result heading, so it is read out after a submit.

const target = document.querySelector("[data-focus-on-load]");
if (target) {
  target.focus();
}
