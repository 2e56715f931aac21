package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"rapport/internal/auth"
	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// setPassword gives a person their own password.
func setPassword(t *testing.T, ta *testapp.TestApp, personID int64, password string) {
	t.Helper()
	hash, err := auth.HashPassword(password, testfx.FastHash)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Pool.Exec(t.Context(), "UPDATE users SET password_hash = $1 WHERE id = $2", hash, personID); err != nil {
		t.Fatal(err)
	}
}

// Addresses are unique within an organisation only: an admin adding people
// whose addresses another organisation uses (by form, invitation or CSV file)
// succeeds, and learns nothing about that organisation.
func TestAnAdminLearnsNothingAboutAnotherOrganisationsAddresses(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	orgA := ta.F.Org(t, "Alpha Works")
	orgB := ta.F.Org(t, "Beta Labs")
	var elsewhere []testfx.Person
	for i := 0; i < 3; i++ {
		elsewhere = append(elsewhere, ta.F.Person(t, orgA, testfx.PersonOpts{}))
	}
	admB := ta.F.Person(t, orgB, testfx.PersonOpts{Role: core.RoleAdmin})
	c := ta.Client(t)
	c.SignIn(admB.Email, testfx.Password)

	form := url.Values{"name": {"Sam Shared"}, "email": {strings.ToUpper(elsewhere[0].Email)}, "role": {"employee"}, "time_zone": {"UTC"}}
	if r := c.Post("/people", form); r.Status != http.StatusSeeOther {
		t.Fatalf("adding an address another organisation uses: %d\n%s", r.Status, r.Body)
	}
	// Within the organisation an address is still one person's.
	r := c.Post("/people", form)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "already uses this email") ||
		!strings.Contains(r.Body, `value="Sam Shared"`) {
		t.Fatalf("the same address twice in one organisation: %d", r.Status)
	}

	r = c.Post("/invitations", url.Values{"name": {"Ivy Invited"}, "email": {elsewhere[1].Email}, "role": {"employee"}, "time_zone": {"UTC"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("inviting an address another organisation uses: %d\n%s", r.Status, r.Body)
	}

	r = uploadCSV(t, c, ta, "Name,Email\r\nTia Third,"+elsewhere[2].Email+"\r\n")
	if r.Status != http.StatusOK || strings.Contains(r.Body, "already used") {
		t.Fatalf("importing an address another organisation uses: preview %d\n%s", r.Status, r.Body)
	}
	payload := regexp.MustCompile(`name="payload" value="([^"]+)"`).FindStringSubmatch(r.Body)
	if payload == nil {
		t.Fatal("no payload in the preview")
	}
	if r := c.Post("/people/import/confirm", url.Values{"payload": {payload[1]}}); r.Status != http.StatusOK || !strings.Contains(r.Body, "/invite/") {
		t.Fatalf("confirm import: %d", r.Status)
	}
	// A file with an address already in the organisation is refused.
	r = uploadCSV(t, c, ta, "Name,Email\r\nTia Again,"+elsewhere[2].Email+"\r\n")
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "already used") {
		t.Fatalf("importing an address of the organisation again: %d", r.Status)
	}
	for _, p := range elsewhere {
		if n := ta.F.Count(t, "SELECT count(DISTINCT org_id) FROM users WHERE email = $1", p.Email); n != 2 {
			t.Errorf("%s is in %d organisations, want 2", p.Email, n)
		}
	}
}

// One address, several organisations: the password decides. A password that
// matches in one signs in there; one that matches in several asks which,
// naming only those.
func TestSignInWithAnAddressInSeveralOrganisations(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	orgA := ta.F.Org(t, "Alpha Works")
	orgB := ta.F.Org(t, "Beta Labs")
	orgC := ta.F.Org(t, "Gamma Co")
	email := fmt.Sprintf("dana.dual.%d@example.com", orgA)
	pa := ta.F.Person(t, orgA, testfx.PersonOpts{Email: email})
	pb := ta.F.Person(t, orgB, testfx.PersonOpts{Email: email})
	pc := ta.F.Person(t, orgC, testfx.PersonOpts{Email: email})
	setPassword(t, ta, pc.ID, "gamma password 1")
	signedInAs := func(c *testapp.Client, want testfx.Person, others ...testfx.Person) {
		t.Helper()
		if r := c.Get("/people/" + strconv.FormatInt(want.ID, 10)); r.Status != http.StatusOK {
			t.Fatalf("not signed in as person %d: %d", want.ID, r.Status)
		}
		for _, o := range others {
			if r := c.Get("/people/" + strconv.FormatInt(o.ID, 10)); r.Status == http.StatusOK {
				t.Fatalf("signed in as %d sees person %d of another organisation", want.ID, o.ID)
			}
		}
	}

	// The password of C alone.
	c := ta.Client(t)
	if r := login(c, email, "gamma password 1"); r.Status != http.StatusSeeOther {
		t.Fatalf("password of one organisation: %d", r.Status)
	}
	signedInAs(c, pc, pa, pb)

	// The password of A and B: a chooser with those two only.
	c = ta.Client(t)
	r := login(c, email, testfx.Password)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Alpha Works") || !strings.Contains(r.Body, "Beta Labs") || strings.Contains(r.Body, "Gamma Co") {
		t.Fatalf("chooser: %d\n%s", r.Status, r.Body)
	}
	if r := c.Get("/"); r.Status != http.StatusSeeOther {
		t.Fatalf("signed in before choosing: %d", r.Status)
	}
	// An organisation where the password did not match can't be chosen.
	if r := c.Post("/login/organisation", url.Values{"org_id": {strconv.FormatInt(orgC, 10)}}); r.Status == http.StatusSeeOther && r.Location() == "/" {
		t.Fatal("chose an organisation whose password did not match")
	}
	if r := c.Get("/"); r.Status != http.StatusSeeOther {
		t.Fatalf("signed in after a refused choice: %d", r.Status)
	}
	r = c.Post("/login/organisation", url.Values{"org_id": {strconv.FormatInt(orgB, 10)}})
	if r.Status != http.StatusSeeOther || r.Location() != "/" {
		t.Fatalf("choose Beta Labs: %d %s", r.Status, r.Location())
	}
	signedInAs(c, pb, pa, pc)
	// The choice is used up.
	if r := ta.Client(t).Post("/login/organisation", url.Values{"org_id": {strconv.FormatInt(orgA, 10)}}); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/login") {
		t.Fatalf("choosing without signing in: %d %s", r.Status, r.Location())
	}

	// A wrong password is just wrong.
	if r := login(ta.Client(t), email, "not the password"); r.Status != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", r.Status)
	}
}

// An invitation to an address another organisation uses makes a second
// account; its password signs in there, and a reset link changes one
// organisation's password only.
func TestInvitationAndResetForAnAddressInTwoOrganisations(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	orgA := ta.F.Org(t, "Alpha Works")
	orgB := ta.F.Org(t, "Beta Labs")
	pa := ta.F.Person(t, orgA, testfx.PersonOpts{})
	admB := ta.F.Person(t, orgB, testfx.PersonOpts{Role: core.RoleAdmin})
	adm := ta.Client(t)
	adm.SignIn(admB.Email, testfx.Password)
	if r := adm.Post("/invitations", url.Values{"name": {"Dana Dual"}, "email": {pa.Email}, "role": {"employee"}, "time_zone": {"UTC"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("invite: %d\n%s", r.Status, r.Body)
	}
	m := regexp.MustCompile(`/invite/([A-Za-z0-9_-]{40,})`).FindStringSubmatch(adm.Get("/invitations").Body)
	if m == nil {
		t.Fatal("no invitation link")
	}
	dana := ta.Client(t)
	if r := dana.Post("/invite/"+m[1], url.Values{"password": {"beta password 1"}, "confirm": {"beta password 1"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("accept: %d", r.Status)
	}
	var pbID int64
	if err := ta.Pool.QueryRow(t.Context(), "SELECT id FROM users WHERE org_id = $1 AND email = $2", orgB, pa.Email).Scan(&pbID); err != nil {
		t.Fatal(err)
	}
	if r := dana.Get("/people/" + strconv.FormatInt(pbID, 10)); r.Status != http.StatusOK {
		t.Fatalf("not signed in to Beta Labs after accepting: %d", r.Status)
	}
	for pw, want := range map[string]int64{"beta password 1": pbID, testfx.Password: pa.ID} {
		c := ta.Client(t)
		if r := login(c, pa.Email, pw); r.Status != http.StatusSeeOther {
			t.Fatalf("sign in with %q: %d", pw, r.Status)
		}
		if r := c.Get("/people/" + strconv.FormatInt(want, 10)); r.Status != http.StatusOK {
			t.Fatalf("sign in with %q: not person %d", pw, want)
		}
	}

	// A reset request reaches the operator for both accounts.
	if r := ta.Client(t).Post("/password/forgot", url.Values{"email": {pa.Email}}); r.Status != http.StatusOK {
		t.Fatalf("forgot: %d", r.Status)
	}
	workJobs(t, ta)
	waitForResetJobs(t, ta, pa.Email)
	for _, id := range []int64{pa.ID, pbID} {
		if !strings.Contains(ta.Logs.String(), "person_id="+strconv.FormatInt(id, 10)) {
			t.Errorf("reset request for person %d not recorded", id)
		}
	}
	// The operator names the organisation; the link resets that account only.
	if _, _, err := ta.People.IssuePasswordReset(t.Context(), pa.Email, ""); core.ErrorCode(err) != core.EINVALID {
		t.Fatalf("a link for an address of two organisations without naming one: %v", err)
	}
	p, tok, err := ta.People.IssuePasswordReset(t.Context(), pa.Email, "beta labs")
	if err != nil || p.ID != pbID {
		t.Fatalf("link for Beta Labs: %v (person %d)", err, p.ID)
	}
	if r := ta.Client(t).Post("/password/reset/"+tok, url.Values{"password": {"new beta password"}, "confirm": {"new beta password"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("reset: %d", r.Status)
	}
	for pw, want := range map[string]int64{"new beta password": pbID, testfx.Password: pa.ID} {
		c := ta.Client(t)
		if r := login(c, pa.Email, pw); r.Status != http.StatusSeeOther {
			t.Fatalf("after the reset, sign in with %q: %d", pw, r.Status)
		}
		if r := c.Get("/people/" + strconv.FormatInt(want, 10)); r.Status != http.StatusOK {
			t.Fatalf("after the reset, %q: not person %d", pw, want)
		}
	}
	if r := login(ta.Client(t), pa.Email, "beta password 1"); r.Status != http.StatusUnauthorized {
		t.Fatalf("the old Beta Labs password still works: %d", r.Status)
	}
}
