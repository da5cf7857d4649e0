// Card payment page: Stripe.js card Element -> token -> the shop confirms on the server.
// A card that needs 3-D Secure comes back with a client secret for stripe.confirmCardPayment.
// Works with Stripe.js and with localstripe's mock of it (which has no Payment Element).
(function () {
  "use strict";
  var form = document.getElementById("payment-form");
  if (!form || typeof Stripe === "undefined") { return; }
  var data = form.dataset;
  var stripe = Stripe(data.publishableKey);
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  var message = document.getElementById("payment-message");
  var button = document.getElementById("pay-button");

  function show(text) { message.textContent = text || ""; }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json",
                "X-CSRFToken": data.csrfToken},
      body: JSON.stringify(body || {})
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (json) {
        if (!resp.ok) { throw new Error(json.message || ("Request failed (" + resp.status + ")")); }
        return json;
      });
    });
  }

  // Every outcome (processing, paid, failed) is shown by the order page.
  function finish(result) {
    window.location.assign(result.redirect || data.orderUrl);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    show("Processing…");
    stripe.createToken(card).then(function (res) {
      if (res.error || !res.token) {
        throw new Error((res.error && res.error.message) || "Check your card details.");
      }
      return post(data.payUrl, {token: res.token.id});
    }).then(function (result) {
      if (result.status !== "requires_action") { return result; }
      show("Waiting for your bank's confirmation…");
      // 3-D Secure: Stripe.js shows the challenge; the server then reads the outcome from Stripe.
      return stripe.confirmCardPayment(result.client_secret).then(function () {
        return post(data.resultUrl);
      });
    }).then(finish).catch(function (err) {
      show(err.message || "The payment could not be completed.");
      button.disabled = false;
    });
  });
})();
