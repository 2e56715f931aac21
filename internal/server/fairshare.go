package server

import (
	"net/http"
	"strings"
	"sync"

	"rapport/internal/core"
)

// inFlight counts each signed-in person's requests being served, so that
// one person repeating a slow page cannot take every database connection:
// past the limit their extra requests are turned away at once (503 with
// Retry-After) and everybody else keeps a share of the pool.
type inFlight struct {
	mu sync.Mutex
	n  map[int64]int
}

// take counts a request of the person unless they have limit running.
func (f *inFlight) take(id int64, limit int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n[id] >= limit {
		return false
	}
	if f.n == nil {
		f.n = map[int64]int{}
	}
	f.n[id]++
	return true
}

func (f *inFlight) done(id int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n[id] <= 1 {
		delete(f.n, id)
		return
	}
	f.n[id]--
}

// fairShare applies Config.PerPersonRequests to signed-in requests. Event
// streams stay open for long and hold no connection between events, and
// sheet exports have their own limit and pool: they do not count.
func (s *Server) fairShare(next http.Handler) http.Handler {
	if s.cfg.PerPersonRequests <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := core.ActorFrom(r.Context())
		if !ok || strings.Contains(r.Header.Get("Accept"), "text/event-stream") || isSheetExport(r) {
			next.ServeHTTP(w, r)
			return
		}
		if !s.running.take(a.UserID, s.cfg.PerPersonRequests) {
			s.log.Warn("request refused: person at their share of the server", "path", r.URL.Path, "user_id", a.UserID)
			s.renderUnavailable(w, r, "You have several pages loading already. Please wait for them, then try again.", busyRetryAfter)
			return
		}
		defer s.running.done(a.UserID)
		next.ServeHTTP(w, r)
	})
}
