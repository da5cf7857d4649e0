// Staff pages. Loaded as a file because the Content-Security-Policy forbids inline script.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function renderFindings(list, findings) {
    // Built with textContent only: nothing from the server is parsed as HTML here.
    while (list.firstChild) list.removeChild(list.firstChild);
    findings.forEach(function (f) {
      var li = document.createElement("li");
      li.className = "finding-item sev-" + f.severity;
      var sev = document.createElement("strong");
      sev.textContent = f.severity;
      var rule = document.createElement("code");
      rule.textContent = f.rule;
      li.appendChild(sev);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(rule);
      li.appendChild(document.createTextNode(" \u201c" + f.text + "\u201d \u2014 " + f.message));
      if (f.suggestion) {
        li.appendChild(document.createElement("br"));
        var s = document.createElement("span");
        s.className = "suggestion";
        s.textContent = "Suggestion: " + f.suggestion;
        li.appendChild(s);
      }
      list.appendChild(li);
    });
  }

  function liveCheck(form) {
    var url = form.getAttribute("data-live-check");
    var verdict = document.querySelector("[data-live-verdict]");
    var timer = null;
    var seq = 0;

    function payload() {
      var data = {};
      ["headline", "summary", "body"].forEach(function (name) {
        var el = form.elements.namedItem(name);
        data[name] = el ? el.value : "";
      });
      return data;
    }

    function run() {
      var mine = ++seq;
      form.setAttribute("data-checking", "1");
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Accept": "application/json",
                  "X-CSRFToken": csrfToken()},
        body: JSON.stringify(payload())
      }).then(function (resp) {
        return resp.json().then(function (body) { return {status: resp.status, body: body}; });
      }).then(function (res) {
        if (mine !== seq) return;  // a newer check is on its way
        form.removeAttribute("data-checking");
        if (res.status !== 200) {
          verdict.textContent = res.body.message || "The check failed.";
          verdict.className = "live-verdict sev-block";
          return;
        }
        Object.keys(res.body.fields).forEach(function (name) {
          var field = res.body.fields[name];
          var preview = form.querySelector('[data-preview-for="' + name + '"]');
          // The server escapes the copy and adds only <mark> elements.
          if (preview) preview.innerHTML = field.html;
          var list = form.querySelector('[data-findings-for="' + name + '"]');
          if (list) renderFindings(list, field.findings);
        });
        var blocking = !res.body.publishable;
        verdict.textContent = blocking ? "This copy has blocking findings."
                                       : "No blocking findings in this copy.";
        verdict.className = "live-verdict " + (blocking ? "sev-block" : "sev-ok");
        form.setAttribute("data-checked", blocking ? "blocked" : "ok");
      }).catch(function () {
        if (mine !== seq) return;
        form.removeAttribute("data-checking");
        verdict.textContent = "The live check is unavailable; saving still runs the gate.";
      });
    }

    form.addEventListener("input", function () {
      form.removeAttribute("data-checked");
      if (timer) clearTimeout(timer);
      timer = setTimeout(run, 300);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-live-check]");
    if (form) liveCheck(form);
  });
})();
