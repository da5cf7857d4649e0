// Product pages are shared between anonymous visitors (and cached), so their add-to-cart
// form carries no CSRF token. On submit, ask the shop for this visitor's own token (it
// starts the visitor's session), put it in the form and send the form.
// Without JavaScript the form is sent without one and the cart asks to confirm.
(function () {
  "use strict";
  document.querySelectorAll("form.add-to-cart[data-csrf-url]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var field = form.querySelector('input[name="csrf_token"]');
      if (!field || field.value) {
        return;
      }
      event.preventDefault();
      fetch(form.dataset.csrfUrl, {credentials: "same-origin", cache: "no-store",
                                   headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : {}; })
        .then(function (data) { field.value = data.csrf_token || ""; })
        .catch(function () {})
        .then(function () { form.submit(); });
    });
  });
})();
