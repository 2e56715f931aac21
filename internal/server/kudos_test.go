package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// crew is a small organisation for the kudos rules:
//
//	boss ← {ana, ben}; carl (no manager); team Atlas = {ana, carl}
type crew struct {
	ta                         *testapp.TestApp
	org                        int64
	boss, ana, ben, carl, gone testfx.Person
	atlas                      int64
	c                          map[string]*testapp.Client
}

func newCrew(t *testing.T) *crew {
	ta := testapp.Start(t, dsn, testapp.Options{})
	k := &crew{ta: ta, c: map[string]*testapp.Client{}}
	k.org = ta.F.Org(t, "Crew")
	n := testfx.Next()
	mk := func(name, handle string, role core.Role, mgr int64) testfx.Person {
		return ta.F.Person(t, k.org, testfx.PersonOpts{Name: name, Email: fmt.Sprintf("%s%d@crew.example", handle, n), Role: role, ManagerID: mgr})
	}
	k.boss = mk("Bo Boss", "bo", core.RoleManager, 0)
	k.ana = mk("Ana Ruiz", "ana", core.RoleEmployee, k.boss.ID)
	k.ben = mk("Ben Lee", "ben", core.RoleEmployee, k.boss.ID)
	k.carl = mk("Carl Day", "carl", core.RoleEmployee, 0)
	k.gone = ta.F.Person(t, k.org, testfx.PersonOpts{Name: "Gus Gone", Email: fmt.Sprintf("gus%d@crew.example", n), Inactive: true})
	k.atlas = ta.F.Team(t, k.org, "Atlas", k.ana.ID, k.carl.ID)
	for name, p := range map[string]testfx.Person{"boss": k.boss, "ana": k.ana, "ben": k.ben, "carl": k.carl} {
		c := ta.Client(t)
		c.SignIn(p.Email, testfx.Password)
		k.c[name] = c
	}
	return k
}

func handle(p testfx.Person) string { return "@" + strings.SplitN(p.Email, "@", 2)[0] }

func (k *crew) post(who string, form url.Values) testapp.Response {
	if form.Get("idem") == "" {
		form.Set("idem", fmt.Sprint("k", testfx.Next()))
	}
	return k.c[who].Post("/kudos", form)
}

func good(to ...testfx.Person) url.Values {
	var hs []string
	for _, p := range to {
		hs = append(hs, handle(p))
	}
	return url.Values{"to": {strings.Join(hs, ", ")}, "did": {"Stayed late to pair on the flaky deploy"},
		"impact": {"We shipped on Friday instead of next week"}, "visibility": {"org"}}
}

func TestKudosVisibilityIsEnforcedInEveryList(t *testing.T) {
	k := newCrew(t)
	// Counts on Ana's recognition page and in the feed before.
	countFor := func(who string) int {
		return strings.Count(k.c[who].Get(fmt.Sprintf("/kudos?person=%d", k.ana.ID)).Body, `class="card kudo"`)
	}
	before := map[string]int{}
	for who := range k.c {
		before[who] = countFor(who)
	}
	f := good(k.ana)
	f.Set("visibility", "recipients")
	f.Set("did", "Quietly fixed the payroll export for Ben")
	r := k.post("ben", f)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("post: %d %s", r.Status, r.Body)
	}
	kudo := r.Location()
	// Author, recipient and the recipient's manager see it; Carl does not.
	for who, sees := range map[string]bool{"ben": true, "ana": true, "boss": true, "carl": false} {
		page := k.c[who].Get(kudo)
		if sees != (page.Status == 200) {
			t.Errorf("%s opening a recipients-only kudo: %d", who, page.Status)
		}
		if got := countFor(who); got != before[who]+map[bool]int{true: 1, false: 0}[sees] {
			t.Errorf("%s's feed for Ana went from %d to %d", who, before[who], got)
		}
		feed := k.c[who].Get("/kudos").Body
		if strings.Contains(feed, "payroll export") != sees {
			t.Errorf("%s's feed shows it: %v", who, !sees)
		}
		counts := k.c[who].Get(fmt.Sprintf("/people/%d/kudos", k.ana.ID)).Body
		want := map[bool]string{true: "1 received", false: "0 received"}[sees]
		if !strings.Contains(counts, want) {
			t.Errorf("%s sees the wrong count on Ana's page, want %q", who, want)
		}
	}
	// Team kudos: the team (Carl), the author and the recipient; not Ben's manager.
	f = good(k.carl)
	f.Set("visibility", "team")
	f.Set("team_id", itoa(k.atlas))
	f.Set("did", "Ran the Atlas retro with real care")
	r = k.post("ana", f)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("team kudo: %d %s", r.Status, r.Body)
	}
	for who, sees := range map[string]bool{"ana": true, "carl": true, "ben": false, "boss": false} {
		if got := k.c[who].Get(r.Location()).Status == 200; got != sees {
			t.Errorf("%s sees the team kudo: %v", who, got)
		}
	}
	// Another organisation's admin sees none of it.
	other := k.ta.F.Org(t, "Elsewhere")
	adm := k.ta.F.Person(t, other, testfx.PersonOpts{Role: core.RoleAdmin})
	c := k.ta.Client(t)
	c.SignIn(adm.Email, testfx.Password)
	if r := c.Get(kudo); r.Status != 404 {
		t.Errorf("other org opened a kudo: %d", r.Status)
	}
	if feed := c.Get("/kudos").Body; strings.Contains(feed, "payroll") || strings.Contains(feed, "Atlas retro") {
		t.Error("other org's feed shows our kudos")
	}
}

func TestKudosBadInputIsRefusedAndNothingIsWritten(t *testing.T) {
	k := newCrew(t)
	before := k.ta.F.Count(t, "SELECT count(*) FROM kudos WHERE org_id = $1", k.org)
	other := k.ta.F.Org(t, "Other")
	stranger := k.ta.F.Person(t, other, testfx.PersonOpts{Email: fmt.Sprintf("stranger%d@other.example", testfx.Next())})
	cases := map[string]struct {
		form  func() url.Values
		field string
	}{
		"empty message":  {func() url.Values { f := good(k.ben); f.Set("did", "   "); return f }, "did"},
		"empty impact":   {func() url.Values { f := good(k.ben); f.Set("impact", ""); return f }, "impact"},
		"no recipients":  {func() url.Values { f := good(k.ben); f.Set("to", ""); return f }, "to"},
		"self":           {func() url.Values { return good(k.ana) }, "to"},
		"deactivated":    {func() url.Values { return good(k.gone) }, "to"},
		"other org":      {func() url.Values { return good(stranger) }, "to"},
		"unknown tag":    {func() url.Values { f := good(k.ben); f.Add("competencies", "999999"); return f }, "competencies"},
		"100 KB":         {func() url.Values { f := good(k.ben); f.Set("did", strings.Repeat("kudos ", 17000)); return f }, "did"},
		"team not mine":  {func() url.Values { f := good(k.ben); f.Set("visibility", "team"); f.Set("team_id", "999999"); return f }, "team_id"},
		"bad visibility": {func() url.Values { f := good(k.ben); f.Set("visibility", "everyone!"); return f }, "visibility"},
	}
	for name, c := range cases {
		r := k.post("ana", c.form())
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-`+c.field+`-error"`) {
			t.Errorf("%s: status %d, no error next to %s", name, r.Status, c.field)
		}
	}
	if r := k.post("ana", good(k.ana)); !strings.Contains(r.Body, "Kudos are for others") {
		t.Error("self-recognition has no friendly message")
	}
	if after := k.ta.F.Count(t, "SELECT count(*) FROM kudos WHERE org_id = $1", k.org); after != before {
		t.Fatalf("bad input wrote %d kudos", after-before)
	}
	// HTML is stored as text and shown escaped; a double submit stores one.
	f := good(k.ben)
	f.Set("did", `<script>alert(1)</script> "><img src=x onerror=alert(2)> javascript:alert(3) thanks`)
	f.Set("idem", "same-form")
	r1 := k.post("ana", f)
	r2 := k.post("ana", f)
	if r1.Status != 303 || r2.Status != 303 || r1.Location() != r2.Location() {
		t.Fatalf("double submit: %d %d %s %s", r1.Status, r2.Status, r1.Location(), r2.Location())
	}
	if n := k.ta.F.Count(t, "SELECT count(*) FROM kudos WHERE idem_key = 'same-form' AND org_id = $1", k.org); n != 1 {
		t.Fatalf("%d kudos after a double submit", n)
	}
	page := k.c["ben"].Get(r1.Location()).Body
	if strings.Contains(page, "<script>alert") || strings.Contains(page, "<img src=x") || strings.Contains(page, `href="javascript:`) {
		t.Fatal("markup in a kudo was not escaped")
	}
	if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatal("the escaped text is missing")
	}
}

func TestKudosMentionsReactionsCommentsAndEditWindow(t *testing.T) {
	k := newCrew(t)
	f := good(k.ben, k.carl)
	f.Set("did", "Pulled "+handle(k.boss)+" in early and read https://example.com/design?a=1&b=2 first.")
	r := k.post("ana", f)
	if r.Status != 303 {
		t.Fatalf("post: %d %s", r.Status, r.Body)
	}
	kudo := r.Location()
	page := k.c["ben"].Get(kudo).Body
	if !strings.Contains(page, fmt.Sprintf(`href="/people/%d" class="mention">@Bo Boss</a>`, k.boss.ID)) {
		t.Error("the @mention is not a link to the person")
	}
	if !strings.Contains(page, `href="https://example.com/design?a=1&amp;b=2"`) {
		t.Error("the link is not rendered safely")
	}
	// Reactions toggle, with and without htmx.
	react := func(c *testapp.Client, hx bool) testapp.Response {
		req, _ := http.NewRequest("POST", k.ta.URL+kudo+"/react", strings.NewReader("emoji=clap"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if hx {
			req.Header.Set("HX-Request", "true")
		}
		return c.Do(req)
	}
	if r := react(k.c["ben"], false); r.Status != 303 {
		t.Fatalf("react: %d", r.Status)
	}
	frag := react(k.c["carl"], true)
	if frag.Status != 200 || strings.Contains(frag.Body, "<html") || !strings.Contains(frag.Body, `<span class="n">2</span>`) {
		t.Fatalf("htmx reaction fragment: %d %s", frag.Status, frag.Body)
	}
	react(k.c["carl"], false) // toggles off
	if n := k.ta.F.Count(t, "SELECT count(*) FROM kudo_reactions WHERE org_id = $1", k.org); n != 1 {
		t.Fatalf("%d reactions, want 1", n)
	}
	// The bar is one form per kudo, its buttons naming the reaction and
	// whether it adds or takes back the viewer's own.
	reactPage := k.c["ben"].Get(kudo)
	if n := strings.Count(reactPage.Body, `action="`+kudo+`/react"`); n != 1 {
		t.Errorf("the kudo page has %d reaction forms, want 1", n)
	}
	if !strings.Contains(reactPage.Body, `name="reaction" value="clap:false"`) {
		t.Error("Ben's clap is not offered to take back")
	}
	if r := k.c["ben"].Post(kudo+"/react", url.Values{"reaction": {"clap:false"}}); r.Status != 303 {
		t.Fatalf("take back: %d", r.Status)
	}
	if n := k.ta.F.Count(t, "SELECT count(*) FROM kudo_reactions WHERE org_id = $1", k.org); n != 0 {
		t.Fatalf("%d reactions after Ben took his back, want 0", n)
	}
	if r := k.c["ben"].Post(kudo+"/comments", url.Values{"comment": {"  "}}); r.Status != 422 {
		t.Errorf("empty comment: %d", r.Status)
	}
	for i := 0; i < 2; i++ {
		k.c["ben"].Post(kudo+"/comments", url.Values{"comment": {"Thank you, Ana!"}})
	}
	if n := k.ta.F.Count(t, "SELECT count(*) FROM kudo_comments WHERE org_id = $1", k.org); n != 1 {
		t.Errorf("%d comments after a double submit", n)
	}
	// Only the author edits, and only for 15 minutes.
	if r := k.c["ben"].Get(kudo + "/edit"); r.Status != 403 {
		t.Errorf("non-author edit page: %d", r.Status)
	}
	if r := k.c["ana"].Get(kudo + "/edit"); r.Status != 200 || !strings.Contains(r.Body, handle(k.ben)) || !strings.Contains(r.Body, handle(k.carl)) {
		t.Errorf("author edit page: %d, recipients not written back as @handles", r.Status)
	}
	k.ta.Pool.Exec(t.Context(), "UPDATE kudos SET created_at = now() - interval '16 minutes' WHERE org_id = $1", k.org)
	f.Set("did", "Changed after the window closed, too late")
	if r := k.c["ana"].Post(kudo, f); r.Status != 303 || strings.Contains(k.c["ana"].Get(kudo).Body, "too late") {
		t.Error("an edit after 15 minutes went through")
	}
	if r := k.c["ben"].Post(kudo+"/delete", nil); r.Status != 403 {
		t.Errorf("non-author delete: %d", r.Status)
	}
	if r := k.c["ana"].Post(kudo+"/delete", nil); r.Status != 303 || k.ta.F.Count(t, "SELECT count(*) FROM kudos WHERE org_id = $1", k.org) != 0 {
		t.Error("author could not delete")
	}
}

func TestRitualBoardGathersTheTeamsKudosOfThePeriod(t *testing.T) {
	k := newCrew(t)
	// Ana (on Atlas) sets up Friday shout-outs for Atlas.
	r := k.c["ana"].Post(fmt.Sprintf("/teams/%d/rituals", k.atlas), url.Values{"name": {"Friday shout-outs"},
		"cadence": {"weekly"}, "weekday": {"5"}, "hour": {"16"}, "time_zone": {"UTC"}})
	if r.Status != 303 {
		t.Fatalf("create ritual: %d %s", r.Status, r.Body)
	}
	board := r.Location()
	if r := k.c["ben"].Post(fmt.Sprintf("/teams/%d/rituals", k.atlas), url.Values{"name": {"Not my team"}, "cadence": {"weekly"},
		"weekday": {"5"}, "hour": {"16"}, "time_zone": {"UTC"}}); r.Status != 403 {
		t.Errorf("a non-member set up a ritual: %d", r.Status)
	}
	if r := k.c["ana"].Post(fmt.Sprintf("/teams/%d/rituals", k.atlas), url.Values{"name": {""}, "cadence": {"daily"}, "weekday": {"9"},
		"hour": {"30"}, "time_zone": {"Nowhere"}}); r.Status != 422 || !strings.Contains(r.Body, `id="f-cadence-error"`) {
		t.Errorf("bad ritual form: %d", r.Status)
	}
	// Kudos to Carl (on Atlas) are on the board; kudos to Ben (not on Atlas) are not.
	f := good(k.carl)
	f.Set("did", "Carl untangled the release checklist for everyone")
	k.post("ben", f)
	f = good(k.ben)
	f.Set("did", "Ben covered support on a holiday weekend")
	k.post("ana", f)
	f = good(k.carl)
	f.Set("visibility", "recipients")
	f.Set("did", "A private thank-you for Carl's help")
	k.post("boss", f)
	page := k.c["ana"].Get(board)
	if page.Status != 200 || !strings.Contains(page.Body, "release checklist") || strings.Contains(page.Body, "holiday weekend") {
		t.Fatalf("board: %d", page.Status)
	}
	if strings.Contains(page.Body, "private thank-you") {
		t.Error("a recipients-only kudo is on the board for someone outside its audience")
	}
	if !strings.Contains(k.c["carl"].Get(board).Body, "private thank-you") {
		t.Error("the recipient does not see their own kudo on the board")
	}
	// Present mode, one slide at a time, without JavaScript.
	slide := k.c["ana"].Get(board + "/present")
	if slide.Status != 200 || !strings.Contains(slide.Body, "data-keynav") || !strings.Contains(slide.Body, "1 / 1") {
		t.Fatalf("present: %d", slide.Status)
	}
	// Earlier periods are browsable and empty here.
	earlier := k.c["ana"].Get(board + "?at=" + time.Now().UTC().AddDate(0, 0, -21).Format("2006-01-02"))
	if earlier.Status != 200 || strings.Contains(earlier.Body, "release checklist") {
		t.Errorf("an earlier period shows this period's kudos: %d", earlier.Status)
	}
}

func TestEquityShowsAManagersReports(t *testing.T) {
	k := newCrew(t)
	for i := 0; i < 3; i++ {
		f := good(k.ana)
		f.Set("did", fmt.Sprintf("Ana shipped the search fix number %d", i))
		if r := k.post("carl", f); r.Status != 303 {
			t.Fatalf("post: %d", r.Status)
		}
	}
	page := k.c["boss"].Get("/recognition/equity?days=30")
	if page.Status != 200 {
		t.Fatalf("equity: %d", page.Status)
	}
	// The figures depend on who looks (only kudos the viewer may read are
	// counted), and the page says so next to them.
	for _, want := range []string{"Your reports", "Ana Ruiz", "Ben Lee", fmt.Sprintf("/kudos/new?to=%d", k.ben.ID),
		"(that you may see)", "Only kudos you may see are counted"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("equity page lacks %q", want)
		}
	}
	if strings.Contains(page.Body, "Carl Day</a></td>") {
		t.Error("someone outside the manager's reports is listed as a member")
	}
	if r := k.c["ana"].Get("/recognition/equity"); r.Status != 403 {
		t.Errorf("an employee opened equity: %d", r.Status)
	}
}

func TestWebhookAddressIsNeverShownBackAndPublicKudosAreQueued(t *testing.T) {
	k := newCrew(t)
	adm := k.ta.F.Person(t, k.org, testfx.PersonOpts{Role: core.RoleAdmin})
	c := k.ta.Client(t)
	c.SignIn(adm.Email, testfx.Password)
	secret := "https://hooks.example.com/services/T000/B000/verysecrettoken42"
	if r := c.Post("/admin/webhooks", url.Values{"team_id": {itoa(k.atlas)}, "url": {"javascript:alert(1)"}}); r.Status != 422 || !strings.Contains(r.Body, `id="f-url-error"`) {
		t.Fatalf("bad address: %d", r.Status)
	}
	if r := c.Post("/admin/webhooks", url.Values{"team_id": {itoa(k.atlas)}, "url": {secret}}); r.Status != 303 {
		t.Fatalf("save: %d %s", r.Status, r.Body)
	}
	page := c.Get("/admin/webhooks")
	if strings.Contains(page.Body, "verysecrettoken42") || !strings.Contains(page.Body, "hooks.example.com") {
		t.Fatal("the webhook address is shown back in full, or not at all")
	}
	// A public kudo to Carl (on Atlas) queues exactly one delivery job, in the
	// kudo's own transaction; a recipients-only one queues none.
	jobs := func() int {
		return k.ta.F.Count(t, `SELECT count(*) FROM river.river_job WHERE args->>'kudo_id' IN (SELECT id::text FROM kudos WHERE org_id = $1)`, k.org)
	}
	before := jobs()
	k.post("ana", good(k.carl))
	f := good(k.carl)
	f.Set("visibility", "recipients")
	k.post("ana", f)
	if got := jobs() - before; got != 1 {
		t.Fatalf("%d delivery jobs queued, want 1", got)
	}
}

// The equity page lists a large group 50 people at a time, least recognised
// first, while its figures cover everyone; a page past the last shows the
// last.
func TestEquityPagesItsPeopleLeastRecognisedFirst(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Many")
	n := testfx.Next()
	boss := ta.F.Person(t, org, testfx.PersonOpts{Name: "Bo Boss", Email: fmt.Sprintf("bo%d@many.example", n), Role: core.RoleManager})
	var reports []testfx.Person
	for i := range 55 {
		reports = append(reports, ta.F.Person(t, org, testfx.PersonOpts{Name: fmt.Sprintf("Report %02d", i),
			Email: fmt.Sprintf("r%02d.%d@many.example", i, n), ManagerID: boss.ID}))
	}
	// Report 54 receives three kudos, Report 53 two, Report 52 one; the
	// rest none.
	for i, times := range map[int]int{54: 3, 53: 2, 52: 1} {
		for range times {
			ta.F.Kudo(t, org, reports[0].ID, []int64{reports[i].ID}, "org", nil)
		}
	}
	c := ta.Client(t)
	c.SignIn(boss.Email, testfx.Password)
	rowsOf := func(r testapp.Response) []string {
		var names []string
		mustDoc(t, r.Body).Find("table.eq-table tbody tr th a").Each(func(_ int, s *goquery.Selection) {
			names = append(names, s.Text())
		})
		return names
	}
	first := c.Get("/recognition/equity?days=30")
	if first.Status != 200 {
		t.Fatalf("page 1: %d", first.Status)
	}
	names := rowsOf(first)
	if len(names) != 50 || names[0] != "Report 01" || names[49] != "Report 50" {
		t.Fatalf("page 1 lists %d people, %v … (want Report 01 to Report 50: nobody received anything, and Report 00 gave)", len(names), names)
	}
	if !strings.Contains(first.Body, "1–50 of 55 people") || !strings.Contains(first.Body, "page=2") || !strings.Contains(first.Body, "Page 1 of 2") {
		t.Error("page 1 does not say which people it shows or link to the next page")
	}
	if !strings.Contains(first.Body, ">6</p>") {
		t.Error("the total of kudos received does not cover the whole group")
	}
	second := c.Get("/recognition/equity?days=30&page=2")
	if got, want := rowsOf(second), []string{"Report 51", "Report 00", "Report 52", "Report 53", "Report 54"}; !slices.Equal(got, want) {
		t.Fatalf("page 2 lists %v, want %v", got, want)
	}
	if !strings.Contains(second.Body, "51–55 of 55 people") || strings.Contains(second.Body, `rel="next"`) {
		t.Error("page 2 has the wrong range or a next link")
	}
	if beyond := c.Get("/recognition/equity?days=30&page=9"); !slices.Equal(rowsOf(beyond), rowsOf(second)) {
		t.Error("a page past the last does not show the last")
	}
}
