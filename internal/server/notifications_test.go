package server_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"rapport/internal/kudos"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// A kudo rings the bell of each person it names, whether or not they get
// the email: Ana turned kudo emails off, and her bell still counts it. The
// list shows it; opening it goes to the kudo and reads it; nobody else can
// open it; "mark all as read" empties the count.
func TestKudoRingsTheBellWithEmailOff(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	f := ta.F
	org := f.Org(t, "Bell Org")
	author := f.Person(t, org, testfx.PersonOpts{Name: "Aria Author"})
	ana := f.Person(t, org, testfx.PersonOpts{Name: "Ana Named"})
	ben := f.Person(t, org, testfx.PersonOpts{Name: "Ben Named"})

	anaC := ta.Client(t)
	anaC.SignIn(ana.Email, testfx.Password)
	if r := anaC.Get("/"); !strings.Contains(r.Body, `aria-label="Notifications"`) || strings.Contains(r.Body, "bell-count") {
		t.Fatalf("before any event the bell has a count, or none is shown")
	}
	// Every optional email off (no kind ticked).
	if r := anaC.Post("/account/email", url.Values{}); r.Status != 303 {
		t.Fatalf("email preferences: %d", r.Status)
	}

	id := postKudo(t, ta, org, author, "Untangled the release checklist", kudos.VisOrg, ana.ID, ben.ID)
	var mails int
	if err := ta.Pool.QueryRow(t.Context(), `SELECT count(*) FROM outbox WHERE user_id = $1`, ana.ID).Scan(&mails); err != nil {
		t.Fatal(err)
	}
	if mails != 0 {
		t.Errorf("Ana turned kudo emails off, and %d were written", mails)
	}

	home := anaC.Get("/")
	if !strings.Contains(home.Body, `aria-label="Notifications, 1 unread"`) || !strings.Contains(home.Body, `<span class="bell-count" aria-hidden="true">1</span>`) {
		t.Fatalf("Ana's bell does not count the kudo")
	}
	list := anaC.Get("/notifications")
	if list.Status != 200 || !strings.Contains(list.Body, "Aria Author gave you a kudo") || !strings.Contains(list.Body, "notification unread") {
		t.Fatalf("the list does not show the kudo as unread: %d", list.Status)
	}
	var nid int64
	if err := ta.Pool.QueryRow(t.Context(), `SELECT id FROM notifications WHERE user_id = $1`, ana.ID).Scan(&nid); err != nil {
		t.Fatal(err)
	}

	// Ben has his own; he cannot open Ana's.
	benC := ta.Client(t)
	benC.SignIn(ben.Email, testfx.Password)
	if r := benC.Post(fmt.Sprintf("/notifications/%d/open", nid), nil); r.Status != 404 {
		t.Errorf("Ben opened Ana's notification: %d", r.Status)
	}
	if r := benC.Get("/"); !strings.Contains(r.Body, "Notifications, 1 unread") {
		t.Errorf("Ben's bell does not count his own kudo")
	}

	open := anaC.Post(fmt.Sprintf("/notifications/%d/open", nid), nil)
	if open.Status != 303 || open.Location() != fmt.Sprintf("/kudos/%d", id) {
		t.Fatalf("opening it: %d to %q", open.Status, open.Location())
	}
	if r := anaC.Get("/"); strings.Contains(r.Body, "bell-count") {
		t.Errorf("the opened notification is still counted")
	}
	if r := anaC.Get("/notifications"); strings.Contains(r.Body, "notification unread") || !strings.Contains(r.Body, "Aria Author gave you a kudo") {
		t.Errorf("the opened notification is not listed as read")
	}

	// Mark all as read.
	if r := benC.Post("/notifications/read", nil); r.Status != 303 || r.Location() != "/notifications" {
		t.Fatalf("mark all read: %d to %q", r.Status, r.Location())
	}
	if r := benC.Get("/"); strings.Contains(r.Body, "bell-count") {
		t.Errorf("after marking all read Ben's bell still counts")
	}
	// Ana's count came with her session; a second event counts again.
	postKudo(t, ta, org, author, "Ran the retro", kudos.VisOrg, ana.ID)
	if r := anaC.Get("/kudos"); !strings.Contains(r.Body, "Notifications, 1 unread") {
		t.Errorf("the second kudo is not counted")
	}
}

// The same event queued twice (a double submit's key) notifies once, and a
// notification can only lead to a page of this site.
func TestNotificationsOncePerEventAndOnlyHere(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	f := ta.F
	org := f.Org(t, "Bell Once Org")
	ana := f.Person(t, org, testfx.PersonOpts{Name: "Ana Once"})
	for range 2 {
		if _, err := ta.Pool.Exec(t.Context(), `INSERT INTO notifications (org_id, user_id, kind, title, path, idem_key)
			VALUES ($1, $2, 'actions_due', 'Actions due', '/actions', 'day-1')
			ON CONFLICT (user_id, kind, idem_key) WHERE idem_key <> '' DO NOTHING`, org, ana.ID); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := ta.Pool.QueryRow(t.Context(), `SELECT count(*) FROM notifications WHERE user_id = $1`, ana.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("one event made %d notifications", n)
	}
	for _, p := range []string{"https://evil.example/", "//evil.example/x", "javascript:alert(1)"} {
		if _, err := ta.Pool.Exec(t.Context(), `INSERT INTO notifications (org_id, user_id, kind, title, path)
			VALUES ($1, $2, 'kudo_received', 'Elsewhere', $3)`, org, ana.ID, p); err == nil {
			t.Errorf("a notification leading to %q was stored", p)
		}
	}
}
