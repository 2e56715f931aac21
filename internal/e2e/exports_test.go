package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"rapport/internal/core"
	"rapport/internal/postgres"
	"rapport/internal/review"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// media switches the tab between screen and print ("" is screen).
func media(kind string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: kind})
		return err
	})
}

// TestLeaderExportsAfterFinalising: a leader finalises an acknowledged
// review, downloads the cycle's CSV from the export page, opens the
// person's packet (kept as print-view screenshots), and the admin finds the
// exports on the audit page.
func TestLeaderExportsAfterFinalising(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	f := app.F
	org := f.Org(t, "Harbour & Co")
	n := testfx.Next()
	mk := func(name, handle string, role core.Role, mgr int64) testfx.Person {
		return f.Person(t, org, testfx.PersonOpts{Name: name, Email: fmt.Sprintf("%s%d@harbour.test", handle, n), Role: role, ManagerID: mgr})
	}
	admin := mk("Ada Quist", "ada", core.RoleAdmin, 0)
	lena := mk("Lena Okafor", "lena", core.RoleLeader, 0)
	marco := mk("Marco Δημήτρης", "marco", core.RoleManager, lena.ID)
	zoe := mk("Zoë Łukasz-Ñúñez", "zoe", core.RoleEmployee, marco.ID)
	sam := mk("Sam Lee", "sam", core.RoleEmployee, marco.ID)
	team := f.Team(t, org, "Atlas", marco.ID, zoe.ID, sam.ID)
	cycle := f.Cycle(t, org, testfx.CycleOpts{Name: "2026 H1", CreatedBy: lena.ID}, zoe.ID, sam.ID)

	// Evidence in the period: a 1:1 with an observation and a tagged kudo.
	series := f.Series(t, org, marco.ID, zoe.ID, "2026-01-06")
	meeting := f.Meeting(t, org, series, "2026-03-10T10:00:00Z", "held")
	partnerships := f.Competency(t, "partnerships")
	f.Observation(t, org, meeting, marco.ID, zoe.ID, partnerships, "Mapped who owns billing on the partner side before the call.", "2026-03-10T10:30:00Z")
	kudo := f.Kudo(t, org, sam.ID, []int64{zoe.ID}, "org", nil)
	f.TagKudo(t, kudo, "2026-04-02T09:00:00Z", partnerships)

	// Both sides have written and Zoë has acknowledged.
	for _, c := range []string{"partnerships", "trust", "listening"} {
		if _, err := app.Pool.Exec(t.Context(), `INSERT INTO review_ratings (cycle_id, org_id, person_id, competency_id, self_rating, self_comment, manager_rating, manager_comment)
			VALUES ($1, $2, $3, $4, 3, 'Brought partner teams into planning early.', 4, 'A model for the team: others copy how she runs hand-offs.')`,
			cycle, org, zoe.ID, f.Competency(t, c)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := app.Pool.Exec(t.Context(), `UPDATE review_participants SET state = 'acknowledged', summary = 'A strong half: steady 1:1s and partner work that unblocked billing.',
		ack_comment = 'Thanks, agreed on the next step.' WHERE cycle_id = $1 AND person_id = $2`, cycle, zoe.ID); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	leader, err := app.People.ActorFor(ctx, org, lena.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := review.NewService(postgres.NewReviewStore(app.Pool), core.SystemClock{}).Finalise(ctx, leader, cycle, zoe.ID); err != nil {
		t.Fatalf("finalise: %v", err)
	}

	b := newTab(t, app.URL)
	b.signIn(lena.Email)
	b.open(fmt.Sprintf("/exports/cycles/%d?team=%d", cycle, team))
	b.assertClean()
	b.assertSkipLinkFirst()
	b.assertNoSidewaysScrollOnPhone()
	if txt := b.text("main"); !strings.Contains(txt, "Zoë Łukasz-Ñúñez") || !strings.Contains(txt, "Finalised") {
		t.Errorf("export page does not list the finalised review:\n%s", txt)
	}
	b.screenshots("export-page")

	// The CSV link answers with the file, fetched with the page's session.
	got := b.eval(`(async () => {
		const a = [...document.querySelectorAll('a')].find((x) => x.textContent.trim() === 'Download CSV');
		const r = await fetch(a.href);
		const body = await r.text();
		return [r.status, r.headers.get('content-type'), r.headers.get('content-disposition'), body.split('\n').length, body.includes('Zoë Łukasz-Ñúñez')].join('|');
	})()`)
	parts := strings.Split(got, "|")
	if len(parts) != 5 || parts[0] != "200" || parts[1] != "text/csv; charset=utf-8" || !strings.Contains(parts[2], "filename*=UTF-8''2026%20H1%20Atlas%20reviews.csv") || parts[4] != "true" {
		t.Fatalf("CSV download: %q", got)
	}

	// The packet: from the export page to the printable page.
	b.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`main table a[href$="/people/%d/packet"]`, zoe.ID)), chromedp.NodeVisible))
	b.do(chromedp.WaitVisible(chromedp.CSS("article.packet")))
	b.assertClean()
	txt := b.text("main")
	for _, want := range []string{"Review packet", "Zoë Łukasz-Ñúñez", "Finalised", "4 · Role model", "10 Mar 2026", "2 Apr 2026",
		"Mapped who owns billing", "A strong half"} {
		if !strings.Contains(txt, want) {
			t.Errorf("packet lacks %q", want)
		}
	}
	b.assertNoSidewaysScrollOnPhone()
	b.screenshots("packet")
	b.do(media("print"))
	if hidden := b.eval(`getComputedStyle(document.querySelector('.site-header')).display + ' ' + getComputedStyle(document.querySelector('.packet-actions')).display`); hidden != "none none" {
		t.Errorf("print view still shows the navigation or the buttons: %s", hidden)
	}
	b.screenshots("packet-print")
	b.do(media(""))

	// The admin sees the exports in the audit log.
	a := newTab(t, app.URL)
	a.signIn(admin.Email)
	a.open("/admin")
	a.do(chromedp.Click(chromedp.CSS(`main a[href="/admin/audit"]`), chromedp.NodeVisible))
	a.do(chromedp.WaitVisible(chromedp.CSS("table.audit")))
	a.assertClean()
	a.assertSkipLinkFirst()
	a.assertNoSidewaysScrollOnPhone()
	audit := a.text("main")
	for _, want := range []string{"export.cycle", "export.packet", "review", "Lena Okafor", "format: csv", "scope: team Atlas"} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit page lacks %q", want)
		}
	}
	a.screenshots("audit-log")
}
