package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"rapport/internal/core"
	"rapport/internal/people"
)

// csp is the Content-Security-Policy of every response: no inline script or
// style, nothing from other origins, no framing.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; " +
	"base-uri 'none'; object-src 'none'"

func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
		if s.isTLS(r) {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// isTLS reports whether the client reached us over HTTPS, directly or
// through a trusted proxy.
func (s *Server) isTLS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return s.cfg.TrustProxy && r.Header.Get("X-Forwarded-Proto") == "https"
}

// logNoteKey carries a request's *logNote from accessLog to the handlers.
type logNoteKey struct{}

// logNote is what a handler tells the access log about its request.
type logNote struct {
	// quiet: the request wrote an anonymous retro card, so no line records
	// it. A line with its path and time, next to the lines of its author's
	// other requests (by address or by person), would say who wrote it.
	quiet atomic.Bool
}

// quietLog keeps the request out of the access log.
func quietLog(r *http.Request) {
	if n, ok := r.Context().Value(logNoteKey{}).(*logNote); ok {
		n.quiet.Store(true)
	}
}

// accessLog writes one structured line per request, but for anonymous card
// writes (quietLog).
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		note := &logNote{}
		r = r.WithContext(context.WithValue(r.Context(), logNoteKey{}, note))
		var qc *core.QueryCount
		if s.cfg.TraceQueries {
			var ctx context.Context
			ctx, qc = core.WithQueryCount(r.Context())
			r = r.WithContext(ctx)
			w = &queryHeaderWriter{ResponseWriter: w, qc: qc}
		}
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		if note.quiet.Load() {
			return
		}
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		attrs := []any{
			"method", r.Method, "path", loggedPath(r), "status", status,
			"bytes", ww.BytesWritten(), "duration_ms", float64(time.Since(start).Microseconds()) / 1000,
			"request_id", middleware.GetReqID(r.Context()), "remote", r.RemoteAddr,
		}
		if a, ok := core.ActorFrom(r.Context()); ok {
			attrs = append(attrs, "user_id", a.UserID, "org_id", a.OrgID)
		}
		if qc != nil {
			attrs = append(attrs, "queries", qc.Count(), "db_ms", float64(qc.Duration().Microseconds())/1000, "statements", qc.Statements())
		}
		s.log.InfoContext(r.Context(), "request", attrs...)
	})
}

// observe reports each request to the observer (metrics) by its route
// pattern, which chi knows once the request has been routed.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		done := s.observer.StartRequest()
		defer done()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		defer func() {
			status := ww.Status()
			if status == 0 {
				status = http.StatusOK
			}
			if p := recover(); p != nil {
				// A handler that aborts (a cut export) or panics still
				// counts; the panic goes on to whoever handles it.
				if p != http.ErrAbortHandler {
					status = http.StatusInternalServerError
				}
				s.observer.Request(routePattern(r), r.Method, status, time.Since(start))
				panic(p)
			}
			s.observer.Request(routePattern(r), r.Method, status, time.Since(start))
		}()
		next.ServeHTTP(ww, r)
	})
}

// nameSpan names the request's trace span, when tracing is on, after the
// route pattern it matched ("GET /retros/{id}"), never the raw path.
func nameSpan(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			span := trace.SpanFromContext(r.Context())
			if !span.IsRecording() {
				return
			}
			if p := routePattern(r); p != "" {
				span.SetName(r.Method + " " + p)
				span.SetAttributes(attribute.String("http.route", p))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// routePattern is the pattern of the route that served r, "" if none did.
func routePattern(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		return rc.RoutePattern()
	}
	return ""
}

// loggedPath is the request path for the log, with the route pattern in
// place of a path that carries a bearer token (invitation, reset, calendar
// feed): whoever reads the log must not be able to use the link.
func loggedPath(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		if p := rc.RoutePattern(); strings.Contains(p, "{token}") {
			return p
		}
	}
	return r.URL.Path
}

// queryHeaderWriter adds the round trips made so far (X-Queries: a statement
// on its own or a batch of them) and the statements they carried
// (X-Statements) to the response headers when they are written: the session
// is saved before that, the page's queries all ran before its render.
type queryHeaderWriter struct {
	http.ResponseWriter
	qc    *core.QueryCount
	wrote bool
}

func (w *queryHeaderWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		n, d := w.qc.Count(), w.qc.Duration()
		h := w.ResponseWriter.Header()
		h.Set("X-Queries", strconv.FormatInt(n, 10))
		h.Set("X-Statements", strconv.FormatInt(w.qc.Statements(), 10))
		h.Set("Server-Timing", fmt.Sprintf(`db;desc="%d queries";dur=%.3f`, n, float64(d.Microseconds())/1000))
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *queryHeaderWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Flush lets event streams through.
func (w *queryHeaderWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *queryHeaderWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// recoverPanic turns a panic into a generic error page and logs the stack.
func (s *Server) recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "err", fmt.Sprint(v), "path", r.URL.Path,
					"request_id", middleware.GetReqID(r.Context()), "stack", string(debug.Stack()))
				s.renderStatus(w, r, http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// limitBody refuses bodies larger than the limit with 413.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.cfg.MaxBodyBytes {
			s.renderStatus(w, r, http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

// crossOriginProtection refuses cross-site unsafe requests (CSRF) with 403.
func (s *Server) crossOriginProtection(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	if u, err := url.Parse(s.cfg.BaseURL); err == nil && u.Host != "" {
		// Behind a proxy the Host header may differ from the public origin.
		_ = cop.AddTrustedOrigin(u.Scheme + "://" + u.Host)
	}
	// SCIM requests authenticate with a bearer token, which a browser never
	// attaches on its own: there is no ambient credential to forge.
	cop.AddInsecureBypassPattern("/scim/v2/")
	// The API's bearer tokens likewise; a session cookie never
	// authenticates an API call.
	cop.AddInsecureBypassPattern("/api/v1/")
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path,
			"origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
		s.renderStatus(w, r, http.StatusForbidden)
	}))
	return cop.Handler(next)
}

const (
	sessUserID  = "user_id"
	sessOrgID   = "org_id"
	sessOrgName = "org_name"
	sessFlash   = "flash"
	sessSeen    = "seen"
	sessFlashK  = "flash_kind"
)

// seenResolution is how stale a session's last-seen time may get before it
// is written again.
const seenResolution = time.Minute

// loadActor puts the signed-in person into the request context. A session
// whose person is gone or deactivated is destroyed.
func (s *Server) loadActor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		uid := s.sessions.GetInt64(ctx, sessUserID)
		if uid == 0 {
			next.ServeHTTP(w, r)
			return
		}
		now := s.clock.Now()
		seen := time.Unix(s.sessions.GetInt64(ctx, sessSeen), 0)
		if now.Sub(seen) > s.cfg.SessionIdle {
			_ = s.people.ForgetSession(ctx, s.sessions.Token(ctx))
			_ = s.sessions.Destroy(ctx)
			next.ServeHTTP(w, r)
			return
		}
		// Retro rooms never touch the session: a session written in or
		// right after the request that wrote an anonymous card would date
		// the card and name its author (docs/privacy.md). Any other page
		// keeps the session alive.
		if now.Sub(seen) > seenResolution && !strings.HasPrefix(r.URL.Path, "/retros/") {
			s.sessions.Put(ctx, sessSeen, now.Unix())
		}
		orgID := s.sessions.GetInt64(ctx, sessOrgID)
		var (
			a   core.Actor
			me  people.Person
			err error
		)
		if pf := people.PrefetchFrom(ctx); pf != nil && pf.Found && pf.Person.ID == uid && pf.Person.OrgID == orgID {
			a, me, err = s.people.SignedInAs(pf.Person)
		} else {
			a, me, err = s.people.SignedIn(ctx, orgID, uid)
		}
		if err != nil {
			switch core.ErrorCode(err) {
			case core.ENOTFOUND, core.EUNAUTHORIZED:
				_ = s.sessions.Destroy(ctx)
				next.ServeHTTP(w, r)
			default:
				s.renderError(w, r, err)
			}
			return
		}
		ctx = context.WithValue(core.WithActor(ctx, a), signedInKey{}, me)
		// The bell's count came with the session; on the rarer path that
		// read the person apart, it takes a statement of its own.
		unread := 0
		if pf := people.PrefetchFrom(ctx); pf != nil && pf.Found && pf.Person.ID == uid {
			unread = pf.Unread
		} else if n, err := s.inbox.UnreadNotifications(ctx, a); err == nil {
			unread = n
		}
		ctx = context.WithValue(ctx, unreadKey{}, unread)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

type signedInKey struct{}

// unreadKey holds the signed-in person's unread notifications, for the
// bell every page shows.
type unreadKey struct{}

// prefetchSignedIn lets the session store read the session's owner in the
// same statement as the session (see loadActor).
func prefetchSignedIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, _ := people.WithPrefetch(r.Context())
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// signedIn is the signed-in person's row, read once per request by loadActor.
func signedIn(r *http.Request) people.Person {
	p, _ := r.Context().Value(signedInKey{}).(people.Person)
	return p
}

// require enforces a route's access rule: signed-out people go to sign-in
// (GET) or get 401, signed-in people without the role get 403.
func (s *Server) require(acc access, h http.HandlerFunc) http.HandlerFunc {
	if acc.public {
		return h
	}
	if acc.scim {
		return s.scimAuth(h)
	}
	if acc.api {
		return s.apiAuth(acc, h)
	}
	return func(w http.ResponseWriter, r *http.Request) {
		a, ok := core.ActorFrom(r.Context())
		if !ok {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.renderStatus(w, r, http.StatusUnauthorized)
			return
		}
		if !a.Is(acc.roles...) {
			s.renderStatus(w, r, http.StatusForbidden)
			return
		}
		h(w, r)
	}
}

// timeout bounds every request but event streams: a stream stays open for as
// long as the reader listens, and ends itself when the client goes away or the
// server shuts down. A handler that runs out of time gets the context's
// error from its queries and answers 503 (see core.Overloaded); nothing is
// written after it returns. The context before the bound stays reachable
// (unboundedContext) for exports, which have their own.
func (s *Server) timeout(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			next.ServeHTTP(w, r)
			return
		}
		parent := r.Context()
		ctx, cancel := context.WithTimeout(context.WithValue(parent, unboundedKey{}, parent), s.cfg.RequestTimeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

type unboundedKey struct{}

// unboundedContext is the request's context without the page timeout: it
// still ends when the client goes away. Values added after the timeout
// middleware (the session, the actor) are carried over.
func unboundedContext(r *http.Request) context.Context {
	parent, ok := r.Context().Value(unboundedKey{}).(context.Context)
	if !ok {
		return r.Context()
	}
	return valuesFrom{Context: parent, values: r.Context()}
}

// valuesFrom has the deadline and cancellation of its Context and the
// values of another.
type valuesFrom struct {
	context.Context
	values context.Context
}

func (v valuesFrom) Value(key any) any { return v.values.Value(key) }

// closeWhenDraining asks clients to close their connection once shutdown
// has started, so that their next request opens one to another replica.
func (s *Server) closeWhenDraining(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Draining() {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}

// batchReads lets the reads a page runs together (core.Together) share
// round trips to the database.
func (s *Server) batchReads(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(core.WithReads(r.Context(), s.reads)))
	})
}
