package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"rapport/internal/testfx"
)

// Malformed input (a NUL byte, bytes that are not UTF-8, a page number that
// overflows the offset) is the client's mistake: it gets a 4xx page, never a
// 500 from a database that refuses the value.
func TestMalformedInputGetsA4xxNotA500(t *testing.T) {
	w := newWorld(t)
	adm := w.clients[admin]
	cases := []struct {
		name string
		do   func() (int, string)
		want []int
	}{
		{"sign-in email with a NUL byte", func() (int, string) {
			r := w.app.Client(t).Post("/login", url.Values{"email": {"ada\x00@example.com"}, "password": {"whatever"}})
			return r.Status, r.Body
		}, []int{400}},
		{"sign-in email that is not UTF-8", func() (int, string) {
			r := w.app.Client(t).Post("/login", url.Values{"email": {"ada\xff@example.com"}, "password": {"whatever"}})
			return r.Status, r.Body
		}, []int{400}},
		{"people search with a NUL byte", func() (int, string) { r := adm.Get("/people?q=%00"); return r.Status, r.Body }, []int{400}},
		{"people search that is not UTF-8", func() (int, string) { r := adm.Get("/people?q=%ff%fe"); return r.Status, r.Body }, []int{400}},
		{"team search with a NUL byte", func() (int, string) { r := adm.Get("/teams?q=%00"); return r.Status, r.Body }, []int{400}},
		{"people page past the largest offset", func() (int, string) {
			r := adm.Get("/people?page=9223372036854775807")
			return r.Status, r.Body
		}, []int{200}},
		{"CSV import with a NUL byte", func() (int, string) {
			r := uploadCSV(t, adm, w.app, "name,email\nNul Person,nul\x00person@example.com\n")
			return r.Status, r.Body
		}, []int{422}},
		{"CSV import confirm with a NUL byte", func() (int, string) {
			r := adm.Post("/people/import/confirm", url.Values{"payload": {b64("name,email\nNul Person,nul\x00person@example.com\n")}})
			return r.Status, r.Body
		}, []int{422}},
	}
	users := w.app.F.Count(t, "SELECT count(*) FROM users")
	for _, tc := range cases {
		status, body := tc.do()
		ok := false
		for _, s := range tc.want {
			ok = ok || status == s
		}
		if !ok {
			t.Errorf("%s: status %d, want %v", tc.name, status, tc.want)
		}
		for _, leak := range []string{"SQLSTATE", "pgx", "invalid byte sequence", "goroutine"} {
			if strings.Contains(body, leak) {
				t.Errorf("%s: the page shows %q", tc.name, leak)
			}
		}
	}
	if after := w.app.F.Count(t, "SELECT count(*) FROM users"); after != users {
		t.Errorf("malformed input wrote %d people", after-users)
	}
	// The refusal says what was wrong and keeps the signed-in page frame.
	if r := adm.Get("/people?q=%00"); !strings.Contains(r.Body, "NUL byte") || !strings.Contains(r.Body, "Sign out") {
		t.Errorf("the 400 page does not explain the refusal within the signed-in frame")
	}
	// A NUL byte is refused, not dropped: the real address still signs in
	// only when typed as it is.
	c := w.app.Client(t)
	if r := c.Post("/login", url.Values{"email": {w.admin.Email + "\x00"}, "password": {testfx.Password}}); r.Status == http.StatusSeeOther {
		t.Error("an email with a NUL byte signed in")
	}
}

// A search for "_" or "%" finds names with that character, not everyone:
// the typed text matches literally.
func TestSearchMatchesWildcardCharactersLiterally(t *testing.T) {
	w := newWorld(t)
	w.app.F.Team(t, w.orgA, "Ops_night")
	w.app.F.Team(t, w.orgA, "100% uptime")
	w.app.F.Person(t, w.orgA, testfx.PersonOpts{Name: "Ana_Underscore"})
	adm := w.clients[admin]
	for q, want := range map[string]string{"_": "Ops_night", "%": "100% uptime", `\`: ""} {
		got := strings.Join(teamNames(adm.Get("/teams?q="+url.QueryEscape(q)).Body), ",")
		if got != want {
			t.Errorf("teams matching %q: %q, want %q", q, got, want)
		}
	}
	r := adm.Get("/people?q=_")
	if !strings.Contains(r.Body, "Ana_Underscore") || strings.Contains(r.Body, w.report.Name) {
		t.Errorf("people matching \"_\" are not just the one with an underscore")
	}
}

// A search with "&" and a space keeps its filter on the next page.
func TestPeopleSearchWithAmpersandAndSpaceCarriesToPageTwo(t *testing.T) {
	w := newWorld(t)
	for i := range 52 {
		w.app.F.Person(t, w.orgA, testfx.PersonOpts{Name: fmt.Sprintf("Lead %02d", i), Title: "R&D lead"})
	}
	adm := w.clients[admin]
	r := adm.Get("/people?q=" + url.QueryEscape("R&D lead"))
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	if n := doc.Find(`main table tbody tr`).Length(); r.Status != 200 || n != 50 {
		t.Fatalf("first page: %d, %d rows", r.Status, n)
	}
	next, ok := doc.Find(`a[rel="next"]`).Attr("href")
	if !ok {
		t.Fatal("no link to page 2")
	}
	u, err := url.Parse(next)
	if err != nil {
		t.Fatalf("next link %q: %v", next, err)
	}
	if got := u.Query().Get("q"); got != "R&D lead" {
		t.Errorf("the next link %q searches for %q", next, got)
	}
	r = adm.Get(u.RequestURI())
	doc, _ = goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	rows := doc.Find(`main table tbody tr`)
	if r.Status != 200 || rows.Length() != 2 || !strings.Contains(rows.Text(), "Lead 51") {
		t.Errorf("page 2 of the search: %d, %d rows:\n%s", r.Status, rows.Length(), rows.Text())
	}
	if v, _ := doc.Find(`input[name="q"]`).Attr("value"); v != "R&D lead" {
		t.Errorf("page 2's search box holds %q", v)
	}
}
