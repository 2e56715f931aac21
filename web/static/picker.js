/* Rapport — people and team pickers ([data-picker], web/views/picker.templ).
 *
 * Turns the picker's search box into a WAI-ARIA combobox (the "list
 * autocomplete" pattern): matches from /pick/people or /pick/teams appear
 * in a listbox as you type; ArrowDown/ArrowUp move through them, Enter
 * chooses, Escape closes; a live region says how many there are.
 * data-picker-mode="id": choosing fills the hidden [data-picker-value] and
 * shows the name. data-picker-mode="handle": the box holds comma-separated
 * @handles; choosing replaces the word being typed with "@handle, ".
 * data-picker-autosubmit: a filter; choosing sends its form.
 * Without this file the "Find" button sends the form to a search step.
 */
(function () {
  "use strict";

  var DELAY = 150;

  function init(root) {
    var input = root.querySelector("[data-picker-input]");
    var list = root.querySelector("[role=listbox]");
    var status = root.querySelector("[data-picker-status]");
    var hidden = root.querySelector("[data-picker-value]");
    if (!input || !list || !status || root.hasAttribute("data-picker-ready")) return;
    root.setAttribute("data-picker-ready", "");
    var kind = root.getAttribute("data-picker") === "teams" ? "teams" : "people";
    var handles = root.getAttribute("data-picker-mode") === "handle";
    var items = [], active = -1, timer = 0, seq = 0, chosenText = input.value, swallow = false;

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    // The word being typed: the whole box, or in handle mode the part
    // between the commas around the caret.
    function span() {
      var v = input.value;
      if (!handles) return { start: 0, end: v.length, text: v };
      var caret = input.selectionStart == null ? v.length : input.selectionStart;
      var start = v.lastIndexOf(",", caret - 1) + 1;
      var end = v.indexOf(",", caret);
      if (end < 0) end = v.length;
      return { start: start, end: end, text: v.slice(start, end) };
    }

    function open(yes) {
      list.hidden = !yes;
      input.setAttribute("aria-expanded", yes ? "true" : "false");
      if (!yes) setActive(-1);
    }

    function setActive(i) {
      var opts = list.querySelectorAll("[role=option]");
      opts.forEach(function (o, j) { o.setAttribute("aria-selected", j === i ? "true" : "false"); });
      active = i;
      if (i >= 0 && opts[i]) {
        input.setAttribute("aria-activedescendant", opts[i].id);
        if (opts[i].scrollIntoView) opts[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function say(msg) { status.textContent = msg; }

    function render(q, results) {
      items = results;
      setActive(-1);
      list.textContent = "";
      results.forEach(function (m, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.className = "picker-option";
        var name = document.createElement("span");
        name.className = "picker-name";
        name.textContent = m.name;
        li.appendChild(name);
        if (m.detail) {
          var d = document.createElement("span");
          d.className = "picker-detail";
          d.textContent = m.detail;
          li.appendChild(d);
        }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); });
        li.addEventListener("click", function () { choose(i); });
        list.appendChild(li);
      });
      if (!results.length) {
        var none = document.createElement("li");
        none.className = "picker-none";
        none.textContent = "Nothing matches “" + q + "”";
        list.appendChild(none);
      }
      open(true);
      say(results.length === 0 ? "No matches." :
        results.length + (results.length === 1 ? " match" : " matches") + ". Use the up and down arrows to choose, Enter to pick.");
    }

    function search() {
      var q = span().text.trim().replace(/^@+/, "");
      if (!q) { open(false); items = []; say(""); return; }
      var mine = ++seq;
      var url = "/pick/" + kind + "?q=" + encodeURIComponent(q);
      if (root.hasAttribute("data-picker-inactive")) url += "&inactive=1";
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (data) { if (mine === seq) render(q, data.results || []); })
        .catch(function () { if (mine === seq) { open(false); say("Search is unavailable; use the Find button."); } });
    }

    function choose(i) {
      var m = items[i];
      if (!m) return;
      if (handles) {
        var s = span(), v = input.value;
        var before = v.slice(0, s.start), after = v.slice(s.end).replace(/^\s*,?\s*/, "");
        var lead = before && !/\s$/.test(before) ? " " : "";
        input.value = before + lead + "@" + m.handle + ", " + after;
        var caret = (before + lead + "@" + m.handle + ", ").length;
        input.setSelectionRange(caret, caret);
      } else {
        input.value = m.name;
        chosenText = m.name;
        if (!hidden) {
          // After a search step the choice was a set of radio buttons:
          // the combobox's choice replaces them.
          var step = root.querySelector(".picker-results");
          if (step) step.remove();
          hidden = document.createElement("input");
          hidden.type = "hidden";
          hidden.name = input.name.replace(/_q$/, "");
          root.appendChild(hidden);
        }
        hidden.value = String(m.id);
      }
      open(false);
      say(m.name + " chosen.");
      input.focus();
      if (!handles && root.hasAttribute("data-picker-autosubmit") && input.form) {
        if (input.form.requestSubmit) input.form.requestSubmit(); else input.form.submit();
      }
    }

    input.addEventListener("input", function () {
      if (!handles && hidden && input.value !== chosenText) hidden.value = "";
      clearTimeout(timer);
      timer = setTimeout(search, DELAY);
    });

    input.addEventListener("keydown", function (e) {
      var n = items.length;
      switch (e.key) {
        case "ArrowDown":
          e.preventDefault();
          if (list.hidden) { search(); return; }
          if (n) setActive(active < n - 1 ? active + 1 : 0);
          break;
        case "ArrowUp":
          e.preventDefault();
          if (!list.hidden && n) setActive(active > 0 ? active - 1 : n - 1);
          break;
        case "Enter":
          if (!list.hidden && active >= 0) { e.preventDefault(); swallow = true; choose(active); }
          break;
        case "Escape":
          if (!list.hidden) { e.preventDefault(); open(false); say(""); }
          break;
        case "Tab":
          open(false);
          break;
      }
    });

    // Choosing with Enter must not also submit the form: some keyboards
    // (and synthetic ones) send the keypress even when keydown was handled.
    input.addEventListener("keypress", function (e) { if (e.key === "Enter" && swallow) e.preventDefault(); });
    input.addEventListener("keyup", function (e) { if (e.key === "Enter") swallow = false; });

    input.addEventListener("blur", function () { setTimeout(function () { open(false); }, 100); });
  }

  function initAll(root) { (root || document).querySelectorAll("[data-picker]").forEach(init); }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { initAll(); });
  else initAll();
  document.addEventListener("htmx:afterSwap", function (e) { initAll(e.target); });
})();
