package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

func TestDeactivationKeepsALeavingReasonAndRefusesAnUnknownOne(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Leaving")
	adm := ta.F.Person(t, org, testfx.PersonOpts{Role: core.RoleAdmin})
	p := ta.F.Person(t, org, testfx.PersonOpts{Name: "Rae Resigned"})
	q := ta.F.Person(t, org, testfx.PersonOpts{Name: "Tam Tampered"})
	a := ta.Client(t)
	a.SignIn(adm.Email, testfx.Password)
	reason := func(id int64) (string, bool) {
		var r string
		var active bool
		if err := ta.Pool.QueryRow(t.Context(), "SELECT left_reason, active FROM users WHERE id = $1", id).Scan(&r, &active); err != nil {
			t.Fatal(err)
		}
		return r, active
	}
	if r := a.Post("/people/"+itoa(p.ID)+"/deactivate", url.Values{"reason": {"resigned"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("deactivate: %d", r.Status)
	}
	if r, active := reason(p.ID); r != "resigned" || active {
		t.Errorf("after deactivation: reason %q, active %v", r, active)
	}
	if r := a.Get("/people/" + itoa(p.ID)); !strings.Contains(r.Body, "(Resigned)") {
		t.Errorf("the person's page does not say why they left")
	}
	// A reason not on the list changes nothing.
	r := a.Post("/people/"+itoa(q.ID)+"/deactivate", url.Values{"reason": {"<script>"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("unknown reason: %d", r.Status)
	}
	if r, active := reason(q.ID); r != "" || !active {
		t.Errorf("after an unknown reason: reason %q, active %v", r, active)
	}
	if r := a.Get("/people/" + itoa(q.ID)); !strings.Contains(r.Body, "Choose a leaving reason from the list") {
		t.Errorf("no error for an unknown reason")
	}
	// Reactivation clears the reason.
	a.Post("/people/"+itoa(p.ID)+"/reactivate", nil)
	if r, active := reason(p.ID); r != "" || !active {
		t.Errorf("after reactivation: reason %q, active %v", r, active)
	}
}

func TestOutcomesPageShowsTheLeadersTreeWithItsCaveat(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Outcomes page")
	lead := ta.F.Person(t, org, testfx.PersonOpts{Role: core.RoleLeader})
	mgr := ta.F.Person(t, org, testfx.PersonOpts{Name: "Mel Manager", Role: core.RoleManager, ManagerID: lead.ID})
	var reports []testfx.Person
	for range 4 {
		reports = append(reports, ta.F.Person(t, org, testfx.PersonOpts{ManagerID: mgr.ID}))
	}
	// Two more people under the leader, so that her own group has three.
	ta.F.Person(t, org, testfx.PersonOpts{ManagerID: lead.ID})
	ta.F.Person(t, org, testfx.PersonOpts{ManagerID: lead.ID})
	ta.F.Person(t, org, testfx.PersonOpts{Name: "Outside Olu"})
	if _, err := ta.Pool.Exec(t.Context(), `UPDATE users SET active = false, deactivated_at = now() - interval '20 days', left_reason = 'resigned'
		WHERE id = $1`, reports[0].ID); err != nil {
		t.Fatal(err)
	}
	c := ta.Client(t)
	c.SignIn(lead.Email, testfx.Password)
	r := c.Get("/outcomes?months=3")
	if r.Status != http.StatusOK {
		t.Fatalf("GET /outcomes: %d", r.Status)
	}
	doc := mustDoc(t, r.Body)
	text := strings.Join(strings.Fields(doc.Find("main").Text()), " ")
	for _, want := range []string{"Correlation, not cause", "1 of 7 people who were here in the period", "Mel Manager", "1 of 4",
		"Leavers: signals hidden"} {
		if !strings.Contains(text, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(text, "Outside Olu") {
		t.Error("a person outside the tree is on the page")
	}
	if cur := doc.Find(`nav.period a[aria-current="true"]`).Text(); cur != "3 months" {
		t.Errorf("period %q", cur)
	}
	m := ta.Client(t)
	m.SignIn(mgr.Email, testfx.Password)
	if r := m.Get("/outcomes"); r.Status != http.StatusForbidden {
		t.Errorf("manager: %d", r.Status)
	}
}
