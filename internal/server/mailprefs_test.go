package server_test

import (
	"context"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/kudos"
	rmail "rapport/internal/mail"
	"rapport/internal/mailtest"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// startMailApp serves Rapport with email sent through a real SMTP server,
// the send jobs worked in this process.
func startMailApp(t *testing.T) (*testapp.TestApp, *mailtest.Server) {
	t.Helper()
	srv := mailtest.Start(t, mailtest.Options{})
	cfg := srv.Config()
	ta := testapp.Start(t, dsn, testapp.Options{Mail: &cfg})
	ctx, cancel := context.WithCancel(context.Background())
	if err := ta.Notifier.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		_ = ta.Notifier.Stop(stop)
		cancel()
	})
	return ta, srv
}

// waitTo waits until addr has received n messages, and returns them.
func waitTo(t *testing.T, srv *mailtest.Server, addr string, n int) []mailtest.Received {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if got := srv.To(addr); len(got) >= n {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s received %d messages, want %d (%s)", addr, len(srv.To(addr)), n, srv.Kinds())
	return nil
}

func postKudo(t *testing.T, ta *testapp.TestApp, org int64, by testfx.Person, did string, vis kudos.Visibility, to ...int64) int64 {
	t.Helper()
	id, err := ta.Kudos.Post(t.Context(), core.Actor{OrgID: org, UserID: by.ID, Role: by.Role, Name: by.Name},
		kudos.Input{RecipientIDs: to, Did: did, Impact: "The release went out on time.", Visibility: vis, IdemKey: core.NewFormKey()})
	if err != nil {
		t.Fatalf("post kudo: %v", err)
	}
	return id
}

// A kudo emails the people it names: the message is delivered with its
// headers (one-click unsubscribe among them), both parts say the same and
// its links work. The unsubscribe link's page changes nothing; its POST,
// without a session, turns kudo emails off for that person only, and the
// next kudo mails the others. A forged token changes nothing.
func TestKudoEmailCarriesOneClickUnsubscribe(t *testing.T) {
	ta, srv := startMailApp(t)
	f := ta.F
	org := f.Org(t, "Unsubscribing Org")
	author := f.Person(t, org, testfx.PersonOpts{Name: "Aria Author"})
	ana := f.Person(t, org, testfx.PersonOpts{Name: "Ana Named", Email: fmt.Sprintf("ana.%d@unsub.test", org)})
	ben := f.Person(t, org, testfx.PersonOpts{Name: "Ben Named", Email: fmt.Sprintf("ben.%d@unsub.test", org)})
	bystander := f.Person(t, org, testfx.PersonOpts{Name: "Cy Bystander", Email: fmt.Sprintf("cy.%d@unsub.test", org)})

	id := postKudo(t, ta, org, author, "Untangled the release checklist", kudos.VisOrg, ana.ID)
	m := waitTo(t, srv, ana.Email, 1)[0]
	if got := m.Header.Get("Subject"); got != "Aria Author gave you a kudo" {
		t.Errorf("subject %q", got)
	}
	if from, err := mail.ParseAddress(m.Header.Get("From")); err != nil || from.Address != "rapport@example.com" {
		t.Errorf("From %q", m.Header.Get("From"))
	}
	if to, err := mail.ParseAddress(m.Header.Get("To")); err != nil || to.Address != ana.Email || to.Name != ana.Name {
		t.Errorf("To %q", m.Header.Get("To"))
	}
	if mid := m.Header.Get("Message-ID"); !strings.HasPrefix(mid, "<rapport-outbox-") {
		t.Errorf("Message-ID %q", mid)
	}
	if got := m.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post %q", got)
	}
	lu := m.Header.Get("List-Unsubscribe")
	if !strings.HasPrefix(lu, "<"+ta.URL+"/unsubscribe/") || !strings.HasPrefix(lu, "<https://") || !strings.HasSuffix(lu, ">") {
		t.Fatalf("List-Unsubscribe %q", lu)
	}
	unsub := strings.TrimPrefix(strings.Trim(lu, "<>"), ta.URL)
	kudoLink := fmt.Sprintf("%s/kudos/%d", ta.URL, id)
	for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
		for _, want := range []string{"Hello Ana Named,", "Aria Author gave you a kudo in Unsubscribing Org", "Untangled the release checklist", kudoLink, ta.URL + "/account#email"} {
			if !strings.Contains(body, want) {
				t.Errorf("the %s part lacks %q", part, want)
			}
		}
	}
	anaC := ta.Client(t)
	anaC.SignIn(ana.Email, testfx.Password)
	mustStatus(t, anaC.Get(fmt.Sprintf("/kudos/%d", id)), 200, "the mailed kudo link")
	mustStatus(t, anaC.Get("/account"), 200, "the mailed preferences link")

	optOuts := func(p testfx.Person) int {
		return f.Count(t, "SELECT count(*) FROM mail_opt_outs WHERE user_id = $1", p.ID)
	}
	anon := ta.Client(t)
	r := anon.Get(unsub)
	mustStatus(t, r, 200, "the unsubscribe page")
	if !strings.Contains(r.Body, "Kudo received") || optOuts(ana) != 0 {
		t.Fatalf("the unsubscribe page does not name the kind, or changed something")
	}
	// A forged token: Ben's id with Ana's signature, a made-up signature, a
	// kind that cannot be turned off.
	parts := strings.Split(strings.TrimPrefix(unsub, "/unsubscribe/"), ".")
	for _, bad := range []string{
		fmt.Sprintf("%d.%s.%s", ben.ID, parts[1], parts[2]),
		fmt.Sprintf("%d.%s.%s", ana.ID, parts[1], "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
		fmt.Sprintf("%d.%s.%s", ana.ID, "password_changed", parts[2]),
		"nonsense",
	} {
		r := anon.Post("/unsubscribe/"+bad, url.Values{"List-Unsubscribe": {"One-Click"}})
		mustStatus(t, r, 404, "a forged unsubscribe token")
		if !strings.Contains(r.Body, "This unsubscribe link doesn") {
			t.Errorf("a forged token's page does not say so")
		}
	}
	if n := f.Count(t, "SELECT count(*) FROM mail_opt_outs mo JOIN users u ON u.id = mo.user_id WHERE u.org_id = $1", org); n != 0 {
		t.Fatalf("forged tokens turned %d kinds off", n)
	}

	// The one-click POST as a mail provider sends it: no session, no origin.
	for i := 0; i < 2; i++ {
		r = anon.Post(unsub, url.Values{"List-Unsubscribe": {"One-Click"}})
		mustStatus(t, r, 200, "one-click unsubscribe")
	}
	if !strings.Contains(r.Body, "unsubscribed</h1>") || optOuts(ana) != 1 || optOuts(ben) != 0 {
		t.Fatalf("after unsubscribing: ana %d, ben %d kinds off", optOuts(ana), optOuts(ben))
	}

	postKudo(t, ta, org, author, "Paired on the flaky test", kudos.VisOrg, ana.ID, ben.ID)
	waitTo(t, srv, ben.Email, 1)
	if n := f.Count(t, "SELECT count(*) FROM outbox WHERE user_id = $1", ana.ID); n != 1 {
		t.Errorf("ana, unsubscribed, has %d messages, want the first only", n)
	}
	if got := len(srv.To(ana.Email)); got != 1 {
		t.Errorf("ana received %d messages after unsubscribing, want 1", got)
	}
	if n := len(srv.To(bystander.Email)); n != 0 {
		t.Errorf("someone the kudos do not name received %d messages", n)
	}
}

// A kudo only its recipients may read is mailed to them without its words
// (the outbox copy is read by admins outside that audience), and to nobody
// else: not its author, not the rest of the organisation.
func TestKudoEmailQuotesOnlyWhatEveryoneMayRead(t *testing.T) {
	ta, srv := startMailApp(t)
	f := ta.F
	org := f.Org(t, "Quiet Kudos Org")
	author := f.Person(t, org, testfx.PersonOpts{Name: "Aria Author"})
	ana := f.Person(t, org, testfx.PersonOpts{Name: "Ana Named", Email: fmt.Sprintf("ana.%d@quiet.test", org)})
	postKudo(t, ta, org, author, "A private thank-you for the hard week", kudos.VisRecipients, ana.ID)
	m := waitTo(t, srv, ana.Email, 1)[0]
	for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
		if strings.Contains(body, "private thank-you") {
			t.Errorf("the %s part quotes a recipients-only kudo", part)
		}
		if !strings.Contains(body, "Aria Author gave you a kudo") {
			t.Errorf("the %s part does not say who gave it", part)
		}
	}
	if n := f.Count(t, "SELECT count(*) FROM outbox WHERE org_id = $1 AND (text_body LIKE '%private thank-you%' OR html_body LIKE '%private thank-you%')", org); n != 0 {
		t.Errorf("%d outbox copies hold a recipients-only kudo's words", n)
	}
	if n := f.Count(t, "SELECT count(*) FROM outbox WHERE org_id = $1", org); n != 1 {
		t.Errorf("%d messages for a kudo naming one person, want 1", n)
	}
}

// The account page lists each optional kind of email, on by default;
// saving it turns the unticked ones off (twice changes nothing more), and a
// turned-off kind is not written: pulse reminders skip that person.
func TestEmailPreferencesOnTheAccountPage(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	h := newHealthOrg(t, ta, "Preferring Pulse Org")
	f := ta.F
	ana := h.members[0]
	c := h.client(t, ana)
	r := c.Get("/account")
	mustStatus(t, r, 200, "account")
	d := doc(t, r.Body)
	var allButPulses []string
	for _, k := range rmail.Optional {
		if k != rmail.KindPulseOpen {
			allButPulses = append(allButPulses, string(k))
		}
	}
	for _, k := range []string{"actions_due", "pulse_open", "kudo_received", "oneonone_tomorrow", "review_due", "manager_weekly", "leader_monthly"} {
		box := d.Find("#email input[type=checkbox][value=" + k + "]")
		if box.Length() != 1 {
			t.Fatalf("no checkbox for %s", k)
		}
		if _, on := box.Attr("checked"); !on {
			t.Errorf("%s is not on by default", k)
		}
	}
	form := url.Values{"kind": allButPulses}
	mustStatus(t, c.Post("/account/email", form), 303, "save preferences")
	mustStatus(t, c.Post("/account/email", form), 303, "save the same again")
	if n := f.Count(t, "SELECT count(*) FROM mail_opt_outs WHERE user_id = $1 AND kind = 'pulse_open'", ana.ID); n != 1 {
		t.Fatalf("pulse_open off %d times, want 1", n)
	}
	if n := f.Count(t, "SELECT count(*) FROM mail_opt_outs WHERE user_id = $1", ana.ID); n != 1 {
		t.Fatalf("%d kinds off, want only pulse_open", n)
	}
	d = doc(t, c.Get("/account").Body)
	if _, on := d.Find("#email input[value=pulse_open]").Attr("checked"); on {
		t.Errorf("the page still shows pulse emails on")
	}

	f.Pulse(t, h.org, testfx.PulseOpts{Title: "Team pulse", Scope: "tree", RootID: h.leader.ID, CreatedBy: h.leader.ID})
	for i := 0; i < 2; i++ {
		if _, err := ta.Pulses.RemindOpenRounds(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.Count(t, "SELECT count(*) FROM outbox WHERE org_id = $1 AND kind = 'pulse_open'", h.org); n != 4 {
		t.Errorf("%d pulse reminders, want 4 (the manager and three members; Ana turned them off)", n)
	}
	if n := f.Count(t, "SELECT count(*) FROM outbox WHERE user_id = $1", ana.ID); n != 0 {
		t.Errorf("Ana, who turned pulse emails off, has %d", n)
	}
	mustStatus(t, c.Post("/account/email", url.Values{"kind": append(allButPulses, "pulse_open")}), 303, "turn them back on")
	if n := f.Count(t, "SELECT count(*) FROM mail_opt_outs WHERE user_id = $1", ana.ID); n != 0 {
		t.Errorf("%d kinds still off", n)
	}
}
