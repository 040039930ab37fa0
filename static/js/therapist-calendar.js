// Calendar feed page: select the link on focus, and confirm before revoking the old link.
(function () {
  "use strict";
  var url = document.getElementById("feed-url");
  if (url) {
    url.addEventListener("focus", function () {
      url.select();
    });
  }
  var form = document.getElementById("regenerate-form");
  if (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  }
})();
