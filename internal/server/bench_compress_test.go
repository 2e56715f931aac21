package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"rapport/internal/demo"
	"rapport/internal/server"
	"rapport/internal/testapp"
)

// kudosFeed is the HTML of a real kudos feed page, rendered once per run.
var kudosFeed struct {
	once sync.Once
	body []byte
	err  error
}

// kudosFeedBody renders /kudos for the admin of a demo organisation with a
// year of recognition: the page whose compression the benchmark measures.
func kudosFeedBody(b *testing.B) []byte {
	kudosFeed.once.Do(func() {
		ta := testapp.Start(b, dsn, testapp.Options{})
		res, err := demo.Seed(context.Background(), ta.Pool, demo.Options{
			People: 300, Months: 12, Seed: 1, Password: benchPassword(),
			OrgName: "Compression Bench", Domain: "compress-bench.example",
			Now: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC),
		})
		if err != nil {
			kudosFeed.err = err
			return
		}
		c := ta.Client(b)
		c.SignIn(res.SignIns[0].Email, benchPassword())
		resp := c.Get("/kudos")
		if resp.Status != http.StatusOK {
			kudosFeed.err = &statusError{resp.Status}
			return
		}
		kudosFeed.body = []byte(resp.Body)
	})
	if kudosFeed.err != nil {
		b.Fatal(kudosFeed.err)
	}
	return kudosFeed.body
}

type statusError struct{ code int }

func (e *statusError) Error() string { return "kudos feed: status " + http.StatusText(e.code) }

// discardWriter is a ResponseWriter that only counts the bytes it is sent,
// so the benchmark measures the middleware and not a recorder's buffer.
type discardWriter struct {
	h http.Header
	n int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(int)             {}
func (w *discardWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

// BenchmarkCompressKudosPage: the kudos feed's HTML gzipped by the
// middleware the server used before (chi's, on the standard library's flate)
// and by the one it uses now (klauspost/compress gzhttp), both at level 5.
// gzip-B is the compressed size.
func BenchmarkCompressKudosPage(b *testing.B) {
	body := kudosFeedBody(b)
	b.Logf("kudos feed: %d bytes of HTML", len(body))
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	})
	for _, m := range []struct {
		name string
		mw   func(http.Handler) http.Handler
	}{
		{"mw=chi-stdlib", middleware.Compress(5, "text/html", "text/css", "text/plain", "application/javascript", "image/svg+xml", "text/csv")},
		{"mw=gzhttp", server.Compress()},
	} {
		b.Run(m.name, func(b *testing.B) {
			h := m.mw(page)
			req := httptest.NewRequest("GET", "/kudos", nil)
			req.Header.Set("Accept-Encoding", "gzip")
			w := &discardWriter{h: http.Header{}}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				w.n = 0
				h.ServeHTTP(w, req)
			}
			if w.h.Get("Content-Encoding") != "gzip" {
				b.Fatalf("the page was not compressed: %v", w.h)
			}
			b.ReportMetric(float64(w.n), "gzip-B")
		})
	}
}
