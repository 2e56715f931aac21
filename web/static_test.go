package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, target string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	StaticHandler().ServeHTTP(rec, req)
	return rec.Result()
}

func TestAssetURL(t *testing.T) {
	body, err := staticFS.ReadFile("static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	want := "/static/app.css?v=" + hex.EncodeToString(sum[:])[:10]
	if got := Asset("app.css"); got != want {
		t.Errorf("Asset(app.css) = %q, want %q", got, want)
	}
	for _, name := range []string{"app.css", "app.js", "htmx.min.js", "favicon.svg"} {
		if !regexp.MustCompile(`^/static/` + regexp.QuoteMeta(name) + `\?v=[0-9a-f]{10}$`).MatchString(Asset(name)) {
			t.Errorf("Asset(%q) = %q", name, Asset(name))
		}
	}
	if got := Asset("nope.css"); got != "/static/nope.css" {
		t.Errorf("Asset(unknown) = %q", got)
	}
}

func TestStaticContentTypesAndCaching(t *testing.T) {
	cases := map[string]string{
		"app.css":     "text/css; charset=utf-8",
		"app.js":      "text/javascript; charset=utf-8",
		"htmx.min.js": "text/javascript; charset=utf-8",
		"favicon.svg": "image/svg+xml",
	}
	for name, ct := range cases {
		res := get(t, Asset(name), nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", name, res.StatusCode)
		}
		if got := res.Header.Get("Content-Type"); got != ct {
			t.Errorf("%s: Content-Type %q, want %q", name, got, ct)
		}
		if got := res.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("%s with matching v: Cache-Control %q", name, got)
		}
		body, _ := io.ReadAll(res.Body)
		want, _ := staticFS.ReadFile("static/" + name)
		if !bytes.Equal(body, want) {
			t.Errorf("%s: body differs from embedded file", name)
		}

		for _, target := range []string{"/static/" + name, "/static/" + name + "?v=0000000000"} {
			res := get(t, target, nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s: status %d", target, res.StatusCode)
			}
			if got := res.Header.Get("Cache-Control"); got != "no-cache" {
				t.Errorf("%s: Cache-Control %q, want no-cache", target, got)
			}
		}
	}
}

func TestStaticNotFound(t *testing.T) {
	for _, target := range []string{
		"/static/",
		"/static/missing.css",
		"/static/static/app.css",
		"/static/../static.go",
		"/static/./app.css",
		"/static/app.css/",
		"/static//app.css",
		"/app.css",
	} {
		res := get(t, target, nil)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", target, res.StatusCode)
		}
	}
}

func TestStaticGzipAndConditional(t *testing.T) {
	res := get(t, Asset("htmx.min.js"), map[string]string{"Accept-Encoding": "gzip, br"})
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("expected gzip, got %q", res.Header.Get("Content-Encoding"))
	}
	if !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
		t.Errorf("missing Vary: Accept-Encoding")
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	want, _ := staticFS.ReadFile("static/htmx.min.js")
	if !bytes.Equal(plain, want) {
		t.Errorf("gunzipped body differs")
	}

	res = get(t, Asset("app.css"), map[string]string{"Accept-Encoding": "gzip;q=0"})
	if res.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip sent although refused")
	}

	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	res = get(t, Asset("app.css"), map[string]string{"If-None-Match": etag})
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", res.StatusCode)
	}
}

func TestStaticMethods(t *testing.T) {
	req := httptest.NewRequest(http.MethodHead, Asset("app.js"), nil)
	rec := httptest.NewRecorder()
	StaticHandler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Errorf("HEAD: status %d, body %d bytes", rec.Code, rec.Body.Len())
	}

	req = httptest.NewRequest(http.MethodPost, Asset("app.js"), nil)
	rec = httptest.NewRecorder()
	StaticHandler().ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", rec.Code)
	}
}

func TestHtmxKeepsLicenseHeader(t *testing.T) {
	b, err := staticFS.ReadFile("static/htmx.min.js")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("/*! htmx 2.0.")) {
		t.Errorf("htmx.min.js lacks its header comment")
	}
}

// An unclosed block (a @media query left open) silently scopes every rule
// after it; the stylesheet's braces balance, comments and strings aside.
func TestStylesheetBlocksAreClosed(t *testing.T) {
	body, err := staticFS.ReadFile("static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	css := regexp.MustCompile(`(?s)/\*.*?\*/|"[^"]*"|'[^']*'`).ReplaceAllString(string(body), "")
	depth := 0
	for i, line := range strings.Split(css, "\n") {
		depth += strings.Count(line, "{") - strings.Count(line, "}")
		if depth < 0 {
			t.Fatalf("app.css: a } without its { near line %d", i+1)
		}
	}
	if depth != 0 {
		t.Errorf("app.css: %d block(s) left open", depth)
	}
}
