package e2e

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/mailtest"
	"rapport/internal/testapp"
	"rapport/internal/testdb"
	"rapport/internal/testfx"
)

var mailLinkRE = regexp.MustCompile(`https?://[^\s"<]+/(invite|password/reset)/[A-Za-z0-9_\-]+`)

// mailedLink is the one link a message carries, the same in both parts, as
// a path on the app.
func mailedLink(t *testing.T, m mailtest.Received, base string) string {
	t.Helper()
	text, html := mailLinkRE.FindString(m.Text), mailLinkRE.FindString(m.HTML)
	if text == "" || text != html || !strings.HasPrefix(text, base) {
		t.Fatalf("message %q: link %q in the text, %q in the HTML", m.Header.Get("Subject"), text, html)
	}
	return strings.TrimPrefix(text, base)
}

// A person who forgot their password asks for a link, reads the mail the
// test SMTP server received, opens the link, chooses a new password and
// signs in with it; an invited person accepts their invitation from the
// mail. Screenshots: the outbox, a message and the account page.
func TestForgotPasswordAndInvitationByEmail(t *testing.T) {
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
	ana := f.Person(t, org, testfx.PersonOpts{Name: "Ana Ruiz", Email: fmt.Sprintf("ana.%d@northwind.test", org)})

	// Forgot password → mail → link → new password → signed in.
	b := newTab(t, app.URL)
	b.open("/password/forgot")
	b.typeInto("#f-email", ana.Email)
	if st := b.submit("main form button[type=submit]"); st != http.StatusOK {
		t.Fatalf("ask for a link: %d", st)
	}
	if got := b.text("main"); !strings.Contains(got, "we've emailed it a link") {
		t.Errorf("confirmation reads %q", got)
	}
	b.assertClean()
	reset := srv.WaitTo(t, ana.Email, 1, 20*time.Second)[0]
	if reset.Header.Get("Subject") != "Reset your Rapport password" {
		t.Fatalf("first message: %q", reset.Header.Get("Subject"))
	}
	b.open(mailedLink(t, reset, app.URL))
	b.typeInto("#f-password", "sunlight over the harbour")
	b.typeInto("#f-confirm", "sunlight over the harbour")
	if st := b.submit("main form button[type=submit]"); st != http.StatusOK || b.path() != "/" {
		t.Fatalf("new password: %d at %s", st, b.where())
	}
	b.assertClean()
	if changed := srv.WaitTo(t, ana.Email, 2, 20*time.Second)[1]; changed.Header.Get("Subject") != "Your Rapport password was changed" {
		t.Errorf("second message: %q", changed.Header.Get("Subject"))
	}
	// Signed out, the new password signs in.
	b.submit(".account form button[type=submit]")
	b.open("/login")
	b.typeInto("#f-email", ana.Email)
	b.typeInto("#f-password", "sunlight over the harbour")
	if st := b.submit("main form button[type=submit]"); st != http.StatusOK || b.path() != "/" {
		t.Fatalf("sign in with the new password: %d at %s", st, b.where())
	}

	// Invitation mail → accept → first sign-in.
	a := newTab(t, app.URL)
	a.signIn(admin.Email)
	a.open("/invitations")
	a.typeInto("#f-name", "Dev Patel")
	devEmail := fmt.Sprintf("dev.%d@northwind.test", org)
	a.typeInto("#f-email", devEmail)
	if st := a.submit("main form.stack button[type=submit]"); st != http.StatusOK {
		t.Fatalf("invite: %d", st)
	}
	if got := a.text(".invite-link"); !strings.Contains(got, "Invitation sent to Dev Patel") {
		t.Errorf("after inviting: %q", got)
	}
	invite := srv.WaitTo(t, devEmail, 1, 20*time.Second)[0]
	dev := newTab(t, app.URL)
	dev.open(mailedLink(t, invite, app.URL))
	dev.typeInto("#f-password", "first day at northwind")
	dev.typeInto("#f-confirm", "first day at northwind")
	if st := dev.submit("main form button[type=submit]"); st != http.StatusOK || dev.path() != "/" {
		t.Fatalf("accept the invitation: %d at %s", st, dev.where())
	}
	if got := dev.text("main"); !strings.Contains(got, "Dev") {
		t.Errorf("first page after the invitation: %q", got)
	}
	dev.assertClean()

	// What admins and people see of it.
	a.open("/admin/outbox")
	if got := a.text("main"); strings.Count(got, "Sent") < 3 {
		t.Errorf("outbox does not show three sent messages:\n%s", got)
	}
	a.assertClean()
	a.screenshots("outbox-sent")
	a.open(a.eval(`document.querySelector("main table a").getAttribute("href")`))
	a.assertClean()
	a.screenshots("outbox-message-sent")
	// A second session of the admin's, to sign out from the account page.
	newTab(t, app.URL).signIn(admin.Email)
	a.open("/account")
	if got := a.text(".session-list"); strings.Count(got, "Chrome on Linux") < 2 || !strings.Contains(got, "This device") || !strings.Contains(got, "Sign out") {
		t.Errorf("sessions: %q", got)
	}
	a.assertClean()
	a.screenshots("account")
}

// Without a mail server an admin's reset link waits in the outbox, where
// the message page offers the link to copy and shows the mail as sent.
func TestOutboxWithoutEmail(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	f := app.F
	org := f.Org(t, "Harbour Lane")
	admin := f.Person(t, org, testfx.PersonOpts{Name: "Lena Fischer", Role: core.RoleAdmin, Email: fmt.Sprintf("lena.%d@harbour.test", org), Title: "Operations"})
	p := f.Person(t, org, testfx.PersonOpts{Name: "Tomás Ferreira", Title: "Designer", Email: fmt.Sprintf("tomas.%d@harbour.test", org)})
	b := newTab(t, app.URL)
	b.signIn(admin.Email)
	b.open(fmt.Sprintf("/people/%d", p.ID))
	if st := b.submit(`form[action$="/reset-password"] button`); st != http.StatusOK {
		t.Fatalf("send reset link: %d", st)
	}
	if got := b.text(".flash"); !strings.Contains(got, "Email is not configured") {
		t.Errorf("after sending: %q", got)
	}
	b.open("/admin/outbox")
	if got := b.text("main"); !strings.Contains(got, "Email is not configured") || !strings.Contains(got, "Not sent") {
		t.Errorf("outbox:\n%s", got)
	}
	b.assertClean()
	b.screenshots("outbox-unconfigured")
	b.open(b.eval(`document.querySelector("main table a").getAttribute("href")`))
	if got := b.value("#outbox-link"); !strings.HasPrefix(got, app.URL+"/password/reset/") {
		t.Errorf("the link to copy is %q", got)
	}
	b.assertClean()
	b.screenshots("outbox-message-unconfigured")
	// The copied link works.
	link := b.value("#outbox-link")
	c := newTab(t, app.URL)
	c.open(strings.TrimPrefix(link, app.URL))
	if got := c.text("main h1"); got != "Choose a new password" {
		t.Errorf("the copied link opens %q", got)
	}
}
