// Working hours formset: "Add a span" clones the empty row and bumps the management form's count.
(function () {
  "use strict";
  var button = document.getElementById("add-span");
  var template = document.getElementById("empty-span");
  var body = document.getElementById("spans");
  var total = document.querySelector("input[name$='-TOTAL_FORMS']");
  if (!button || !template || !body || !total) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("tbody");
    holder.innerHTML = html;
    var row = holder.querySelector("tr");
    body.appendChild(row);
    total.value = String(index + 1);
    var first = row.querySelector("select, input");
    if (first) {
      first.focus();
    }
  });
})();
