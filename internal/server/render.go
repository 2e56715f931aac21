package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"rapport/internal/core"
	"rapport/web/views"
)

// render writes a templ component with a status code.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := c.Render(r.Context(), w); err != nil {
		s.log.ErrorContext(r.Context(), "render", "err", err, "path", r.URL.Path, "request_id", middleware.GetReqID(r.Context()))
	}
}

// layout builds the page frame for the current request, popping the flash.
func (s *Server) layout(r *http.Request, title, nav string) views.Layout {
	l := views.Layout{Title: title, Nav: nav}
	if a, ok := core.ActorFrom(r.Context()); ok {
		l.Actor = &a
		l.OrgName = s.sessions.GetString(r.Context(), sessOrgName)
		l.Unread, _ = r.Context().Value(unreadKey{}).(int)
	}
	l.Flash = s.sessions.PopString(r.Context(), sessFlash)
	l.FlashKind = s.sessions.PopString(r.Context(), sessFlashK)
	return l
}

// flash stores a one-line message for the next page.
func (s *Server) flash(r *http.Request, kind, msg string) {
	s.sessions.Put(r.Context(), sessFlash, msg)
	s.sessions.Put(r.Context(), sessFlashK, kind)
}

// redirect sends a 303 after a successful POST.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// formDone answers a form's POST once its change ran and returned err. On
// success it flashes done (none when empty) and redirects (303) to `to`. On
// invalid input it calls reshow to render the form again with 422, so each
// message stands next to its field and what was typed is kept; the change
// made nothing. Any other error shows the error page.
func (s *Server) formDone(w http.ResponseWriter, r *http.Request, err error, reshow func(status int), done, to string) {
	switch {
	case err == nil:
		if done != "" {
			s.flash(r, "success", done)
		}
		redirect(w, r, to)
	case core.ErrorCode(err) == core.EINVALID:
		reshow(http.StatusUnprocessableEntity)
	default:
		s.renderError(w, r, err)
	}
}

var statusText = map[int][2]string{
	http.StatusBadRequest:            {"That request didn't make sense", "Check the address or the form and try again."},
	http.StatusUnauthorized:          {"Please sign in", "Your session has ended. Sign in again to continue."},
	http.StatusForbidden:             {"You don't have access to this", "This page or action isn't available to your role. If you think it should be, ask an admin."},
	http.StatusNotFound:              {"Page not found", "There's nothing here. It may have been moved, or the link is wrong."},
	http.StatusMethodNotAllowed:      {"That action isn't possible here", "Go back and use the page's buttons and forms."},
	http.StatusRequestEntityTooLarge: {"That upload is too large", "Send a smaller file or less text."},
	http.StatusTooManyRequests:       {"Too many attempts", "Wait a minute and try again."},
	http.StatusInternalServerError:   {"Something went wrong on our side", "We've logged the problem. Please try again in a moment."},
	http.StatusServiceUnavailable:    {"Rapport is busy", "Please try again in a moment."},
}

// renderStatus renders the friendly error page for a status; under
// /scim/v2 (an unknown path, a wrong method, a body too large, a panic) the
// answer is a SCIM error body instead.
func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int) {
	if strings.HasPrefix(r.URL.Path, "/scim/v2/") {
		s.scimWriteError(w, &scimError{Status: status, Detail: http.StatusText(status) + "."})
		return
	}
	t, ok := statusText[status]
	if !ok {
		t = [2]string{http.StatusText(status), ""}
	}
	s.renderErrorPage(w, r, status, t[0], t[1])
}

func (s *Server) renderErrorPage(w http.ResponseWriter, r *http.Request, status int, heading, msg string) {
	l := views.Layout{Title: heading}
	if a, ok := core.ActorFrom(r.Context()); ok {
		l.Actor = &a
	}
	s.render(w, r, status, views.ErrorPage(l, status, heading, msg))
}

// statusFor maps an error code to an HTTP status.
func statusFor(code string) int {
	switch code {
	case core.EINVALID:
		return http.StatusUnprocessableEntity
	case core.ENOTFOUND:
		return http.StatusNotFound
	case core.ECONFLICT:
		return http.StatusConflict
	case core.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case core.EFORBIDDEN:
		return http.StatusForbidden
	case core.ERATELIMIT:
		return http.StatusTooManyRequests
	case core.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// renderError shows an error page for err. Only internal errors are logged;
// users only ever see the safe message.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		s.renderStatus(w, r, http.StatusRequestEntityTooLarge)
		return
	}
	code := core.ErrorCode(err)
	status := statusFor(code)
	if code == core.EUNAVAILABLE {
		// An overload, not a fault: say so briefly and ask to come back.
		s.log.WarnContext(r.Context(), "overloaded", "err", err, "path", r.URL.Path, "request_id", middleware.GetReqID(r.Context()))
		s.renderUnavailable(w, r, core.ErrorMessage(err), busyRetryAfter)
		return
	}
	if code == core.EINTERNAL {
		s.log.ErrorContext(r.Context(), "internal error", "err", err, "path", r.URL.Path, "request_id", middleware.GetReqID(r.Context()))
		s.renderStatus(w, r, status)
		return
	}
	if code == core.EFORBIDDEN || code == core.ENOTFOUND {
		s.renderStatus(w, r, status)
		return
	}
	t := statusText[status]
	s.renderErrorPage(w, r, status, t[0], core.ErrorMessage(err))
}

// busyRetryAfter is the Retry-After, in seconds, of a page turned away
// because the database is saturated.
const busyRetryAfter = 2

// renderUnavailable answers 503 with Retry-After and a plain page. It
// renders without the page layout's session lookups: under overload it
// must cost nothing.
func (s *Server) renderUnavailable(w http.ResponseWriter, r *http.Request, msg string, retryAfter int) {
	w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	s.renderErrorPage(w, r, http.StatusServiceUnavailable, statusText[http.StatusServiceUnavailable][0], msg)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.renderStatus(w, r, http.StatusNotFound)
}

func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	s.renderStatus(w, r, http.StatusMethodNotAllowed)
}

// parseForm parses a urlencoded or multipart form, reporting a too-large body
// as 413 and anything else as 400. It returns false when it has responded.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) bool {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(s.cfg.MaxBodyBytes)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.renderStatus(w, r, http.StatusRequestEntityTooLarge)
		} else {
			s.renderStatus(w, r, http.StatusBadRequest)
		}
		return false
	}
	return true
}

// pathID reads a positive integer URL parameter; anything else is 404.
func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	return id, err == nil && id > 0
}

// actor returns the signed-in person; routes behind require always have one.
func actor(r *http.Request) core.Actor {
	a, _ := core.ActorFrom(r.Context())
	return a
}

// formInt64 reads an optional positive id from a form field.
func formInt64(r *http.Request, name string) (*int64, bool) {
	v := strings.TrimSpace(r.PostFormValue(name))
	if v == "" {
		return nil, true
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return nil, false
	}
	return &id, true
}

func chiParam(r *http.Request, name string) string { return chi.URLParam(r, name) }
