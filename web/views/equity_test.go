package views

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"rapport/internal/core"
	"rapport/internal/kudos"
)

// eqFixture is six people in three teams over 90 days, with credit
// gathering on Ana: 12 kudos received, 10 of them by the top 2 people.
func eqFixture() EquityProps {
	platform := kudos.Member{ID: 10, Name: "Platform"}
	cs := kudos.Member{ID: 20, Name: "Customer Success and Partnerships"}
	design := kudos.Member{ID: 30, Name: "Design"}
	m := func(id int64, name string, team kudos.Member) kudos.Member {
		return kudos.Member{ID: id, Name: name, TeamID: team.ID, TeamName: team.Name}
	}
	ana, sam := m(1, "Ana Ruiz", platform), m(2, "Sam Lee", platform)
	marco, lu := m(3, "Marco Bianchi", cs), m(4, "Lu Chen", cs)
	kim, jo := m(5, "Kim Park", design), m(6, "Jo Fox", design)
	day := func(mo time.Month, d int) time.Time { return time.Date(2026, mo, d, 10, 0, 0, 0, time.UTC) }
	e := kudos.Equity{
		People: []kudos.PersonCounts{
			{Member: ana, Given: 1, Received: 8, LastReceived: day(time.March, 2)},
			{Member: sam, Given: 4, Received: 2, LastReceived: day(time.February, 20)},
			{Member: lu, Given: 2, Received: 1, LastReceived: day(time.January, 3)},
			{Member: marco, Given: 3, Received: 1, LastReceived: day(time.February, 11)},
			{Member: jo, Given: 1},
			{Member: kim, Given: 1},
		},
		Total:        12,
		Cross:        5,
		TopPeople:    2,
		TopReceived:  10,
		TopShare:     10.0 / 12,
		Gini:         kudos.Gini([]int{8, 2, 1, 1, 0, 0}),
		Concentrated: true,
		NoneReceived: []kudos.Member{jo, kim},
		OneWay:       []kudos.Pair{{A: sam, B: ana, AtoB: 3}},
		Flow: kudos.TeamFlow{
			Teams: []kudos.Member{cs, design, platform},
			Counts: [][]int{
				{1, 0, 3}, // Customer Success → …
				{0, 0, 2}, // Design → …
				{1, 0, 4}, // Platform → …
			},
		},
		Nudges: []kudos.Member{jo, kim, lu},
	}
	return EquityProps{Equity: e, Scope: "Your reports", Days: 90, Members: 6}
}

func eqLayout() Layout {
	return Layout{Title: "Recognition equity", OrgName: "Acme", Nav: "checkins",
		Actor: &core.Actor{UserID: 9, OrgID: 1, Role: core.RoleManager, Name: "Marco Bianchi", Email: "marco@example.com"}}
}

func eqText(s *goquery.Selection) string { return strings.Join(strings.Fields(s.Text()), " ") }

func TestEquityPageSummaryHasMeaning(t *testing.T) {
	doc, html := render(t, EquityPage(eqLayout(), eqFixture()))
	checkCSPSafe(t, doc, html)

	head := eqText(doc.Find(".page-header"))
	for _, want := range []string{"Recognition equity", "Your reports", "6 people", "last 90 days", "how each figure is counted"} {
		if !strings.Contains(head, want) {
			t.Errorf("header %q lacks %q", head, want)
		}
	}
	if doc.Find(`.page-header a[href="/definitions#recognition-equity"]`).Length() != 1 {
		t.Error("no link to the definitions")
	}
	if doc.Find(".page-header a.btn-primary").Length() != 1 || doc.Find("main a.btn-primary").Length() != 1 {
		t.Error("want exactly one primary action, in the header")
	}
	cur := doc.Find(`nav.period a[aria-current="true"]`)
	if href, _ := cur.Attr("href"); href != "/recognition/equity?days=90" {
		t.Errorf("current period link %q", href)
	}
	if doc.Find(`nav.period a[href="/recognition/equity?days=365"]`).Length() != 1 {
		t.Error("no 365-day period link")
	}

	cards := doc.Find(".cards.summary .card.stat")
	if cards.Length() != 3 {
		t.Fatalf("%d summary cards, want 3", cards.Length())
	}
	wants := [][]string{
		{"Kudos received", "12", "to 4 of 6 people (67 %)", "5 cross-team (42 %)"},
		{"Top 20 %", "83 %", "10 of 12 kudos went to the top 2 of 6 people (83 %)", "An even spread gives 20 %"},
		{"Gini", "0.64", "0 = shared evenly, 1 = one person gets all"},
	}
	cards.Each(func(i int, c *goquery.Selection) {
		txt := eqText(c)
		if got := eqText(c.Find(".big-number")); got != wants[i][1] {
			t.Errorf("card %d big number %q, want %q", i, got, wants[i][1])
		}
		for _, w := range wants[i] {
			if !strings.Contains(txt, w) {
				t.Errorf("card %d %q lacks %q", i, txt, w)
			}
		}
	})
}

func TestEquityConcentrationWarning(t *testing.T) {
	p := eqFixture()
	doc, _ := render(t, EquityPage(eqLayout(), p))
	w := doc.Find(".flash.flash-warning.eq-concentrated")
	if w.Length() != 1 {
		t.Fatalf("concentration warning: %d", w.Length())
	}
	txt := eqText(w)
	for _, want := range []string{"Credit is concentrating on a few people", "10 of 12 kudos went to the top 2 of 6 people (83 %)", "0.64"} {
		if !strings.Contains(txt, want) {
			t.Errorf("warning %q lacks %q", txt, want)
		}
	}
	// It points at the nothing-received list, which is on the page.
	if href, _ := w.Find("a").Attr("href"); href != "#eq-none-h" || doc.Find("#eq-none-h").Length() != 1 {
		t.Errorf("warning link %q does not reach the nothing-received list", href)
	}

	p.Equity.Concentrated = false
	doc, _ = render(t, EquityPage(eqLayout(), p))
	if n := doc.Find(".flash-warning").Length(); n != 0 {
		t.Errorf("warning shown when not concentrated (%d)", n)
	}
	if strings.Contains(doc.Text(), "concentrating") {
		t.Error("concentration text without the flag")
	}
}

func TestEquityNudgesAndLists(t *testing.T) {
	doc, _ := render(t, EquityPage(eqLayout(), eqFixture()))

	nudges := doc.Find("section.eq-nudges")
	if h := eqText(nudges.Find("h2")); h != "Nobody has recognised them in 60 days" {
		t.Errorf("nudge heading %q", h)
	}
	var gives []string
	nudges.Find("a.eq-give").Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		gives = append(gives, href+" "+eqText(a))
	})
	wantGives := []string{"/kudos/new?to=6 Give kudos to Jo Fox", "/kudos/new?to=5 Give kudos to Kim Park", "/kudos/new?to=4 Give kudos to Lu Chen"}
	if strings.Join(gives, "|") != strings.Join(wantGives, "|") {
		t.Errorf("give links\n got %q\nwant %q", gives, wantGives)
	}
	nt := eqText(nudges)
	for _, want := range []string{"3 of 6 people", "never recognised", "last recognised 3 Jan 2026"} {
		if !strings.Contains(nt, want) {
			t.Errorf("nudges %q lack %q", nt, want)
		}
	}
	// The to-do list comes before the people table.
	if doc.Find("section.eq-nudges ~ section, .eq-lists ~ section").Filter("[aria-labelledby=eq-people-h]").Length() != 1 {
		t.Error("nudges should come before the people table")
	}

	none := doc.Find("section.eq-none")
	if txt := eqText(none); !strings.Contains(txt, "2 of 6 people (33 %) received no kudo in the last 90 days") ||
		none.Find(`a[href="/people/6/kudos"]`).Length() != 1 || none.Find(`a[href="/people/5/kudos"]`).Length() != 1 {
		t.Errorf("nothing-received list: %q", txt)
	}

	rows := doc.Find("table.eq-table tbody tr")
	if rows.Length() != 6 {
		t.Fatalf("%d people rows", rows.Length())
	}
	// Least recognised first: Jo and Kim received nothing and gave one
	// each (Jo first by name); Lu gave fewer than Marco; Ana, with 8, comes
	// last.
	var order []string
	rows.Each(func(_ int, r *goquery.Selection) { order = append(order, eqText(r.Find("th a"))) })
	if want := []string{"Jo Fox", "Kim Park", "Lu Chen", "Marco Bianchi", "Sam Lee", "Ana Ruiz"}; !slices.Equal(order, want) {
		t.Errorf("people order %v, want %v", order, want)
	}
	last := rows.Last()
	if href, _ := last.Find("th a").Attr("href"); href != "/people/1/kudos" {
		t.Errorf("last row link %q", href)
	}
	if got := eqText(last.Find(`td[data-label="Received"]`)); got != "8 (67 %)" {
		t.Errorf("received cell %q", got)
	}
	if got := eqText(last.Find(`td[data-label="Given"]`)); got != "1" {
		t.Errorf("given cell %q", got)
	}
	if got := eqText(last.Find(`td[data-label="Last received"]`)); got != "2 Mar 2026" {
		t.Errorf("last received %q", got)
	}
	if got := eqText(rows.First().Find(`td[data-label="Last received"]`)); got != "never" {
		t.Errorf("last received for nobody %q", got)
	}
	if n := doc.Find("table.eq-table .badge").Length(); n != 2 {
		t.Errorf("%d top-20 %% badges, want 2", n)
	}

	ow := eqText(doc.Find(".eq-oneway li"))
	if !strings.Contains(ow, "Sam Lee → Ana Ruiz: 3, Ana Ruiz → Sam Lee: 0") || !strings.Contains(ow, "Sam Lee gave Ana Ruiz 3 kudos; Ana Ruiz gave Sam Lee none back.") {
		t.Errorf("one-way pair %q", ow)
	}
}

func TestFlowMatrix(t *testing.T) {
	f := eqFixture().Equity.Flow
	doc, html := render(t, FlowMatrix(f))
	checkCSPSafe(t, doc, html)

	svg := doc.Find("svg.flow-svg")
	if svg.Length() != 1 {
		t.Fatalf("%d flow svgs", svg.Length())
	}
	if r, _ := svg.Attr("role"); r != "img" {
		t.Errorf("svg role %q", r)
	}
	ids, _ := svg.Attr("aria-labelledby")
	parts := strings.Fields(ids)
	if len(parts) != 2 {
		t.Fatalf("aria-labelledby %q", ids)
	}
	for _, id := range parts {
		if eqText(doc.Find("#"+id)) == "" {
			t.Errorf("label #%s missing or empty", id)
		}
	}
	if goquery.NodeName(doc.Find("#"+parts[0])) != "figcaption" {
		t.Errorf("first label is not the caption")
	}
	if s := eqText(doc.Find("#" + parts[1])); !strings.Contains(s, "3 teams") || !strings.Contains(s, "11 kudos between people in the group, 5 of them within a team and 6 between teams") {
		t.Errorf("summary %q", s)
	}

	cells := svg.Find("g.flow-cell")
	if cells.Length() != 9 {
		t.Fatalf("%d cells, want 3×3", cells.Length())
	}
	var shown []string
	cells.Each(func(_ int, c *goquery.Selection) { shown = append(shown, eqText(c.Find("text"))) })
	if got := strings.Join(shown, ","); got != "1,,3,,,2,1,,4" {
		t.Errorf("cell numbers %q", got)
	}
	if n := svg.Find("g.flow-cell.flow-l0").Length(); n != 4 {
		t.Errorf("%d empty cells, want 4", n)
	}
	if n := svg.Find("g.flow-diag").Length(); n != 3 {
		t.Errorf("%d diagonal cells", n)
	}
	if c := cells.Eq(2); !c.HasClass("flow-l3") || eqText(c.Find("title")) != "Customer Success and Partnerships → Platform: 3 kudos" {
		t.Errorf("cell 0,2: class %q title %q", c.AttrOr("class", ""), eqText(c.Find("title")))
	}
	if !cells.Eq(8).HasClass("flow-l4") || !cells.Eq(0).HasClass("flow-l1") {
		t.Error("shades do not follow the counts")
	}
	// Long names are cut on the axes, whole in their tooltip.
	col := svg.Find("text.flow-col").First()
	if got := eqText(col.Find("title")); got != "Customer Success and Partnerships" {
		t.Errorf("column title %q", got)
	}
	if lbl := strings.TrimSpace(strings.TrimPrefix(eqText(col), eqText(col.Find("title")))); !strings.HasSuffix(lbl, "…") || len([]rune(lbl)) > flowColMax {
		t.Errorf("column label %q not shortened", lbl)
	}
	if n := svg.Find("text.flow-col").Length(); n != 3 {
		t.Errorf("%d column labels", n)
	}

	table := doc.Find(".sr-only table.flow-table")
	if table.Length() != 1 {
		t.Fatal("no text alternative table")
	}
	var heads []string
	table.Find("thead th").Each(func(_ int, s *goquery.Selection) { heads = append(heads, eqText(s)) })
	if got := strings.Join(heads, "|"); got != "Customer Success and Partnerships|Design|Platform|Total given" {
		t.Errorf("table columns %q", got)
	}
	var rows []string
	table.Find("tbody tr, tfoot tr").Each(func(_ int, tr *goquery.Selection) {
		var cells []string
		tr.Children().Each(func(_ int, s *goquery.Selection) { cells = append(cells, eqText(s)) })
		rows = append(rows, strings.Join(cells, ","))
	})
	want := []string{"Customer Success and Partnerships,1,0,3,4", "Design,0,0,2,2", "Platform,1,0,4,5", "Total received,2,0,9,11"}
	if strings.Join(rows, "|") != strings.Join(want, "|") {
		t.Errorf("table rows\n got %q\nwant %q", rows, want)
	}
	// The chart scrolls in its own focusable box.
	if doc.Find(`.flow-scroll[tabindex="0"][role="group"]`).Length() != 1 {
		t.Error("no scroll box")
	}
}

func TestFlowMatrixWithoutTeams(t *testing.T) {
	doc, _ := render(t, FlowMatrix(kudos.TeamFlow{}))
	if doc.Find("svg").Length() != 0 || doc.Find("table").Length() != 0 {
		t.Error("chart drawn with no teams")
	}
	if !strings.Contains(doc.Text(), "Nobody in this group is on a team yet") || doc.Find(`a[href="/teams"]`).Length() != 1 {
		t.Errorf("no teaching empty state: %q", doc.Text())
	}
}

func TestFlowShades(t *testing.T) {
	for _, c := range []struct{ count, scale, want int }{
		{0, 4, 0}, {1, 4, 1}, {4, 4, 4}, {1, 7, 1}, {2, 7, 2}, {3, 7, 2}, {4, 7, 3}, {6, 7, 4}, {7, 7, 4}, {1, 100, 1},
	} {
		if got := flowLevel(c.count, c.scale); got != c.want {
			t.Errorf("flowLevel(%d, %d) = %d, want %d", c.count, c.scale, got, c.want)
		}
	}
	legend := func(counts ...int) string {
		var out []string
		for _, s := range flowLegend(kudos.TeamFlow{Teams: make([]kudos.Member, len(counts)), Counts: [][]int{counts}}) {
			out = append(out, strconv.Itoa(s.Level)+":"+s.Text)
		}
		return strings.Join(out, " ")
	}
	if got := legend(7, 1); got != "0:none 1:1 2:2–3 3:4–5 4:6–7" {
		t.Errorf("legend for max 7: %q", got)
	}
	if got := legend(2, 0); got != "0:none 1:1 2:2" {
		t.Errorf("legend for max 2: %q", got)
	}
	if got := flowShort("Customer Success and Partnerships", 14); got != "Customer…" {
		t.Errorf("flowShort: %q", got)
	}
	if got := flowShort("Infrastructureandplatform", 14); got != "Infrastructur…" {
		t.Errorf("flowShort one word: %q", got)
	}
}

func TestEquityEmptyStates(t *testing.T) {
	doc, html := render(t, EquityPage(eqLayout(), EquityProps{Scope: "Your reports", Days: 90}))
	checkCSPSafe(t, doc, html)
	empty := doc.Find(".empty")
	if empty.Length() != 1 || eqText(empty.Find("h2")) != "Nobody reports to you yet" {
		t.Fatalf("no-members empty state: %q", eqText(empty))
	}
	if doc.Find(".cards, svg.flow-svg, table, nav.period, .eq-nudges").Length() != 0 {
		t.Error("figures shown for an empty group")
	}

	doc, _ = render(t, EquityPage(eqLayout(), EquityProps{Scope: "The whole organisation", Days: 90}))
	if h := eqText(doc.Find(".empty h2")); h != "Nobody to show here yet" {
		t.Errorf("org-wide empty title %q", h)
	}

	// People but no kudos: teach, offer the first kudo, and still list
	// whom to notice.
	p := eqFixture()
	var people []kudos.PersonCounts
	for _, pc := range p.Equity.People {
		people = append(people, kudos.PersonCounts{Member: pc.Member})
	}
	p.Equity = kudos.Equity{People: people, Nudges: []kudos.Member{people[0].Member}, Flow: p.Equity.Flow}
	p.Equity.Flow.Counts = [][]int{{0, 0, 0}, {0, 0, 0}, {0, 0, 0}}
	p.Days = 30
	doc, html = render(t, EquityPage(eqLayout(), p))
	checkCSPSafe(t, doc, html)
	empty = doc.Find(".empty")
	if eqText(empty.Find("h2")) != "No kudos in the last 30 days" || empty.Find(`a.btn-primary[href="/kudos/new"]`).Length() != 1 {
		t.Errorf("no-kudos empty state: %q", eqText(empty))
	}
	if doc.Find("main a.btn-primary").Length() != 1 {
		t.Error("want one primary action")
	}
	if doc.Find(".cards").Length() != 0 || doc.Find(".flash-warning").Length() != 0 {
		t.Error("summary shown with no kudos")
	}
	if doc.Find(`.eq-nudges a[href="/kudos/new?to=1"]`).Length() != 1 {
		t.Error("nudges missing when there are no kudos")
	}
}

// TestEquityPreview writes the page, styled by the repository's CSS, for a
// look in a browser: EQUITY_PREVIEW=/tmp/eq.html go test ./web/views -run Preview
func TestEquityPreview(t *testing.T) {
	out := os.Getenv("EQUITY_PREVIEW")
	if out == "" {
		t.Skip("set EQUITY_PREVIEW=/tmp/eq.html to write a preview page")
	}
	p := eqFixture()
	switch os.Getenv("EQUITY_PREVIEW_CASE") {
	case "empty":
		p = EquityProps{Scope: "Your reports", Days: 90}
	case "nokudos":
		var people []kudos.PersonCounts
		for _, pc := range p.Equity.People {
			people = append(people, kudos.PersonCounts{Member: pc.Member})
		}
		p.Equity = kudos.Equity{People: people, Nudges: p.Equity.Nudges, Flow: p.Equity.Flow}
		p.Equity.Flow.Counts = [][]int{{0, 0, 0}, {0, 0, 0}, {0, 0, 0}}
	case "big":
		teams := []string{"Billing", "Customer Success and Partnerships", "Data", "Design", "Infrastructure", "Mobile", "Platform", "Security"}
		p.Equity.Flow = kudos.TeamFlow{}
		for i, n := range teams {
			p.Equity.Flow.Teams = append(p.Equity.Flow.Teams, kudos.Member{ID: int64(i + 1), Name: n})
			row := make([]int, len(teams))
			for j := range row {
				row[j] = (i*7 + j*3) % 11
				if (i+j)%3 == 0 {
					row[j] = 0
				}
			}
			p.Equity.Flow.Counts = append(p.Equity.Flow.Counts, row)
		}
	}
	var pb bytes.Buffer
	if err := EquityPage(eqLayout(), p).Render(context.Background(), &pb); err != nil {
		t.Fatal(err)
	}
	css, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	css = "file://" + strings.TrimSuffix(css, "/views") + "/static/app.css"
	html := regexp.MustCompile(`href="[^"]*app\.css[^"]*"`).ReplaceAllString(pb.String(), `href="`+css+`"`)
	if err := os.WriteFile(out, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
}
