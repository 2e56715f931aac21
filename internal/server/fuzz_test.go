package server

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// seedValues are the seed corpus of the parsers' fuzz tests: they run in
// every plain `go test`.
var seedValues = []string{
	"", "1", "2", "42", "0", "-1", " 7 ", "+3", "007", "1e3", "0x1f", "½",
	"9223372036854775807", "9223372036854775808", "-9223372036854775808", "99999999999999999999",
	"\x00", "1\x00", "\xff", "\xc3", "%", "%00", "a&b=c", "\u202e1", "١٢", // Arabic-Indic digits
	"2026-01-31", "2026-02-30", "0000-01-01", "9999-12-31", "2026-1-1", " 2026-01-31",
	"1700000000000000000-5", "1-0", "-5-3", "5--3", "1-2-3", "-", "a-b",
}

func FuzzParsePage(f *testing.F) {
	for _, s := range seedValues {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		p := parsePage(v)
		if p < 1 || p > maxPage {
			t.Fatalf("parsePage(%q) = %d, outside 1..%d", v, p, maxPage)
		}
		// The offset of any page fits an int32 (PostgreSQL's OFFSET bind).
		if off := int64(p-1) * 1000; off > 1<<31-1 {
			t.Fatalf("parsePage(%q) = %d: offset %d overflows", v, p, off)
		}
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 1 && n <= maxPage && p != n {
			t.Fatalf("parsePage(%q) = %d, want %d", v, p, n)
		}
	})
}

func FuzzOptID(f *testing.F) {
	for _, s := range seedValues {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		id := optID(v)
		if id == nil {
			return
		}
		if *id <= 0 {
			t.Fatalf("optID(%q) = %d, not a positive id", v, *id)
		}
		if !strings.Contains(v, strconv.FormatInt(*id, 10)) {
			t.Fatalf("optID(%q) = %d does not round-trip", v, *id)
		}
	})
}

func FuzzParseKudoCursor(f *testing.F) {
	for _, s := range seedValues {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		at, id, ok := parseKudoCursor(v)
		if !ok {
			if !at.IsZero() || id != 0 {
				t.Fatalf("parseKudoCursor(%q): no cursor but values %v, %d", v, at, id)
			}
			return
		}
		if id <= 0 || at.Before(time.Unix(0, 0)) {
			t.Fatalf("parseKudoCursor(%q) = %v, %d: out of range", v, at, id)
		}
		// What the feed writes it reads back.
		back := strconv.FormatInt(at.UnixNano(), 10) + "-" + strconv.FormatInt(id, 10)
		if at2, id2, ok2 := parseKudoCursor(back); !ok2 || !at2.Equal(at) || id2 != id {
			t.Fatalf("cursor %q does not round-trip through %q", v, back)
		}
	})
}

func FuzzParseBoardDate(f *testing.F) {
	for _, s := range seedValues {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		at := parseBoardDate(v)
		if at.IsZero() {
			return
		}
		if at.Hour() != 12 || at.Location() != time.UTC || at.Format("2006-01-02") != v {
			t.Fatalf("parseBoardDate(%q) = %v, not noon UTC of that day", v, at)
		}
	})
}

// The input check lets a request through only with text PostgreSQL can
// store, and otherwise answers 400 (or 413 for a body over the limit).
func FuzzCheckInput(f *testing.F) {
	for _, s := range seedValues {
		f.Add("q="+url.QueryEscape(s), []byte("name="+url.QueryEscape(s)))
		f.Add("q="+s, []byte("name="+s))
	}
	f.Add("a=1;b=2", []byte("x=%zz"))
	f.Add("", []byte(strings.Repeat("a", 5000)))
	s := &Server{cfg: DefaultConfig(), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	s.cfg.MaxBodyBytes = 4096
	f.Fuzz(func(t *testing.T, rawQuery string, body []byte) {
		reached := false
		next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			reached = true
			for _, vs := range []url.Values{r.URL.Query(), r.Form, r.PostForm} {
				if !storableValues(vs) {
					t.Fatalf("query %q body %q: a value PostgreSQL refuses got through", rawQuery, body)
				}
			}
		})
		req := httptest.NewRequest("POST", "/x", bytes.NewReader(body))
		req.URL.RawQuery = rawQuery
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		s.limitBody(s.checkInput(next)).ServeHTTP(rec, req)
		switch {
		case reached && rec.Code == http.StatusOK:
		case !reached && (rec.Code == http.StatusBadRequest || rec.Code == http.StatusRequestEntityTooLarge):
			if strings.Contains(rec.Body.String(), "goroutine ") {
				t.Fatalf("query %q body %q: the error page shows internals", rawQuery, body)
			}
		default:
			t.Fatalf("query %q body %q: status %d (handler reached: %v)", rawQuery, body, rec.Code, reached)
		}
	})
}

// The form's number readers: formInt64 gives a positive id or says the
// field is bad; atoiOr gives the number or the default.
func FuzzFormNumbers(f *testing.F) {
	for _, s := range seedValues {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		req := httptest.NewRequest("POST", "/x", strings.NewReader(url.Values{"n": {v}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		id, ok := formInt64(req, "n")
		switch {
		case strings.TrimSpace(v) == "":
			if id != nil || !ok {
				t.Fatalf("formInt64(%q) = %v, %v; an empty field is no id and fine", v, id, ok)
			}
		case ok && (id == nil || *id <= 0):
			t.Fatalf("formInt64(%q) = %v accepted", v, id)
		case !ok && id != nil:
			t.Fatalf("formInt64(%q) refused but gave %d", v, *id)
		}
		n := atoiOr(v, -7)
		if m, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n != m || err != nil && n != -7 {
			t.Fatalf("atoiOr(%q) = %d", v, n)
		}
	})
}
