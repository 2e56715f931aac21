package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/kudos"
	"rapport/internal/mailtest"
	"rapport/internal/testapp"
	"rapport/internal/testdb"
	"rapport/internal/testfx"
)

// A person opens the one-click unsubscribe link of a kudo email in a
// browser without signing in: the page asks first, the button turns kudo
// emails off, and their account page then shows them off. An admin reads the
// day's action digest in the outbox. Screenshots: the preferences and the
// digest.
func TestUnsubscribeLinkAndEmailPreferences(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	srv := mailtest.Start(t, mailtest.Options{})
	cfg := srv.Config()
	// A database of its own: the job queue is the database's, and another
	// test's app working this one's jobs would send its mail.
	app := testapp.Start(t, testdb.NewDatabase(t), testapp.Options{PlainHTTP: true, Mail: &cfg})
	ctx, cancel := context.WithCancel(context.Background())
	if err := app.Notifier.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		_ = app.Notifier.Stop(stop)
		cancel()
	})
	f := app.F
	org := f.Org(t, "Northwind Studio")
	admin := f.Person(t, org, testfx.PersonOpts{Name: "Grace Okoye", Role: core.RoleAdmin, Email: fmt.Sprintf("grace.%d@northwind.test", org)})
	mika := f.Person(t, org, testfx.PersonOpts{Name: "Mika Tanaka", Role: core.RoleManager, Email: fmt.Sprintf("mika.%d@northwind.test", org)})
	ana := f.Person(t, org, testfx.PersonOpts{Name: "Ana Ruiz", ManagerID: mika.ID, Email: fmt.Sprintf("ana.%d@northwind.test", org)})

	if _, err := app.Kudos.Post(t.Context(), core.Actor{OrgID: org, UserID: mika.ID, Role: core.RoleManager, Name: mika.Name},
		kudos.Input{RecipientIDs: []int64{ana.ID}, Did: "Untangled the release checklist before the launch", Impact: "We shipped on time.",
			Visibility: kudos.VisOrg, IdemKey: core.NewFormKey()}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	day := func(d int) string { return now.AddDate(0, 0, d).Format(time.DateOnly) }
	s := f.Series(t, org, mika.ID, ana.ID, day(-30))
	m := f.Meeting(t, org, s, now.AddDate(0, 0, -7).Format(time.RFC3339), "held")
	f.Action(t, org, m, ana.ID, "Send the roadmap draft to finance", day(-2), nil)
	f.Action(t, org, m, ana.ID, "Book the room for the offsite", day(1), nil)
	if now.Hour() < 8 {
		now = now.Add(time.Duration(8-now.Hour()) * time.Hour)
	}
	if _, err := app.Notifier.Mail.RemindActions(t.Context(), now); err != nil {
		t.Fatal(err)
	}
	kudoMail := srv.WaitKind(t, ana.Email, "kudo_received", 20*time.Second)
	unsub := strings.TrimPrefix(strings.Trim(kudoMail.Header.Get("List-Unsubscribe"), "<>"), app.URL)
	if !strings.HasPrefix(unsub, "/unsubscribe/") {
		t.Fatalf("no unsubscribe link in the kudo email (%s)", srv.Kinds())
	}

	b := newTab(t, app.URL)
	b.open(unsub)
	if got := b.text("main h1"); got != "Unsubscribe" {
		t.Errorf("the link's page reads %q", got)
	}
	if got := b.text("main"); !strings.Contains(got, "Kudo received") {
		t.Errorf("the page does not name the kind: %q", got)
	}
	b.assertClean()
	if st := b.submit("main form button[type=submit]"); st != http.StatusOK {
		t.Fatalf("unsubscribe: %d", st)
	}
	if got := b.text("main h1"); !strings.Contains(got, "unsubscribed") {
		t.Errorf("after unsubscribing: %q", got)
	}
	b.assertClean()

	b.signIn(ana.Email)
	b.open("/account#email")
	if got := b.eval(`String(document.querySelector("#mail-kudo_received").checked) + "," + String(document.querySelector("#mail-actions_due").checked)`); got != "false,true" {
		t.Errorf("kudo and action emails shown %q, want false,true", got)
	}
	b.assertClean()
	b.screenshots("email-preferences")

	a := newTab(t, app.URL)
	a.signIn(admin.Email)
	a.open("/admin/outbox")
	a.open(a.eval(`[...document.querySelectorAll("main table a")].find((l) => l.textContent.includes("of your actions")).getAttribute("href")`))
	if got := a.text("main"); !strings.Contains(got, "Send the roadmap draft to finance") || !strings.Contains(got, "(overdue)") {
		t.Errorf("the digest reads:\n%s", got)
	}
	a.assertClean()
	a.screenshots("outbox-message-actions-due")
}
