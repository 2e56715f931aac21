package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/testdb"
)

var dsn string

func TestMain(m *testing.M) { testdb.Main(m, &dsn) }

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func TestFortunes(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	// Running setup twice must neither fail nor duplicate rows.
	for range 2 {
		if err := setup(ctx, pool); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM bench.fortune`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 12 {
		t.Fatalf("bench.fortune has %d rows, want 12", n)
	}

	srv := httptest.NewServer(newHandler(pool))
	defer srv.Close()

	if resp, _ := get(t, srv.URL+"/healthz"); resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: status %d", resp.StatusCode)
	}

	resp, body := get(t, srv.URL+"/fortunes")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if !strings.HasPrefix(body, "<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>") ||
		!strings.HasSuffix(body, "</table></body></html>") {
		t.Errorf("unexpected page frame:\n%s", body)
	}

	rows := regexp.MustCompile(`<tr><td>(\d+)</td><td>(.*?)</td></tr>`).FindAllStringSubmatch(body, -1)
	if len(rows) != 13 {
		t.Fatalf("got %d rows, want 13:\n%s", len(rows), body)
	}
	var ids []string
	for _, r := range rows {
		ids = append(ids, r[1])
	}
	// Sorted by message (byte order): '<' sorts before letters, the Japanese row last.
	want := []string{"11", "4", "5", "2", "8", "0", "3", "7", "10", "6", "9", "1", "12"}
	if !slices.Equal(ids, want) {
		t.Errorf("row order = %v, want %v", ids, want)
	}
	if got, want := rows[0][2], "&lt;script&gt;alert(&#34;This should not be displayed in a browser alert box.&#34;);&lt;/script&gt;"; got != want {
		t.Errorf("script row = %q, want %q", got, want)
	}
	if strings.Contains(body, "<script>") {
		t.Error("body contains an unescaped <script>")
	}
	if got := rows[12][2]; got != "フレームワークのベンチマーク" {
		t.Errorf("last row = %q", got)
	}
	if got := rows[5][2]; got != "Additional fortune added at request time." {
		t.Errorf("row 0 = %q", got)
	}
}
