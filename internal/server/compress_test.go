package server_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"rapport/internal/export"
	"rapport/internal/server"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
	"rapport/web"
)

// rawGet fetches path with the client's cookies and the given
// Accept-Encoding, leaving the body exactly as the server sent it.
func rawGet(t *testing.T, c *testapp.Client, method, url, acceptEncoding string) (*http.Response, []byte) {
	t.Helper()
	hc := *c.HTTP
	tr := c.HTTP.Transport.(*http.Transport).Clone()
	tr.DisableCompression = true
	hc.Transport = tr
	req, _ := http.NewRequest(method, url, nil)
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return out
}

func varyListsAcceptEncoding(h http.Header) bool {
	for _, v := range h.Values("Vary") {
		if strings.Contains(strings.ToLower(v), "accept-encoding") {
			return true
		}
	}
	return false
}

func TestCompressedPageDecodesToTheSamePage(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Gzip Org")
	ana := ta.F.Person(t, org, testfx.PersonOpts{Name: "Ana Gzip"})
	ben := ta.F.Person(t, org, testfx.PersonOpts{Name: "Ben Gzip"})
	for range 30 {
		ta.F.Kudo(t, org, ana.ID, []int64{ben.ID}, "org", nil)
	}
	c := ta.Client(t)
	c.SignIn(ben.Email, testfx.Password)

	plain, want := rawGet(t, c, "GET", ta.URL+"/kudos", "")
	zipped, raw := rawGet(t, c, "GET", ta.URL+"/kudos", "gzip")
	if plain.StatusCode != http.StatusOK || zipped.StatusCode != http.StatusOK {
		t.Fatalf("status %d and %d", plain.StatusCode, zipped.StatusCode)
	}
	if enc := plain.Header.Get("Content-Encoding"); enc != "" {
		t.Errorf("compressed (%q) for a client that does not accept gzip", enc)
	}
	if enc := zipped.Header.Get("Content-Encoding"); enc != "gzip" {
		t.Fatalf("a %d-byte page went out with Content-Encoding %q, want gzip", len(want), enc)
	}
	if !varyListsAcceptEncoding(zipped.Header) || !varyListsAcceptEncoding(plain.Header) {
		t.Errorf("Vary does not list Accept-Encoding: %q and %q", plain.Header.Values("Vary"), zipped.Header.Values("Vary"))
	}
	if cl := zipped.Header.Get("Content-Length"); cl != "" && cl != fmt.Sprint(len(raw)) {
		t.Errorf("Content-Length %s for %d compressed bytes", cl, len(raw))
	}
	got := gunzip(t, raw)
	if !bytes.Equal(got, want) {
		t.Errorf("the compressed page decodes to %d bytes that differ from the %d-byte page", len(got), len(want))
	}
	if !bytes.Contains(want, []byte("Paired on the flaky deploy pipeline")) {
		t.Errorf("the feed does not show the kudos:\n%s", want)
	}
	if len(raw)*3 > len(want) {
		t.Errorf("%d bytes compressed to %d", len(want), len(raw))
	}

	// HEAD is never compressed (some proxies mishandle it) and says so.
	head, _ := rawGet(t, c, "HEAD", ta.URL+"/kudos", "gzip")
	if enc := head.Header.Get("Content-Encoding"); enc != "" {
		t.Errorf("HEAD answered with Content-Encoding %q", enc)
	}
}

func TestSmallAndPrecompressedResponsesAreSentAsTheyAre(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	c := ta.Client(t)

	resp, body := rawGet(t, c, "GET", ta.URL+"/healthz", "gzip")
	if enc := resp.Header.Get("Content-Encoding"); enc != "" || string(body) != "ok\n" {
		t.Errorf("/healthz: Content-Encoding %q, body %q; want it uncompressed", enc, body)
	}
	if !varyListsAcceptEncoding(resp.Header) {
		t.Errorf("/healthz: Vary %q does not list Accept-Encoding", resp.Header.Values("Vary"))
	}

	// Static files are compressed ahead of time: gzipped once, with their
	// own ETag, never a second time on the way out.
	css := web.Asset("app.css")
	_, want := rawGet(t, c, "GET", ta.URL+css, "")
	resp, raw := rawGet(t, c, "GET", ta.URL+css, "gzip")
	if resp.Header.Get("Content-Encoding") != "gzip" || !strings.HasSuffix(resp.Header.Get("ETag"), `-gz"`) {
		t.Fatalf("app.css: Content-Encoding %q, ETag %q", resp.Header.Get("Content-Encoding"), resp.Header.Get("ETag"))
	}
	if got := gunzip(t, raw); !bytes.Equal(got, want) {
		t.Errorf("app.css decodes to %d bytes, not the %d-byte file (compressed twice?)", len(got), len(want))
	}
}

func TestStreamedExportReachesTheClientBeforeItEnds(t *testing.T) {
	const maxRows = 200_000
	firstBytes := make(chan struct{})
	rowsBeforeFirstBytes := make(chan int, 1)
	h := server.Compress()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		cw, err := export.NewCSV(w)
		if err != nil {
			t.Error(err)
			return
		}
		// Rows go out as the export writes them (no Flush between, as in
		// the export service) until the client has its first bytes.
		n := 0
		for ; n < maxRows; n++ {
			select {
			case <-firstBytes:
				rowsBeforeFirstBytes <- n
				_ = cw.Close()
				return
			default:
			}
			row := export.Row{Person: fmt.Sprintf("Person %d", n), Email: fmt.Sprintf("p%d@example.com", n),
				Team: fmt.Sprintf("Team %d", n%37), Competency: "Communication", SelfRating: n % 5, State: "submitted"}
			if err := cw.WriteRow(row); err != nil {
				t.Error(err)
				return
			}
		}
		rowsBeforeFirstBytes <- n
		_ = cw.Close()
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()

	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if enc := resp.Header.Get("Content-Encoding"); enc != "gzip" {
		t.Fatalf("the export went out with Content-Encoding %q, want gzip", enc)
	}
	first := make([]byte, 1)
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatal(err)
	}
	close(firstBytes)
	rest, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	n := <-rowsBeforeFirstBytes
	if n >= maxRows {
		t.Fatalf("the first bytes arrived only after all %d rows were written", n)
	}
	csv := gunzip(t, append(first, rest...))
	if !bytes.HasPrefix(csv, []byte("\ufeffPerson,Email,")) || bytes.Count(csv, []byte("\n")) != n+1 {
		t.Errorf("decoded export has %d lines, want the header and %d rows", bytes.Count(csv, []byte("\n")), n)
	}
	t.Logf("first compressed bytes arrived after %d rows (%d bytes of CSV)", n, len(csv))
}

func TestFlushSendsHeldBytesAtOnce(t *testing.T) {
	// A compressible response below the minimum size is held back until
	// it grows or ends; a Flush must send it anyway.
	sent := make(chan struct{})
	h := server.Compress()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "progress: 1 of 2\n")
		_ = http.NewResponseController(w).Flush()
		select {
		case <-sent:
		case <-time.After(5 * time.Second):
		}
		_, _ = io.WriteString(w, "progress: 2 of 2\n")
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	defer close(sent)

	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	start := time.Now()
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	line := make([]byte, len("progress: 1 of 2\n"))
	if _, err := io.ReadFull(zr, line); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second || string(line) != "progress: 1 of 2\n" {
		t.Errorf("got %q after %s; the flushed line should arrive at once", line, d)
	}
}
