// Staff pages. Loaded as a file because the Content-Security-Policy forbids inline script.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // The server counts start/end in code points; JavaScript strings index UTF-16 units.
  function codePoints(text) {
    return Array.from(text);
  }

  function applyButton(name, f, checkId) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "apply-suggestion";
    b.textContent = "Apply suggestion";
    b.setAttribute("data-field", name);
    b.setAttribute("data-rule", f.rule);
    b.setAttribute("data-start", String(f.start));
    b.setAttribute("data-end", String(f.end));
    b.setAttribute("data-text", f.text);
    b.setAttribute("data-suggestion", f.suggestion);
    b.setAttribute("data-check", String(checkId));
    return b;
  }

  function renderFindings(list, findings, name, checkId, editable) {
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
      if (f.path) li.appendChild(document.createTextNode(" in " + f.path));
      li.appendChild(document.createTextNode(" \u201c" + f.text + "\u201d \u2014 " + f.message));
      if (f.suggestion) {
        li.appendChild(document.createElement("br"));
        var s = document.createElement("span");
        s.className = "suggestion";
        s.textContent = "Suggestion: " + f.suggestion;
        li.appendChild(s);
        // rewrite=true: the suggestion replaces text[start:end]; otherwise it is advice.
        if (f.rewrite === true && f.end > f.start && editable) {
          li.appendChild(document.createTextNode(" "));
          li.appendChild(applyButton(name, f, checkId));
        }
      }
      list.appendChild(li);
    });
  }

  function liveCheck(form) {
    var url = form.getAttribute("data-live-check");
    var verdict = document.querySelector("[data-live-verdict]");
    var timer = null;
    var seq = 0;
    var last = null;  // the latest check shown: {seq, sent, fields} (fields as the server sent them)

    function payload() {
      var data = {};
      // The fields the check reads: data-fields on the form (guides), else product copy.
      var names = (form.getAttribute("data-fields") || "headline,summary,body").split(",");
      names.forEach(function (name) {
        var el = form.elements.namedItem(name);
        data[name] = el ? el.value : "";
      });
      return data;
    }

    function say(text) {
      verdict.textContent = text;
      verdict.className = "live-verdict";
    }

    // Check the copy as it is now; resolves to the check shown, or null when it failed or a
    // newer check superseded it.
    function run() {
      var mine = ++seq;
      var sent = payload();
      form.setAttribute("data-checking", "1");
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Accept": "application/json",
                  "X-CSRFToken": csrfToken()},
        body: JSON.stringify(sent)
      }).then(function (resp) {
        return resp.json().then(function (body) { return {status: resp.status, body: body}; });
      }).then(function (res) {
        if (mine !== seq) return null;  // a newer check is on its way
        form.removeAttribute("data-checking");
        if (res.status !== 200) {
          verdict.textContent = res.body.message || "The check failed.";
          verdict.className = "live-verdict sev-block";
          return null;
        }
        last = {seq: mine, sent: sent, fields: res.body.fields};
        Object.keys(res.body.fields).forEach(function (name) {
          var field = res.body.fields[name];
          var preview = form.querySelector('[data-preview-for="' + name + '"]');
          // The server escapes the copy and adds only <mark> elements.
          if (preview) preview.innerHTML = field.html;
          var list = form.querySelector('[data-findings-for="' + name + '"]');
          var el = form.elements.namedItem(name);
          if (list) renderFindings(list, field.findings, name, mine, !!el && !el.readOnly);
        });
        var blocking = !res.body.publishable;
        verdict.textContent = blocking ? "This copy has blocking findings."
                                       : "No blocking findings in this copy.";
        verdict.className = "live-verdict " + (blocking ? "sev-block" : "sev-ok");
        form.setAttribute("data-checked", blocking ? "blocked" : "ok");
        return last;
      }).catch(function () {
        if (mine !== seq) return null;
        form.removeAttribute("data-checking");
        verdict.textContent = "The live check is unavailable; saving still runs the gate.";
        return null;
      });
    }

    function schedule() {
      form.removeAttribute("data-checked");
      if (timer) clearTimeout(timer);
      timer = setTimeout(function () { timer = null; run(); }, 300);
    }

    // Replace f's span in the field with f.suggestion, counting in the text that check
    // ``chk`` checked; false when that text no longer holds f.text at f's span.
    function applyFrom(chk, name, f) {
      var el = form.elements.namedItem(name);
      var field = chk.fields[name];
      if (!el || !field || typeof field.checked !== "string") return false;
      var chars = codePoints(field.checked);
      if (f.start < 0 || f.end <= f.start || f.end > chars.length ||
          chars.slice(f.start, f.end).join("") !== f.text) return false;
      var before = chars.slice(0, f.start).join("");
      el.value = before + f.suggestion + chars.slice(f.end).join("");
      el.focus();
      if (el.setSelectionRange) {
        el.setSelectionRange(before.length, before.length + f.suggestion.length);
      }
      form.setAttribute("data-applied", f.rule);
      form.removeAttribute("data-checked");
      if (timer) { clearTimeout(timer); timer = null; }
      say("Suggestion applied; checking again\u2026");
      run();
      return true;
    }

    // The same rewrite in a newer check: same rule, span text and suggestion, nearest start.
    function sameRewrite(findings, want) {
      var best = null;
      (findings || []).forEach(function (f) {
        if (f.rewrite !== true || f.rule !== want.rule || f.text !== want.text ||
            f.suggestion !== want.suggestion) return;
        if (!best || Math.abs(f.start - want.start) < Math.abs(best.start - want.start)) best = f;
      });
      return best;
    }

    function apply(button) {
      var name = button.getAttribute("data-field");
      var el = form.elements.namedItem(name);
      if (!el || el.readOnly) return;
      var want = {
        rule: button.getAttribute("data-rule"),
        start: parseInt(button.getAttribute("data-start"), 10),
        end: parseInt(button.getAttribute("data-end"), 10),
        text: button.getAttribute("data-text"),
        suggestion: button.getAttribute("data-suggestion")
      };
      // Apply straight away only when the button comes from the latest check, no other
      // check is pending and the field still holds exactly the text that was checked.
      var current = last !== null && button.getAttribute("data-check") === String(last.seq) &&
                    seq === last.seq && timer === null && el.value === last.sent[name];
      if (current && applyFrom(last, name, want)) return;
      // Otherwise (edited since, a check pending, or findings rendered with the page):
      // check the copy as it is now, then apply the same rewrite if it is still offered.
      if (timer) { clearTimeout(timer); timer = null; }
      say("The copy changed since it was checked; checking again before applying\u2026");
      run().then(function (chk) {
        if (!chk) return;  // failed (the message is shown) or superseded by typing
        if (el.value !== chk.sent[name]) {
          say("The copy changed while it was checked; apply the suggestion again.");
          return;
        }
        var f = sameRewrite(chk.fields[name] && chk.fields[name].findings, want);
        if (!f || !applyFrom(chk, name, f)) {
          say("That suggestion no longer applies to this copy; see the findings below.");
        }
      });
    }

    form.addEventListener("input", schedule);
    form.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("button.apply-suggestion") : null;
      if (!button || !form.contains(button)) return;
      event.preventDefault();
      apply(button);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-live-check]");
    if (form) liveCheck(form);
  });
})();

// Import page: poll the job's status and show its progress, then reload.
(function () {
  var box = document.getElementById('job-progress');
  if (!box) return;
  var bar = box.querySelector('progress');
  var label = box.querySelector('.progress-label');
  function poll() {
    fetch(box.dataset.statusUrl, {headers: {Accept: 'application/json'}, credentials: 'same-origin'})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        var p = s.job && typeof s.job.progress === 'number' ? s.job.progress : null;
        if (p !== null) { bar.value = p; label.textContent = Math.round(p * 100) + ' %'; }
        if (s.state !== 'checking' && s.state !== 'applying') { window.location.reload(); return; }
        if (s.job && s.job.status === 'failed') { label.textContent = 'failed: ' + (s.job.error || ''); }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
