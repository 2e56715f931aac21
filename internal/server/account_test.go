package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// Changing one's password needs the current one, signs out every other
// session (not this one), writes the "password changed" mail and keeps
// older reset links from undoing it.
func TestChangingYourPasswordEndsYourOtherSessions(t *testing.T) {
	t.Parallel()
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Change password")
	p := ta.F.Person(t, org, testfx.PersonOpts{Name: "Ana Ruiz"})
	laptop, phone := ta.ClientFrom(t, freshIP()), ta.Client(t)
	laptop.SignIn(p.Email, testfx.Password)
	phone.SignIn(p.Email, testfx.Password)
	if _, _, err := ta.People.IssuePasswordReset(t.Context(), p.Email, ""); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		form  url.Values
		field string
	}{
		{url.Values{"current": {"wrong password!"}, "password": {"a brand new password"}, "confirm": {"a brand new password"}}, "That isn&#39;t your current password."},
		{url.Values{"current": {testfx.Password}, "password": {"short"}, "confirm": {"short"}}, "Use at least 10 characters."},
		{url.Values{"current": {testfx.Password}, "password": {"a brand new password"}, "confirm": {"another password"}}, "The two passwords don&#39;t match."},
		{url.Values{"current": {testfx.Password}, "password": {testfx.Password}, "confirm": {testfx.Password}}, "different from your current one"},
	} {
		r := laptop.Post("/account/password", tc.form)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tc.field) {
			t.Errorf("%v: %d, want 422 with %q", tc.form, r.Status, tc.field)
		}
		if strings.Contains(r.Body, tc.form.Get("password")) && tc.form.Get("password") != "short" {
			t.Error("a typed password was shown back")
		}
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM outbox WHERE user_id = $1", p.ID); n != 0 {
		t.Fatalf("bad input wrote %d messages", n)
	}

	r := laptop.Post("/account/password", url.Values{"current": {testfx.Password}, "password": {"a brand new password"}, "confirm": {"a brand new password"}})
	if r.Status != http.StatusSeeOther || r.Location() != "/account" {
		t.Fatalf("change: %d %s\n%s", r.Status, r.Location(), r.Body)
	}
	if r := laptop.Get("/account"); r.Status != 200 || !strings.Contains(r.Body, "Your password is changed") {
		t.Errorf("the laptop was signed out: %d", r.Status)
	}
	if r := phone.Get("/account"); r.Status != http.StatusSeeOther {
		t.Errorf("the phone is still signed in: %d", r.Status)
	}
	if n := ta.F.Count(t, `SELECT count(*) FROM outbox WHERE user_id = $1 AND kind = 'password_changed'
		AND subject = 'Your Rapport password was changed' AND state = 'unconfigured'`, p.ID); n != 1 {
		t.Errorf("%d 'password changed' messages, want 1", n)
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM password_resets WHERE user_id = $1 AND revoked_at IS NULL AND used_at IS NULL", p.ID); n != 0 {
		t.Errorf("%d reset links still work after the change", n)
	}
	fresh := ta.Client(t)
	fresh.SignIn(p.Email, "a brand new password")
}

var sessionEndRE = regexp.MustCompile(`/account/sessions/(\d+)/end`)

// The account page lists the person's sessions; each other one can be
// signed out, and another person's cannot.
func TestYouCanSignOutYourOtherSessionsOneByOne(t *testing.T) {
	t.Parallel()
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Sessions")
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	other := ta.F.Person(t, org, testfx.PersonOpts{})
	here, there := ta.Client(t), ta.Client(t)
	here.SignIn(p.Email, testfx.Password)
	there.SignIn(p.Email, testfx.Password)
	someoneElse := ta.Client(t)
	someoneElse.SignIn(other.Email, testfx.Password)

	r := here.Get("/account")
	if r.Status != 200 || !strings.Contains(r.Body, "This device") {
		t.Fatalf("account: %d", r.Status)
	}
	ids := sessionEndRE.FindAllStringSubmatch(r.Body, -1)
	if len(ids) != 1 {
		t.Fatalf("%d sessions to sign out, want 1 (the other one)", len(ids))
	}
	// Another person cannot end it.
	if r := someoneElse.Post(ids[0][0], nil); r.Status != http.StatusSeeOther {
		t.Fatalf("someone else: %d", r.Status)
	}
	if r := there.Get("/"); r.Status != 200 {
		t.Fatalf("another person ended the session: %d", r.Status)
	}
	if r := here.Post(ids[0][0], nil); r.Status != http.StatusSeeOther {
		t.Fatalf("end: %d", r.Status)
	}
	if r := there.Get("/"); r.Status != http.StatusSeeOther {
		t.Errorf("the ended session still works: %d", r.Status)
	}
	if r := here.Get("/"); r.Status != 200 {
		t.Errorf("this session ended too: %d", r.Status)
	}
	if r := here.Post(ids[0][0], nil); r.Status != http.StatusSeeOther { // a double submit
		t.Errorf("again: %d", r.Status)
	}
}

// An admin sends an active person a reset link from their page: one
// message however often the form is submitted, and with no mail server the
// page says where the link waits.
func TestAnAdminSendsAResetLinkOnce(t *testing.T) {
	t.Parallel()
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Admin reset")
	adm := ta.F.Person(t, org, testfx.PersonOpts{Name: "Bea Admin", Role: core.RoleAdmin})
	p := ta.F.Person(t, org, testfx.PersonOpts{Name: "Cai Lin"})
	invited := ta.F.Person(t, org, testfx.PersonOpts{NoPass: true})
	gone := ta.F.Person(t, org, testfx.PersonOpts{Inactive: true})
	c := ta.Client(t)
	c.SignIn(adm.Email, testfx.Password)
	page := c.Get(fmt.Sprintf("/people/%d", p.ID))
	key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(page.Body)
	if !strings.Contains(page.Body, "Send a password reset link") || key == nil {
		t.Fatal("no reset button on the person's page")
	}
	form := url.Values{"key": {key[1]}}
	path := fmt.Sprintf("/people/%d/reset-password", p.ID)
	for i := 0; i < 2; i++ {
		if r := c.Post(path, form); r.Status != http.StatusSeeOther {
			t.Fatalf("submit %d: %d", i, r.Status)
		}
	}
	if r := c.Get(fmt.Sprintf("/people/%d", p.ID)); !strings.Contains(r.Body, "Email is not configured — an admin can copy this link from the outbox.") {
		t.Errorf("the page does not say where the link is:\n%s", r.Body)
	}
	if n := ta.F.Count(t, `SELECT count(*) FROM outbox WHERE user_id = $1 AND kind = 'admin_reset'
		AND subject = 'Bea Admin sent you a link to choose a new Rapport password' AND link LIKE '%/password/reset/%'`, p.ID); n != 1 {
		t.Errorf("%d messages for two submits, want 1", n)
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM password_resets WHERE user_id = $1", p.ID); n != 1 {
		t.Errorf("%d links for two submits, want 1", n)
	}
	// The outbox shows it, with the link to copy, as the person will see it.
	list := c.Get("/admin/outbox")
	id := regexp.MustCompile(`/admin/outbox/(\d+)`).FindStringSubmatch(list.Body)
	if list.Status != 200 || id == nil || !strings.Contains(list.Body, "Cai Lin") || !strings.Contains(list.Body, "Not sent") {
		t.Fatalf("outbox list: %d\n%s", list.Status, list.Body)
	}
	msg := c.Get(id[0])
	if msg.Status != 200 || !strings.Contains(msg.Body, `id="outbox-link"`) || !strings.Contains(msg.Body, ta.URL+"/password/reset/") ||
		!strings.Contains(msg.Body, "not sent: email is not configured") {
		t.Fatalf("outbox message: %d\n%s", msg.Status, msg.Body)
	}
	html := c.Get(id[0] + "/html")
	if html.Status != 200 || !strings.Contains(html.Header.Get("Content-Security-Policy"), "default-src 'none'") ||
		html.Header.Get("X-Frame-Options") != "SAMEORIGIN" || !strings.Contains(html.Body, "Choose a new password") {
		t.Errorf("message HTML: %d %v", html.Status, html.Header)
	}
	// Nobody without a password, nor a deactivated person, gets a reset link.
	for _, who := range []testfx.Person{invited, gone} {
		r := c.Post(fmt.Sprintf("/people/%d/reset-password", who.ID), url.Values{"key": {core.NewFormKey()}})
		if r.Status != http.StatusSeeOther {
			t.Errorf("%s: %d", who.Name, r.Status)
		}
		if n := ta.F.Count(t, "SELECT count(*) FROM outbox WHERE user_id = $1", who.ID); n != 0 {
			t.Errorf("%s got a reset link", who.Name)
		}
	}
}

// An invitation made without a mail server shows its link once and says
// the outbox keeps it; the outbox lists it.
func TestAnInvitationWithoutEmailSaysWhereTheLinkIs(t *testing.T) {
	t.Parallel()
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Invite without email")
	adm := ta.F.Person(t, org, testfx.PersonOpts{Role: core.RoleAdmin})
	c := ta.Client(t)
	c.SignIn(adm.Email, testfx.Password)
	r := c.Post("/invitations", url.Values{"name": {"Dan Ode"}, "email": {"dan.ode@example.com"}, "role": {"employee"},
		"time_zone": {"UTC"}, "manager_id": {""}, "key": {core.NewFormKey()}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("invite: %d", r.Status)
	}
	page := c.Get("/invitations")
	if !strings.Contains(page.Body, ta.URL+"/invite/") || !strings.Contains(page.Body, "Email is not configured — an admin can copy this link from the <a href=\"/admin/outbox\">outbox</a>.") {
		t.Errorf("invitations page:\n%s", page.Body)
	}
	if n := ta.F.Count(t, `SELECT count(*) FROM outbox WHERE org_id = $1 AND kind = 'invitation' AND to_addr = 'dan.ode@example.com' AND state = 'unconfigured'`, org); n != 1 {
		t.Errorf("%d invitation messages, want 1", n)
	}
	// Revoked, it can be sent again from the list: a new link, a new message.
	invID := regexp.MustCompile(`/invitations/(\d+)/revoke`).FindStringSubmatch(page.Body)
	if invID == nil {
		t.Fatal("no revoke button")
	}
	if r := c.Post(invID[0], nil); r.Status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.Status)
	}
	page = c.Get("/invitations")
	again := regexp.MustCompile(`action="(/people/\d+/invite)"><input type="hidden" name="key" value="([^"]+)"`).FindStringSubmatch(page.Body)
	if again == nil || !strings.Contains(page.Body, "Send again") {
		t.Fatalf("no way to send the invitation again:\n%s", page.Body)
	}
	for i := 0; i < 2; i++ { // a double submit sends one
		if r := c.Post(again[1], url.Values{"key": {again[2]}}); r.Status != http.StatusSeeOther {
			t.Fatalf("send again: %d", r.Status)
		}
	}
	if n := ta.F.Count(t, `SELECT count(*) FROM outbox WHERE org_id = $1 AND kind = 'invitation' AND to_addr = 'dan.ode@example.com'`, org); n != 2 {
		t.Errorf("%d invitation messages after sending again, want 2", n)
	}
}

// Expired, used or replaced links get a page that says how to get a new one.
func TestALinkThatNoLongerWorksSaysHowToAskAgain(t *testing.T) {
	t.Parallel()
	ta := testapp.Start(t, dsn, testapp.Options{})
	c := ta.Client(t)
	r := c.Get("/password/reset/no-such-link")
	if r.Status != http.StatusNotFound || !strings.Contains(r.Body, "This link no longer works") || !strings.Contains(r.Body, `href="/password/forgot"`) {
		t.Errorf("reset link: %d\n%s", r.Status, r.Body)
	}
	r = c.Get("/invite/no-such-link")
	if r.Status != http.StatusNotFound || !strings.Contains(r.Body, "This invitation no longer works") || !strings.Contains(r.Body, "ask the admin who invited you") {
		t.Errorf("invitation link: %d\n%s", r.Status, r.Body)
	}
}
