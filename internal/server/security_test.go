package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// Every unsafe route refuses a cross-site form post, before it does anything.
func TestEveryUnsafeRouteRefusesCrossSitePosts(t *testing.T) {
	w := newWorld(t)
	// Every path first: making the object a route acts on may itself be
	// audited (a competency added through the app); only the posts count.
	type post struct{ key, method, path string }
	var posts []post
	for _, key := range routeKeys(w.app.Server.Router()) {
		method, pattern, _ := strings.Cut(key, " ")
		if method == "GET" || method == "HEAD" || method == "OPTIONS" {
			continue
		}
		path := pattern
		if exp := matrix[key]; exp.path != nil {
			path = exp.path(w, admin)
		}
		posts = append(posts, post{key, method, path})
	}
	before := w.app.F.Count(t, "SELECT count(*) FROM audit_log")
	n := 0
	for _, p := range posts {
		key, method, path := p.key, p.method, p.path
		for _, hdr := range []map[string]string{
			{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
			{"Origin": "https://evil.example"}, // older browsers: no Sec-Fetch-Site
		} {
			req, _ := http.NewRequest(method, w.app.URL+path, strings.NewReader(url.Values{"name": {"x"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			r := w.clients[admin].Do(req)
			n++
			want := http.StatusForbidden
			if matrix[key].bearer || matrix[key].api {
				// SCIM and API routes read a bearer token, never the cookie, so
				// cross-origin protection lets them through: without a
				// token they are refused all the same.
				want = http.StatusUnauthorized
			}
			if r.Status != want {
				t.Errorf("cross-site %s %s (%v): status %d, want %d", method, path, hdr, r.Status, want)
			}
		}
	}
	if after := w.app.F.Count(t, "SELECT count(*) FROM audit_log"); after != before {
		t.Errorf("cross-site posts changed something: audit log %d → %d", before, after)
	}
	t.Logf("%d cross-site requests refused", n)

	// The same post from our own origin goes through.
	req, _ := http.NewRequest("POST", w.app.URL+"/teams", strings.NewReader(url.Values{"name": {"Same origin team"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", w.app.URL)
	if r := w.clients[admin].Do(req); r.Status != http.StatusSeeOther {
		t.Fatalf("same-origin post: %d", r.Status)
	}
}

func TestSecurityHeadersOnEveryPage(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	c := ta.Client(t)
	for _, path := range []string{"/login", "/healthz", "/no-such-page", "/static/app.css"} {
		r := c.Get(path)
		h := r.Header
		csp := h.Get("Content-Security-Policy")
		for _, part := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, part) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, part)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows inline code: %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: missing nosniff/referrer policy: %v", path, h)
		}
		// The test server speaks TLS, so HSTS must be on.
		if !strings.Contains(h.Get("Strict-Transport-Security"), "max-age=") {
			t.Errorf("%s: no HSTS over TLS", path)
		}
	}
	plain := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	if r := plain.Client(t).Get("/login"); r.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent over plain HTTP")
	}
}

func TestSessionCookieIsHostOnlySecureHttpOnlyLax(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Cookies")
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	c := ta.Client(t)
	r := c.Post("/login", url.Values{"email": {p.Email}, "password": {testfx.Password}})
	set := r.Header.Get("Set-Cookie")
	for _, want := range []string{"__Host-rapport_session=", "Path=/", "HttpOnly", "Secure", "SameSite=Lax"} {
		if !strings.Contains(set, want) {
			t.Errorf("Set-Cookie %q lacks %q", set, want)
		}
	}
	if strings.Contains(set, "Domain=") {
		t.Errorf("session cookie must be host-only: %q", set)
	}
}

func TestOversizedBodiesGet413(t *testing.T) {
	w := newWorld(t)
	big := strings.Repeat("a", 3<<20)
	r := w.clients[admin].Post("/teams", url.Values{"name": {big}})
	if r.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", r.Status)
	}
	// Chunked (no Content-Length) is cut off too.
	req, _ := http.NewRequest("POST", w.app.URL+"/teams", struct{ *strings.Reader }{strings.NewReader("name=" + big)})
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.ContentLength = -1
	if r := w.clients[admin].Do(req); r.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked: status %d, want 413", r.Status)
	}
	if n := w.app.F.Count(t, "SELECT count(*) FROM teams WHERE length(name) > 100"); n != 0 {
		t.Fatal("oversized team was written")
	}
}

func TestErrorPagesShowNoInternals(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	c := ta.Client(t)
	for path, want := range map[string]int{"/no-such-page": 404, "/people/abc": 303, "/invite/%00": 404} {
		r := c.Get(path)
		if r.Status != want {
			t.Errorf("%s: %d, want %d", path, r.Status, want)
		}
		for _, leak := range []string{"goroutine", "pgx", "SQLSTATE", "panic", ".go:"} {
			if strings.Contains(r.Body, leak) {
				t.Errorf("%s leaks %q", path, leak)
			}
		}
	}
}
