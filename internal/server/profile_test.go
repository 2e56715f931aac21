package server_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"rapport/internal/testapp"
)

// setKudoText gives a fixture kudo its own words, to find it on a page.
func setKudoText(t *testing.T, w *world, id int64, did string) {
	t.Helper()
	if _, err := w.app.Pool.Exec(t.Context(), `UPDATE kudos SET did = $2 WHERE id = $1`, id, did); err != nil {
		t.Fatal(err)
	}
}

// linksIn returns the same-site addresses linked from the page's main part.
func linksIn(t *testing.T, body string) []string {
	t.Helper()
	var out []string
	mustDoc(t, body).Find("main a[href]").Each(func(_ int, a *goquery.Selection) {
		h, _ := a.Attr("href")
		if strings.HasPrefix(h, "/") && !strings.HasPrefix(h, "//") {
			out = append(out, h)
		}
	})
	return out
}

// linkTo is the first link in main to a person's page whose text is name.
func linkTo(t *testing.T, page, body, name string) string {
	t.Helper()
	var href string
	mustDoc(t, body).Find("main a[href]").EachWithBreak(func(_ int, a *goquery.Selection) bool {
		if h, _ := a.Attr("href"); strings.TrimSpace(a.Text()) == name && strings.HasPrefix(h, "/people/") {
			href = h
			return false
		}
		return true
	})
	if href == "" {
		t.Fatalf("%s has no link to %s", page, name)
	}
	return href
}

// TestEmployeeFollowsNamesToPublicProfiles: an employee following "Your
// manager" on the home page, a name in the kudos feed, or a name on the org
// chart lands on that person's public profile — name, title, teams, manager
// and the kudos they received that the employee may see — and not on "You
// don't have access". The profile holds none of the private parts, and no
// link on these pages leads to a refusal.
func TestEmployeeFollowsNamesToPublicProfiles(t *testing.T) {
	w := newWorld(t)
	f := w.app.F
	emp := w.clients[employee] // Remy Report, in team Atlas with his manager
	if _, err := w.app.Pool.Exec(t.Context(), `UPDATE users SET title = 'Staff Engineer' WHERE id = $1`, w.outsider.ID); err != nil {
		t.Fatal(err)
	}
	otherTeam := f.Team(t, w.orgA, "Borealis", w.outsider.ID, w.admin.ID)
	public := f.Kudo(t, w.orgA, w.admin.ID, []int64{w.outsider.ID}, "org", nil)
	setKudoText(t, w, public, "Untangled the on-call rota for everyone")
	hidden := f.Kudo(t, w.orgA, w.admin.ID, []int64{w.outsider.ID}, "team", &otherTeam)
	setKudoText(t, w, hidden, "Kept the Borealis launch checklist honest")
	toManager := f.Kudo(t, w.orgA, w.report.ID, []int64{w.manager.ID}, "org", nil)
	setKudoText(t, w, toManager, "Made room for my conference talk")

	type visit struct {
		from, name string
		person     string
		wants      []string
		hides      []string
	}
	private := []string{w.outsider.Email, w.manager.Email, "/oneonones", "/reviews", "/meetings/", "Time zone", "Private notes",
		"Deactivate", "/edit", "invitation"}
	for _, v := range []visit{
		{from: "/", name: w.manager.Name, person: "manager",
			wants: []string{w.manager.Name, "Atlas", w.leader.Name, "Made room for my conference talk"}},
		{from: "/kudos", name: w.outsider.Name, person: "outsider",
			wants: []string{w.outsider.Name, "Staff Engineer", "Borealis", "Untangled the on-call rota for everyone"},
			hides: []string{"Kept the Borealis launch checklist honest"}},
		{from: "/org", name: w.leader.Name, person: "leader", wants: []string{w.leader.Name, w.manager.Name}},
	} {
		page := emp.Get(v.from)
		if page.Status != 200 {
			t.Fatalf("%s: status %d", v.from, page.Status)
		}
		href := linkTo(t, v.from, page.Body, v.name)
		r := emp.Get(href)
		if r.Status != 200 {
			t.Errorf("the employee following %s's link on %s (%s) gets %d", v.person, v.from, href, r.Status)
			continue
		}
		body := mustDoc(t, r.Body).Find("main").Text()
		for _, s := range v.wants {
			if !strings.Contains(body, s) {
				t.Errorf("%s's profile lacks %q", v.person, s)
			}
		}
		main, _ := mustDoc(t, r.Body).Find("main").Html()
		for _, s := range append(private, v.hides...) {
			if strings.Contains(main, s) || strings.Contains(main, url.PathEscape(s)) {
				t.Errorf("%s's public profile shows %q", v.person, s)
			}
		}
		if n := mustDoc(t, r.Body).Find("h1").Length(); n != 1 {
			t.Errorf("%s's profile has %d h1", v.person, n)
		}
		// Nothing on either page leads to a refusal.
		for _, p := range []testapp.Response{page, r} {
			for _, l := range linksIn(t, p.Body) {
				if s := emp.Get(l).Status; s == 403 {
					t.Errorf("a link on %s (%s) answers 403", v.from, l)
				}
			}
		}
	}

	// Those allowed the fuller page still get it: the admin sees the email
	// and the access section.
	r := w.clients[admin].Get("/people/" + itoa(w.outsider.ID))
	if r.Status != 200 || !strings.Contains(r.Body, w.outsider.Email) || !strings.Contains(r.Body, "Access") {
		t.Errorf("the admin's view of a person lacks the full details (status %d)", r.Status)
	}
	// Another organisation's people stay out of sight.
	if s := w.clients[otherAdmin].Get("/people/" + itoa(w.outsider.ID)).Status; s != 404 {
		t.Errorf("another organisation's admin opening our person gets %d, want 404", s)
	}
	if s := emp.Get("/people/" + itoa(w.adminB.ID)).Status; s != 404 {
		t.Errorf("an employee opening another organisation's person gets %d, want 404", s)
	}
}
