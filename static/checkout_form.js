// Checkout form: show the region list the chosen country needs, refresh the order summary and
// delivery options as the address changes, and keep "Continue" from being pressed twice.
// Everything here is an enhancement: without it the form posts and the server re-renders.
(function () {
  "use strict";
  var form = document.getElementById("checkout-form");
  if (!form) { return; }
  var summary = document.getElementById("order-summary");
  var delivery = document.getElementById("delivery-options");
  var errorSummary = document.getElementById("error-summary");
  if (errorSummary) { errorSummary.focus(); }

  function regionFields() { return form.querySelectorAll(".region-field"); }

  function showRegion(country) {
    var fields = regionFields(), matched = false, i;
    for (i = 0; i < fields.length; i++) {
      if (fields[i].dataset.country === country) { matched = true; }
    }
    for (i = 0; i < fields.length; i++) {
      var f = fields[i];
      var on = f.dataset.country === country || (!matched && f.dataset.country === "*");
      var control = f.querySelector("select, input");
      var label = f.querySelector("label");
      f.hidden = !on;
      control.disabled = !on;
      control.id = on ? "f-state" : "f-state-" + (f.dataset.country === "*" ? "other" : f.dataset.country);
      label.htmlFor = control.id;
    }
  }

  var pending = null;
  function refresh() {
    var data = new FormData(form);
    var params = new URLSearchParams();
    ["country", "state", "shipping_method", "promotion_code", "email"].forEach(function (k) {
      var v = data.get(k);
      if (v) { params.set(k, v); }
    });
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(form.dataset.summaryUrl + "?" + params.toString(), {
      credentials: "same-origin", headers: {"Accept": "application/json"}, signal: pending.signal
    }).then(function (r) { return r.json(); }).then(function (json) {
      summary.innerHTML = json.summary;
      delivery.innerHTML = json.delivery;
    }).catch(function () { /* the server checks everything again on submit */ });
  }

  form.addEventListener("change", function (event) {
    var name = event.target.name;
    if (name === "country") {
      showRegion(event.target.value);
      var zipLabel = form.querySelector('label[for="f-postal_code"]');
      if (zipLabel) { zipLabel.textContent = event.target.value === "US" ? "ZIP code" : "Postal code"; }
    }
    if (name === "country" || name === "state" || name === "shipping_method") { refresh(); }
  });

  form.addEventListener("submit", function (event) {
    var button = document.getElementById("continue-button");
    if (event.submitter === button) {
      // Disabled after the browser has collected the form, so the post still goes out.
      setTimeout(function () { button.disabled = true; button.textContent = "Creating your order…"; }, 0);
    }
  });
})();
