// Quote request form: live indicative price per line, extra line rows, attachment size check.
// No framework; text is written with textContent only, never as HTML.
(function () {
  "use strict";
  var form = document.getElementById("quote-form");
  if (!form) return;
  var priceUrl = form.getAttribute("data-price-url");
  var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;
  var maxLines = parseInt(form.getAttribute("data-max-lines"), 10) || 20;

  function debounce(fn, ms) {
    var t;
    return function () {
      clearTimeout(t);
      t = setTimeout(fn, ms);
    };
  }

  function show(output, text, warnings) {
    output.textContent = "";
    var main = document.createElement("span");
    main.textContent = text;
    output.appendChild(main);
    (warnings || []).forEach(function (w) {
      var p = document.createElement("span");
      p.className = "price-warning";
      p.textContent = " " + w;
      output.appendChild(p);
    });
  }

  function wireLine(line) {
    var sku = line.querySelector('[data-role="sku"]');
    var qty = line.querySelector('[data-role="quantity"]');
    var output = line.querySelector('[data-role="price"]');
    if (!sku || !qty || !output) return;
    var seq = 0;
    function update() {
      var s = sku.value.trim().toUpperCase();
      var q = parseInt(qty.value, 10);
      if (!s || !(q > 0)) {
        show(output, "");
        return;
      }
      var mine = ++seq;
      var url = priceUrl + "?sku=" + encodeURIComponent(s) + "&quantity=" + q;
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) {
          return r.json().then(function (body) { return { status: r.status, body: body }; });
        })
        .then(function (res) {
          if (mine !== seq) return; // a newer request answered (or will)
          if (res.status === 200) {
            var b = res.body;
            var tier = b.tier_min_qty ? " (" + b.tier_min_qty + "+ tier)" : " (list price)";
            var text = "Indicative: " + b.unit_price_display + " each, " + b.total_display + " total" + tier + ".";
            if (b.next_tier) {
              text += " From " + b.next_tier.min_qty + " units: " + b.next_tier.unit_price_display + " each.";
            }
            show(output, text, b.warnings);
            output.setAttribute("data-unit-price", b.unit_price);
            output.setAttribute("data-below-moq", b.below_moq ? "true" : "false");
          } else if (res.status === 422) {
            var errs = (res.body && res.body.errors) || {};
            show(output, (errs.sku || errs.quantity || ["No price for this SKU."]).join(" "));
          } else if (res.status === 429) {
            show(output, "Price preview paused; it will return in a moment.");
          } else {
            show(output, "");
          }
        })
        .catch(function () {
          if (mine === seq) show(output, "");
        });
    }
    var later = debounce(update, 250);
    sku.addEventListener("input", later);
    sku.addEventListener("change", later);
    qty.addEventListener("input", later);
    qty.addEventListener("change", later);
    update();
  }

  var lines = form.querySelectorAll("[data-line]");
  Array.prototype.forEach.call(lines, wireLine);

  // "Add another line": clone the last row with fresh indexes and empty values.
  var add = form.querySelector("[data-add-line]");
  if (add) {
    add.hidden = false;
    add.addEventListener("click", function () {
      var all = form.querySelectorAll("[data-line]");
      if (all.length >= maxLines) return;
      var last = all[all.length - 1];
      var n = all.length;
      var copy = last.cloneNode(true);
      copy.setAttribute("data-line", String(n));
      var rename = function (value) {
        return value.replace(/lines([-.])\d+([-.])/g, "lines$1" + n + "$2");
      };
      Array.prototype.forEach.call(copy.querySelectorAll("[name],[id],[for],[aria-describedby]"), function (el) {
        ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
          if (el.hasAttribute(attr)) el.setAttribute(attr, rename(el.getAttribute(attr)));
        });
        if (el.type === "checkbox") el.checked = false;
        else if (el.tagName === "SELECT") el.selectedIndex = 0;
        else if ("value" in el && el.tagName !== "OUTPUT") el.value = "";
        el.removeAttribute("aria-invalid");
      });
      Array.prototype.forEach.call(copy.querySelectorAll(".field-error"), function (el) {
        el.remove();
      });
      var legend = copy.querySelector("legend");
      if (legend) legend.textContent = "Line " + (n + 1);
      var out = copy.querySelector('[data-role="price"]');
      if (out) out.textContent = "";
      last.parentNode.insertBefore(copy, last.nextSibling);
      wireLine(copy);
      if (n + 1 >= maxLines) add.hidden = true;
    });
  }

  // Refuse an oversize file before uploading it (the server checks again).
  var file = form.querySelector('input[type="file"]');
  form.addEventListener("submit", function (ev) {
    if (file && maxBytes && file.files && file.files[0] && file.files[0].size > maxBytes) {
      ev.preventDefault();
      var msg = form.querySelector("#attachment-size-error");
      if (!msg) {
        msg = document.createElement("span");
        msg.id = "attachment-size-error";
        msg.className = "field-error";
        msg.setAttribute("role", "alert");
        file.parentNode.appendChild(msg);
      }
      msg.textContent = "This file is too large (max " + Math.round(maxBytes / 1048576) + " MB).";
    }
  });
})();
