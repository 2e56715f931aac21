/* Rapport — small progressive enhancements. Every page works without this file.
 *
 *  data-confirm="Question?"  on a button, link or form: ask before going ahead.
 *  data-autosubmit           on a select or input inside a form: submit the form on change
 *                            (the form keeps its own submit button for people without JS).
 *  data-copy="#selector"     on a button: copy the target's value (or text) to the clipboard.
 *                            Give the button the hidden attribute; it is shown when copying works.
 *  Plain (non-htmx) POST forms are protected against double submission.
 *  Retro Group phase: cards ([data-card][draggable]) can be dragged onto a group
 *  ([data-group]) or onto a card already in one; the drop fills in and submits the
 *  card's own group form, exactly as choosing the group from its list would.
 */
(function () {
  "use strict";

  function ask(el) {
    var msg = el && el.getAttribute("data-confirm");
    return !msg || window.confirm(msg);
  }

  function stop(e) {
    e.preventDefault();
    e.stopPropagation();
    e.stopImmediatePropagation();
  }

  // Capture phase: runs before htmx's own listeners on the element.
  document.addEventListener("click", function (e) {
    var t = e.target instanceof Element ? e.target : null;
    var el = t && t.closest("button[data-confirm], input[type=submit][data-confirm], a[data-confirm]");
    if (el && !el.disabled && !ask(el)) stop(e);
  }, true);

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.hasAttribute("data-confirm") && !ask(form)) { stop(e); return; }
    if (e.defaultPrevented || isHtmx(form) || form.method.toLowerCase() !== "post") return;
    if (form.getAttribute("data-submitting") === "1") { stop(e); return; }
    form.setAttribute("data-submitting", "1");
    form.classList.add("is-submitting");
    // Downloads keep the page open: allow another go after a moment.
    setTimeout(function () { release(form); }, 4000);
  }, true);

  function release(f) {
    f.removeAttribute("data-submitting");
    f.classList.remove("is-submitting");
  }

  function isHtmx(form) {
    return ["hx-post", "hx-get", "hx-put", "hx-patch", "hx-delete", "hx-boost"].some(function (a) {
      return form.hasAttribute(a);
    });
  }

  // A change made in place that the server refused for another reason than
  // the input (gone, no longer allowed, a fault) or that never reached it:
  // show the page as it is now, as a plain form post would have.
  document.addEventListener("htmx:responseError", function () { window.location.reload(); });
  document.addEventListener("htmx:sendError", function () { window.location.reload(); });

  // Coming back with the back button (bfcache): let forms be submitted again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitting]").forEach(release);
  });

  document.addEventListener("change", function (e) {
    var t = e.target;
    if (!(t instanceof Element) || !t.hasAttribute("data-autosubmit") || !t.form) return;
    if (t.form.requestSubmit) t.form.requestSubmit(); else t.form.submit();
  });

  function initCopy(root) {
    if (!navigator.clipboard) return;
    root.querySelectorAll("button[data-copy]").forEach(function (b) { b.hidden = false; });
  }

  document.addEventListener("click", function (e) {
    var t = e.target instanceof Element ? e.target : null;
    var b = t && t.closest("button[data-copy]");
    if (!b || !navigator.clipboard) return;
    e.preventDefault();
    var src = document.querySelector(b.getAttribute("data-copy"));
    if (!src) return;
    var text = "value" in src ? src.value : src.textContent;
    navigator.clipboard.writeText(text.trim()).then(function () {
      var label = b.getAttribute("data-label") || b.textContent;
      b.setAttribute("data-label", label);
      b.textContent = "Copied";
      setTimeout(function () { b.textContent = label; }, 2000);
    });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { initCopy(document); });
  } else {
    initCopy(document);
  }
  document.addEventListener("htmx:load", function (e) { initCopy(e.target); });

  // Present mode: the arrow keys (and space) follow the slide's previous and
  // next links; Escape goes back to the board.
  document.addEventListener("keydown", function (e) {
    var deck = document.querySelector("[data-keynav]");
    if (!deck || e.altKey || e.ctrlKey || e.metaKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var rel = { ArrowRight: "next", PageDown: "next", " ": "next", ArrowLeft: "prev", PageUp: "prev", Escape: "up" }[e.key];
    if (!rel) return;
    var link = deck.querySelector('a[rel="' + rel + '"]');
    if (link) {
      e.preventDefault();
      window.location.assign(link.href);
    }
  });

  // Retro grouping by drag and drop (native HTML5), posting the card's form.
  var dragged = null;
  function dropGroup(t) {
    var el = t instanceof Element ? t.closest("[data-group], [data-in-group]") : null;
    if (!el) return null;
    var g = el.getAttribute("data-group") || el.getAttribute("data-in-group");
    return g ? { el: el, id: g } : null;
  }
  document.addEventListener("dragstart", function (e) {
    var t = e.target instanceof Element ? e.target.closest("[data-card][draggable=true]") : null;
    if (!t) return;
    dragged = t;
    t.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", t.getAttribute("data-card"));
  });
  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll(".drop-target").forEach(function (el) { el.classList.remove("drop-target"); });
  });
  document.addEventListener("dragover", function (e) {
    if (!dragged) return;
    var g = dropGroup(e.target);
    if (!g || g.el === dragged) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    g.el.classList.add("drop-target");
  });
  document.addEventListener("dragleave", function (e) {
    var g = dropGroup(e.target);
    if (g) g.el.classList.remove("drop-target");
  });
  document.addEventListener("drop", function (e) {
    if (!dragged) return;
    var g = dropGroup(e.target);
    var form = dragged.querySelector("form.group-form");
    if (!g || !form) return;
    e.preventDefault();
    form.elements.group_id.value = g.id;
    form.elements.group_name.value = "";
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  });
})();
