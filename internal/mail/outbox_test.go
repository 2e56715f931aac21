package mail_test

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"rapport/internal/core"
	rmail "rapport/internal/mail"
	"rapport/internal/mailtest"
	"rapport/internal/testapp"
	"rapport/internal/testdb"
	"rapport/internal/testfx"
)

// dsn is this package's own database: its tests run job workers, and no
// other package's workers may take their jobs.
var dsn string

func TestMain(m *testing.M) { testdb.Main(m, &dsn) }

// workJobs runs ta's job workers until the test ends.
func workJobs(t *testing.T, ta *testapp.TestApp) {
	t.Helper()
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
}

// waitJobs waits until no mail job is left to run.
func waitJobs(t *testing.T, ta *testapp.TestApp) {
	t.Helper()
	const q = "SELECT count(*) FROM river.river_job WHERE kind = 'mail_send' AND state NOT IN ('completed', 'cancelled', 'discarded')"
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ta.F.Count(t, q) == 0 {
			return
		}
	}
	t.Fatalf("%d mail jobs still to run", ta.F.Count(t, q))
}

var linkRE = regexp.MustCompile(`https?://[^\s"<]+/(invite|password/reset)/[A-Za-z0-9_\-]+`)

// An invitation is sent once although the mail server refuses the first
// attempt and two app processes work the queue: the retry delivers it, a
// second job for the same row finds it sent, and the link in the mail works.
func TestAMessageIsSentExactlyOnceAcrossProcessesAfterARefusal(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	cfg := srv.Config()
	one := testapp.Start(t, dsn, testapp.Options{Mail: &cfg})
	two := testapp.Start(t, dsn, testapp.Options{Mail: &cfg})
	org := one.F.Org(t, "Exactly once")
	admin := one.F.Person(t, org, testfx.PersonOpts{Name: "Bea Admin", Role: core.RoleAdmin})
	srv.FailNext(1)
	workJobs(t, one)
	workJobs(t, two)

	c := one.Client(t)
	c.SignIn(admin.Email, testfx.Password)
	form := url.Values{"name": {"Ana Ruiz"}, "email": {"ana.once@example.com"}, "role": {"employee"},
		"time_zone": {"Europe/Madrid"}, "manager_id": {""}, "key": {core.NewFormKey()}}
	if r := c.Post("/invitations", form); r.Status != 303 {
		t.Fatalf("invite: %d\n%s", r.Status, r.Body)
	}
	if r := c.Post("/invitations", form); r.Status != 303 { // a double submit
		t.Fatalf("invite again: %d", r.Status)
	}
	// With email configured the page says it was sent, and shows no link.
	if r := c.Get("/invitations"); !strings.Contains(r.Body, "Invitation sent to Ana Ruiz") || strings.Contains(r.Body, "/invite/") {
		t.Errorf("invitations page after inviting:\n%s", r.Body)
	}
	got := srv.Wait(t, 1, 20*time.Second)
	waitJobs(t, one)
	var id int64
	if err := one.Pool.QueryRow(context.Background(), "SELECT id FROM outbox WHERE org_id = $1", org).Scan(&id); err != nil {
		t.Fatalf("one outbox row: %v", err)
	}
	// Another job for the same row, as a retry after a lost acknowledgement would be.
	if _, err := two.Notifier.Jobs().Insert(context.Background(), rmail.SendMessage{OutboxID: id}, nil); err != nil {
		t.Fatal(err)
	}
	waitJobs(t, one)
	if got = srv.To("ana.once@example.com"); len(got) != 1 || srv.Refused() != 1 {
		t.Fatalf("%d messages delivered, %d refused; want 1 and 1", len(got), srv.Refused())
	}
	if n := one.F.Count(t, `SELECT count(*) FROM outbox WHERE id = $1 AND state = 'sent' AND attempts = 2
		AND last_error = '' AND link = '' AND sent_at IS NOT NULL AND text_body NOT LIKE '%/invite/%'`, id); n != 1 {
		t.Error("the outbox row is not marked sent after two attempts, its link removed")
	}
	m := got[0]
	if s := m.Header.Get("Subject"); s != "Bea Admin invited you to Exactly once on Rapport" {
		t.Errorf("subject %q", s)
	}
	if mid := m.Header.Get("Message-Id"); mid != "<rapport-outbox-"+itoa(id)+"@example.com>" {
		t.Errorf("Message-ID %q", mid)
	}
	textLink, htmlLink := linkRE.FindString(m.Text), linkRE.FindString(m.HTML)
	if textLink == "" || textLink != htmlLink || !strings.HasPrefix(textLink, one.URL+"/invite/") {
		t.Fatalf("links: text %q, html %q", textLink, htmlLink)
	}
	// The link works against the real server: choose a password, signed in.
	path := strings.TrimPrefix(textLink, one.URL)
	anon := one.Client(t)
	if r := anon.Get(path); r.Status != 200 || !strings.Contains(r.Body, "Ana Ruiz") {
		t.Fatalf("invitation link: %d", r.Status)
	}
	if r := anon.Post(path, url.Values{"password": {"a new long password"}, "confirm": {"a new long password"}}); r.Status != 303 {
		t.Fatalf("accept: %d\n%s", r.Status, r.Body)
	}
	if r := anon.Get("/"); r.Status != 200 {
		t.Fatalf("home after accepting: %d", r.Status)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Forgot password mails a link to every active account with the address and
// nothing to an unknown one; using the link sets the password, and a
// "password changed" mail follows.
func TestForgotPasswordMailsAWorkingLinkAndAChangedNotice(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	cfg := srv.Config()
	ta := testapp.Start(t, dsn, testapp.Options{Mail: &cfg})
	org := ta.F.Org(t, "Forgot by mail")
	p := ta.F.Person(t, org, testfx.PersonOpts{Name: "Cai Lin"})
	workJobs(t, ta)
	c := ta.Client(t)
	for _, email := range []string{p.Email, "nobody-by-mail@example.com"} {
		if r := c.Post("/password/forgot", url.Values{"email": {email}}); r.Status != 200 || !strings.Contains(r.Body, "If an active account uses") {
			t.Fatalf("forgot %s: %d", email, r.Status)
		}
	}
	got := srv.Wait(t, 1, 20*time.Second)[0]
	if len(srv.To("nobody-by-mail@example.com")) != 0 {
		t.Error("a message went to an address without an account")
	}
	link := linkRE.FindString(got.Text)
	if link == "" || link != linkRE.FindString(got.HTML) || !strings.Contains(link, "/password/reset/") {
		t.Fatalf("links: %q / %q", link, linkRE.FindString(got.HTML))
	}
	path := strings.TrimPrefix(link, ta.URL)
	if r := c.Post(path, url.Values{"password": {"brand new password"}, "confirm": {"brand new password"}}); r.Status != 303 {
		t.Fatalf("reset: %d\n%s", r.Status, r.Body)
	}
	changed := srv.Wait(t, 2, 20*time.Second)[1]
	if changed.Header.Get("Subject") != "Your Rapport password was changed" || changed.Header.Get("X-Rapport-Kind") != "password_changed" {
		t.Errorf("second message: %q", changed.Header.Get("Subject"))
	}
	// Used once, the link shows a clear page with a way to ask again.
	if r := c.Get(path); r.Status != 404 || !strings.Contains(r.Body, "/password/forgot") {
		t.Errorf("used link: %d\n%s", r.Status, r.Body)
	}
	fresh := ta.Client(t)
	fresh.SignIn(p.Email, "brand new password")
	waitJobs(t, ta)
}

// A person whose name holds a line break (stored before any check, or by an
// import) still gets their mail, and the break adds no header or recipient.
func TestALineBreakInANameAddsNoHeader(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	cfg := srv.Config()
	ta := testapp.Start(t, dsn, testapp.Options{Mail: &cfg})
	org := ta.F.Org(t, "Line breaks\r\nBcc: org@example.net")
	p := ta.F.Person(t, org, testfx.PersonOpts{Name: "Eve\r\nBcc: evil@example.net"})
	workJobs(t, ta)
	if r := ta.Client(t).Post("/password/forgot", url.Values{"email": {p.Email}}); r.Status != 200 {
		t.Fatalf("forgot: %d", r.Status)
	}
	m := srv.Wait(t, 1, 20*time.Second)[0]
	waitJobs(t, ta)
	if len(m.To) != 1 || m.To[0] != p.Email || m.Header.Get("Bcc") != "" || strings.Contains(string(m.Raw), "\nBcc:") {
		t.Fatalf("envelope %v, Bcc %q\n%s", m.To, m.Header.Get("Bcc"), m.Raw)
	}
	if to := m.Header.Get("To"); !strings.Contains(to, "Eve Bcc: evil@example.net") && !strings.Contains(to, "=?") {
		t.Errorf("To %q", to)
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM outbox WHERE user_id = $1 AND state = 'sent' AND to_name = 'Eve Bcc: evil@example.net'", p.ID); n != 1 {
		t.Error("the outbox row does not hold the flattened name")
	}
}
