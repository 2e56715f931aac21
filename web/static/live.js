/* Rapport — live updates. Every page works without this file: a reload shows
 * the latest state.
 *
 *  data-live-src="/path/events?last=12"  on an element: listen to that event stream
 *                                        (server-sent events; ?last= is the id of the
 *                                        newest event the page already shows).
 *  data-live-refresh="/path/part"        on the same element: after each event, fetch
 *                                        this address (with HX-Request: true) and put
 *                                        the answer inside the element.
 *  data-live-events="card vote"          optional: the event kinds to react to
 *                                        (default: the kinds a retro room sends).
 *  data-live-reload="phase"              optional: kinds after which the whole page
 *                                        reloads instead (default: phase); when that
 *                                        would lose text typed on the page, the page
 *                                        stays as it is and a status line offers it.
 *  data-live-page="/path"                the page's own address. A page shown in
 *                                        answer to a form (a refused card, say) is
 *                                        at the form's address: "reloading" it goes
 *                                        here instead, so the form is never sent
 *                                        again, and the text it kept counts as typed.
 *
 * Refreshes are debounced (100 ms) with at most one request in flight. While
 * someone types in a field inside the element the refresh waits until they
 * pause; text typed but not yet sent, and the focus, survive a refresh. A
 * small status line says when the stream is reconnecting; the browser then
 * reconnects by itself and the server replays what was missed.
 */
(function () {
  "use strict";

  var DEFAULT_EVENTS = "message phase card group vote note action review";
  // A phase change reworks the whole room, not just the live part.
  var DEFAULT_RELOAD = "phase";
  var DEBOUNCE = 100;
  var TYPING_PAUSE = 1500;

  function start(el) {
    if (el.liveStarted || typeof window.EventSource !== "function") return;
    el.liveStarted = true;

    var src = el.getAttribute("data-live-src");
    var refreshURL = el.getAttribute("data-live-refresh");
    var kinds = words(el.getAttribute("data-live-events") || DEFAULT_EVENTS);
    var reloadAttr = el.getAttribute("data-live-reload");
    var reloadKinds = words(reloadAttr === null ? DEFAULT_RELOAD : reloadAttr);
    reloadKinds.forEach(function (k) { if (kinds.indexOf(k) < 0) kinds.push(k); });
    var status = statusLine(el, reload);
    var es = null, lastID = "", everOpen = false, dropped = false, leaving = false;
    var timer = 0, inFlight = false, again = false, lastTyped = 0;
    // What the status line says, most important first.
    var changed = false, paused = false, reconnecting = false;

    function show() {
      if (changed) {
        setStatus(status, "This page has moved on. Keep a copy of what you typed, then reload.", true);
      } else if (paused) {
        setStatus(status, "Live updates paused. Reload the page to see the latest.", true);
      } else {
        setStatus(status, reconnecting ? "Reconnecting…" : "", false);
      }
    }

    function connect() {
      if (leaving) return;
      if (es) es.close();
      es = new EventSource(withLast(src, lastID));
      es.addEventListener("open", function () {
        reconnecting = false;
        show();
        // After a gap, fetch once in case the replay could not cover it; on
        // the first connection too when the page did not say which event it
        // shows (?last=), for what happened while the page loaded.
        if (everOpen ? dropped : !/[?&]last=/.test(src)) schedule();
        everOpen = true;
        dropped = false;
      });
      es.addEventListener("error", function () {
        if (!document.contains(el)) { es.close(); return; }
        dropped = true;
        reconnecting = true;
        show();
        if (es.readyState === EventSource.CLOSED) {
          // The server refused (e.g. restarting): start over in a moment,
          // from the last event seen.
          es.close();
          setTimeout(connect, 3000 + Math.random() * 2000);
        }
      });
      kinds.forEach(function (k) {
        es.addEventListener(k, function (e) {
          if (!document.contains(el)) { es.close(); return; }
          if (e.lastEventId) lastID = e.lastEventId;
          if (changed) return;
          if (reloadKinds.indexOf(k) >= 0) {
            if (!hasTyped(el)) { es.close(); reload(); return; }
            // Refreshing now could drop what was typed: leave the page as
            // it is and let the person reload when ready.
            changed = true;
            show();
            return;
          }
          schedule();
        });
      });
    }

    // reload shows the page afresh. Reloading an answer to a form would send
    // the form again: such a page goes to its own address instead.
    function reload() {
      var page = ownPage(el);
      if (page) window.location.replace(page); else window.location.reload();
    }

    function schedule(delay) {
      clearTimeout(timer);
      timer = setTimeout(refresh, delay === undefined ? DEBOUNCE : delay);
    }

    function refresh() {
      if (!refreshURL) return;
      if (inFlight) { again = true; return; }
      var quiet = Date.now() - lastTyped;
      if (typingInside(el) && quiet < TYPING_PAUSE) { schedule(TYPING_PAUSE - quiet); return; }
      inFlight = true;
      fetch(refreshURL, {
        headers: { "HX-Request": "true", "Accept": "text/html" },
        credentials: "same-origin",
        cache: "no-store"
      }).then(function (r) {
        if (!r.ok) throw new Error("status " + r.status);
        return r.text();
      }).then(function (html) {
        replace(el, html);
        if (paused) { paused = false; show(); }
      }).catch(function () {
        paused = true;
        show();
      }).then(function () {
        inFlight = false;
        if (again) { again = false; schedule(); }
      });
    }

    el.addEventListener("input", function () { lastTyped = Date.now(); });
    connect();
    // Leaving the page (a form sent, a link followed): an event arriving now
    // must not reload the page over the navigation. If the page stays after
    // all (a download), listen again.
    window.addEventListener("beforeunload", function () {
      if (es) es.close();
      leaving = true;
      setTimeout(function () { leaving = false; connect(); }, 3000);
    });
    window.addEventListener("pagehide", function () { if (es) es.close(); leaving = true; });
    window.addEventListener("pageshow", function (e) {
      if (e.persisted) { leaving = false; connect(); }
    });
  }

  function words(s) {
    return s.split(/\s+/).filter(Boolean);
  }

  // ownPage is the page's own address when the page is elsewhere, i.e. it is
  // the answer to a form; else "".
  function ownPage(el) {
    var page = el.getAttribute("data-live-page");
    if (!page) return "";
    var u = new URL(page, window.location.href);
    return u.pathname === window.location.pathname ? "" : u.pathname + u.search;
  }

  // hasTyped reports whether a field on the page holds text not sent yet:
  // a reload would lose it. On an answer to a form, the text the form kept
  // was refused, not saved: it counts too.
  function hasTyped(el) {
    var refused = ownPage(el) !== "";
    return Array.prototype.some.call(el.ownerDocument.querySelectorAll("textarea, input"), function (f) {
      return isField(f) && f.type !== "checkbox" && f.type !== "radio" &&
        (f.value !== f.defaultValue || (refused && f.value.trim() !== ""));
    });
  }

  // typingInside reports whether the focus is in a field inside el.
  function typingInside(el) {
    var a = document.activeElement;
    return !!a && el.contains(a) && isField(a);
  }

  function isField(f) {
    return f.matches("textarea, select, [contenteditable=''], [contenteditable=true], " +
      "input:not([type=submit]):not([type=button]):not([type=reset]):not([type=hidden])");
  }

  // fieldKey names a field so that it can be found again in the new content.
  function fieldKey(f) {
    if (f.id) return "#" + f.id;
    if (!f.name) return "";
    var form = f.form;
    var where = form ? (form.id || form.getAttribute("action") || "") : "";
    return where + "|" + f.name + "|" + (f.type === "radio" || f.type === "checkbox" ? f.value : "");
  }

  // replace swaps el's contents for html, keeping what the person typed and
  // where the focus was.
  function replace(el, html) {
    var kept = {}, focus = null;
    el.querySelectorAll("input, textarea, select").forEach(function (f) {
      var key = fieldKey(f);
      if (!key) return;
      var dirty = f.type === "checkbox" || f.type === "radio" ? f.checked !== f.defaultChecked :
        f.tagName === "SELECT" ? false : f.value !== f.defaultValue;
      if (dirty) kept[key] = f.type === "checkbox" || f.type === "radio" ? { checked: f.checked } : { value: f.value };
      if (f === document.activeElement) {
        focus = { key: key, start: safe(function () { return f.selectionStart; }), end: safe(function () { return f.selectionEnd; }) };
      }
    });
    var openDetails = {};
    el.querySelectorAll("details[open]").forEach(function (d) {
      var k = detailsKey(d);
      if (k) openDetails[k] = true;
    });

    el.innerHTML = html;

    el.querySelectorAll("input, textarea, select").forEach(function (f) {
      var k = kept[fieldKey(f)];
      if (!k) return;
      if ("checked" in k) f.checked = k.checked; else f.value = k.value;
    });
    el.querySelectorAll("details").forEach(function (d) {
      if (openDetails[detailsKey(d)]) d.open = true;
    });
    if (focus) {
      var target = null;
      el.querySelectorAll("input, textarea, select").forEach(function (f) {
        if (!target && fieldKey(f) === focus.key) target = f;
      });
      if (target) {
        target.focus({ preventScroll: true });
        if (focus.start !== null) safe(function () { target.setSelectionRange(focus.start, focus.end); });
      }
    }
    if (window.htmx) window.htmx.process(el);
    el.dispatchEvent(new CustomEvent("live:refreshed", { bubbles: true }));
  }

  // detailsKey names a disclosure by its id or by the first named thing in it.
  function detailsKey(d) {
    if (d.id) return "#" + d.id;
    var inner = d.querySelector("[id]");
    return inner ? "in#" + inner.id : "";
  }

  function safe(fn) {
    try { return fn(); } catch (e) { return null; }
  }

  function withLast(src, id) {
    if (!id) return src;
    var u = new URL(src, window.location.href);
    u.searchParams.set("last", id);
    return u.pathname + u.search;
  }

  // statusLine is the small polite status shown above the live element.
  function statusLine(el, reload) {
    var p = document.createElement("p");
    p.className = "live-status";
    p.setAttribute("role", "status");
    p.hidden = true;
    p.reload = reload;
    el.parentNode.insertBefore(p, el);
    return p;
  }

  function setStatus(p, text, offerReload) {
    p.textContent = text;
    if (offerReload) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "btn btn-small";
      b.textContent = "Reload";
      b.addEventListener("click", function () { p.reload(); });
      p.appendChild(document.createTextNode(" "));
      p.appendChild(b);
    }
    p.hidden = text === "";
  }

  function init() {
    document.querySelectorAll("[data-live-src]").forEach(start);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
  // Content that htmx swaps in may bring live elements of its own.
  document.addEventListener("htmx:load", function (e) {
    var t = e.target;
    if (!(t instanceof Element)) return;
    if (t.matches("[data-live-src]")) start(t);
    t.querySelectorAll("[data-live-src]").forEach(start);
  });
})();
