package server

import (
	"net/http"
	"strconv"
	"time"

	"rapport/internal/core"
	"rapport/internal/mail"
	"rapport/web/views"
)

// viewerLoc is the signed-in person's time zone, for the times a page shows.
func viewerLoc(r *http.Request) *time.Location {
	if loc, err := core.Location(signedIn(r).TimeZone); err == nil {
		return loc
	}
	return time.UTC
}

// outboxList shows a page of the organisation's email, newest first.
func (s *Server) outboxList(w http.ResponseWriter, r *http.Request) {
	var before int64
	if v := r.URL.Query().Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			s.renderStatus(w, r, http.StatusBadRequest)
			return
		}
		before = n
	}
	msgs, err := s.outbox.List(r.Context(), actor(r), before)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	p := views.OutboxProps{Messages: msgs, Configured: s.outbox.Configured(), Loc: viewerLoc(r)}
	if len(msgs) == mail.OutboxPage {
		p.Older = msgs[len(msgs)-1].ID
	}
	s.render(w, r, http.StatusOK, views.OutboxPage(s.layout(r, "Outbox", "admin"), p))
}

// outboxShow shows one message: its delivery, the link it carries while it
// is unsent, and both parts as the recipient sees them.
func (s *Server) outboxShow(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	st, m, err := s.outbox.Find(r.Context(), actor(r), id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.OutboxMessagePage(s.layout(r, st.Subject, "admin"),
		views.OutboxMessageProps{Stored: st, Message: m, Configured: s.outbox.Configured(), Loc: viewerLoc(r)}))
}

// outboxCSP lets a message's own inline styles apply and nothing else: no
// script, no request anywhere, framed only by our own page (in a sandbox).
const outboxCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox allow-popups allow-popups-to-escape-sandbox"

// outboxHTML serves a message's HTML part, for the frame on its page.
func (s *Server) outboxHTML(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	st, _, err := s.outbox.Find(r.Context(), actor(r), id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", outboxCSP)
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(st.HTML))
}
