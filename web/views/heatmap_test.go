package views

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"rapport/internal/core"
	"rapport/internal/oneonone"
)

// hmFixture is a team of people with weekly and biweekly 1:1s over the
// given number of weeks ending on Wednesday 4 Mar 2026, with a little of
// everything: held, cancelled, rescheduled, missed, gaps, a pause, a late
// start and an ended series.
func hmFixture(people, weeks int) oneonone.Heatmap {
	names := []string{"Ana Ruiz", "Sam Lee", "Marco Bianchi", "Alexandra Montgomery-Smith", "Lu Chen",
		"Kim Park", "Oluwaseun Adebayo-Okonkwo", "Jo Fox", "Priya Raghunathan", "Tomás Ødegaard",
		"Bartholomew-Maximilian", "Mia Wong"}
	now := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	to := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
	from := to.AddDate(0, 0, -7*weeks+1)
	var series []oneonone.Series
	var marks []oneonone.Mark
	pauses := map[int64][]oneonone.Interval{}
	for i := 0; i < people; i++ {
		id := int64(i + 1)
		s := oneonone.Series{ID: id, ReportID: 100 + id, ReportName: names[i%len(names)], Cadence: oneonone.Weekly,
			Weekday: time.Weekday(1 + i%5), Hour: 10, TimeZone: "UTC", StartsOn: from.AddDate(0, 0, -30),
			Status: oneonone.SeriesActive}
		switch i % 6 {
		case 1:
			s.Cadence = oneonone.Biweekly
		case 3:
			s.StartsOn = from.AddDate(0, 0, 7*weeks/3) // started a third of the way in
		case 5:
			pauses[id] = []oneonone.Interval{{From: from.AddDate(0, 0, 7*weeks/2), Until: from.AddDate(0, 0, 7*weeks/2+21)}}
		}
		if i == 7 {
			end := from.AddDate(0, 0, 7*weeks*3/4)
			s.EndedAt = &end
			s.Status = oneonone.SeriesEnded
		}
		series = append(series, s)
		for k, t := range s.Rule().Occurrences(from, now) {
			var st oneonone.MeetingStatus
			switch r := (k*7 + i*3) % 23; {
			case r < 15 || (i == 0 && r != 16):
				st = oneonone.Held
			case r < 17:
				st = oneonone.Cancelled
			case r < 18:
				st = oneonone.Rescheduled
			case r < 20 && i%4 == 2:
				st = oneonone.Missed
			default:
				continue // nothing recorded
			}
			marks = append(marks, oneonone.Mark{SeriesID: id, At: t, Status: st})
			if st == oneonone.Rescheduled && k%2 == 0 {
				marks = append(marks, oneonone.Mark{SeriesID: id, At: t.AddDate(0, 0, 1), Status: oneonone.Held})
			}
		}
	}
	return oneonone.BuildHeatmap(series, marks, pauses, from, to, now)
}

func hmProps(m oneonone.Heatmap) HeatmapProps {
	return HeatmapProps{Map: m, Caption: "1:1s by week, last 26 weeks",
		PersonURL: func(id int64) string { return "/people/" + strconv.FormatInt(id, 10) }}
}

func TestHeatmapRendersOneCellPerPersonWeek(t *testing.T) {
	m := hmFixture(12, 26)
	if len(m.Weeks) != 26 && len(m.Weeks) != 27 {
		t.Fatalf("fixture weeks: %d", len(m.Weeks))
	}
	doc, html := render(t, Heatmap(hmProps(m)))
	checkCSPSafe(t, doc, html)

	svg := doc.Find("svg.hm-svg")
	if svg.Length() != 1 {
		t.Fatalf("svgs: %d", svg.Length())
	}
	// The picture is for the eye: screen readers get the table after it
	// (a role=img around the name links would nest interactive content).
	if h, _ := svg.Attr("aria-hidden"); h != "true" {
		t.Errorf("svg aria-hidden %q, want true", h)
	}
	if w, _ := svg.Attr("width"); w != "100%" {
		t.Errorf("svg width %q", w)
	}
	if vb, _ := svg.Attr("viewBox"); !regexp.MustCompile(`^0 0 \d+ [\d.]+$`).MatchString(vb) {
		t.Errorf("viewBox %q", vb)
	}
	// The scrolling group's aria-labelledby names the visible caption (and
	// a summary), both present.
	ids := strings.Fields(doc.Find(".hm-scroll").AttrOr("aria-labelledby", ""))
	if len(ids) == 0 {
		t.Fatal("the heatmap group has no aria-labelledby")
	}
	if c := doc.Find("figcaption#" + ids[0]); c.Length() != 1 || strings.TrimSpace(c.Text()) != "1:1s by week, last 26 weeks" {
		t.Errorf("caption %q not found", ids[0])
	}
	for _, id := range ids {
		if doc.Find("#"+id).Length() != 1 {
			t.Errorf("aria-labelledby points at missing #%s", id)
		}
	}

	if rows := svg.Find("g.hm-row"); rows.Length() != 12 {
		t.Errorf("rows: %d", rows.Length())
	}
	cells := svg.Find("g.hm-cell")
	if want := 12 * len(m.Weeks); cells.Length() != want {
		t.Errorf("cells: %d, want %d", cells.Length(), want)
	}
	cells.Each(func(i int, c *goquery.Selection) {
		if c.ChildrenFiltered("title").Length() != 1 {
			t.Errorf("cell %d has no title", i)
		}
	})

	// Each cell's title names the person, the week and the state.
	row := m.Rows[0]
	first := svg.Find("g.hm-row").First().Find("g.hm-cell title")
	for i, c := range row.Cells {
		want := row.Series.ReportName + " · week of " + c.WeekStart.Format("2 Jan 2006") + ": "
		got := first.Eq(i).Text()
		if !strings.HasPrefix(got, want) {
			t.Errorf("title %d: %q, want prefix %q", i, got, want)
		}
		cls := first.Eq(i).Parent().AttrOr("class", "")
		if !strings.Contains(cls, "hm-"+string(c.State)) {
			t.Errorf("cell %d class %q, state %s", i, cls, c.State)
		}
	}
	if !strings.Contains(html, ": held") || !strings.Contains(html, ": cancelled") {
		t.Errorf("titles lack states")
	}

	// Held/expected at the end of each row.
	totals := svg.Find("text.hm-total")
	if totals.Length() != 12 {
		t.Fatalf("totals: %d", totals.Length())
	}
	for i, r := range m.Rows {
		want := strconv.Itoa(r.Held) + "/" + strconv.Itoa(r.Expected)
		if got := strings.TrimSpace(totals.Eq(i).Contents().Not("title").Text()); got != want {
			t.Errorf("row %d total %q, want %q", i, got, want)
		}
	}

	// Long names are shortened in the chart, in full in the tooltip.
	names := svg.Find("text.hm-name")
	if got := strings.TrimSpace(names.Eq(3).Contents().Not("title").Text()); got != "Alexandra M." {
		t.Errorf("short name %q", got)
	}
	if got := names.Eq(3).Find("title").Text(); !strings.HasPrefix(got, "Alexandra Montgomery-Smith · ") {
		t.Errorf("name title %q", got)
	}
	if got := strings.TrimSpace(names.Eq(10).Contents().Not("title").Text()); got != "Bartholomew-Maximil…" {
		t.Errorf("cut name %q", got)
	}
	// Names in the chart are for the mouse only; the table has the links.
	svg.Find("a").Each(func(_ int, a *goquery.Selection) {
		if a.AttrOr("tabindex", "") != "-1" {
			t.Errorf("focusable link inside the image")
		}
	})

	if doc.Find("ul.hm-legend li").Length() != 7 {
		t.Errorf("legend entries: %d", doc.Find("ul.hm-legend li").Length())
	}
}

func TestHeatmapTextAlternative(t *testing.T) {
	m := hmFixture(12, 26)
	doc, _ := render(t, Heatmap(hmProps(m)))
	table := doc.Find("table.sr-only")
	if table.Length() != 1 {
		t.Fatalf("sr-only tables: %d", table.Length())
	}
	if n := table.Find("thead th").Length(); n != 4 {
		t.Errorf("columns: %d (a summary by person, not one per week)", n)
	}
	rows := table.Find("tbody tr")
	if rows.Length() != 12 {
		t.Fatalf("rows: %d", rows.Length())
	}
	for i, r := range m.Rows {
		tr := rows.Eq(i)
		th := tr.Find("th[scope=row]")
		if strings.TrimSpace(th.Text()) != r.Series.ReportName {
			t.Errorf("row %d person %q", i, th.Text())
		}
		if href := th.Find("a").AttrOr("href", ""); href != "/people/"+strconv.FormatInt(r.Series.ReportID, 10) {
			t.Errorf("row %d link %q", i, href)
		}
		held := strings.TrimSpace(tr.Find("td").Eq(0).Text())
		if r.Expected > 0 && !strings.HasPrefix(held, strconv.Itoa(r.Held)+" of "+strconv.Itoa(r.Expected)+" expected 1:1s held (") {
			t.Errorf("row %d held %q", i, held)
		}
	}
	// A row with cancelled weeks lists them by date.
	found := false
	rows.Each(func(_ int, tr *goquery.Selection) {
		if txt := tr.Find("td").Eq(2).Text(); strings.Contains(txt, "Cancelled: week") {
			found = true
			if !regexp.MustCompile(`Cancelled: weeks? of \d{1,2} [A-Z][a-z]{2}`).MatchString(txt) {
				t.Errorf("cancelled weeks %q", txt)
			}
		}
	})
	if !found {
		t.Errorf("no row lists its cancelled weeks")
	}
}

func TestHeatmapTextRuns(t *testing.T) {
	w := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }
	cells := []oneonone.HeatCell{
		{WeekStart: w(2), State: oneonone.CellCancelled},
		{WeekStart: w(9), State: oneonone.CellHeld},
		{WeekStart: w(16), State: oneonone.CellExpected},
		{WeekStart: w(23), State: oneonone.CellExpected},
		{WeekStart: w(30), State: oneonone.CellExpected},
	}
	cells = append(cells, oneonone.HeatCell{WeekStart: w(30).AddDate(0, 0, 7), State: oneonone.CellCancelled})
	r := oneonone.HeatRow{Cells: cells, Held: 1, Expected: 6}
	got := strings.Join(hmGaps(r, false), " ")
	want := "Nothing recorded: weeks of 16 Mar to 30 Mar. Cancelled: weeks of 2 Mar and 6 Apr."
	if got != want {
		t.Errorf("gaps %q\nwant %q", got, want)
	}
	if got := hmLastHeld(r, false); got != "Week of 9 Mar" {
		t.Errorf("last held %q", got)
	}
	if got := hmHeldText(r); got != "1 of 6 expected 1:1s held (17 %)" {
		t.Errorf("held %q", got)
	}
	if got := hmTotal(oneonone.HeatRow{}); got != "–" {
		t.Errorf("no expected: %q", got)
	}
}

func TestHeatmapSizesForThePeriod(t *testing.T) {
	// A year's 53 weeks keep columns of at least 14 units; short periods get
	// bigger squares but never a chart wider than the widest class.
	for _, weeks := range []int{5, 14, 27, 53} {
		g := hmLayout(weeks, 8)
		if g.Col < 14 || g.Cell < 11 || g.Col > hmMaxCol {
			t.Errorf("%d weeks: column %.1f, cell %.1f", weeks, g.Col, g.Cell)
		}
		if g.TotalX > g.W {
			t.Errorf("%d weeks: totals at %.1f outside %v", weeks, g.TotalX, g.W)
		}
	}
	doc, _ := render(t, Heatmap(HeatmapProps{Map: hmFixture(3, 53), Caption: "Year"}))
	if n := doc.Find("g.hm-cell").Length(); n != 3*54 && n != 3*53 {
		t.Errorf("year cells: %d", n)
	}
	if doc.Find("svg a").Length() != 0 || doc.Find("table a").Length() != 0 {
		t.Errorf("links without PersonURL")
	}
}

func TestHeatmapEmpty(t *testing.T) {
	doc, html := render(t, Heatmap(HeatmapProps{Caption: "1:1s by week"}))
	checkCSPSafe(t, doc, html)
	if doc.Find("svg").Length() != 0 || doc.Find("figcaption").Length() != 1 {
		t.Errorf("empty heatmap: %s", html)
	}
}

// TestHeatmapPreview writes a full page with the heatmap to the file named
// by HEATMAP_PREVIEW, styled by the app.css of this checkout, to look at in
// a browser. It is skipped unless that variable is set.
func TestHeatmapPreview(t *testing.T) {
	out := os.Getenv("HEATMAP_PREVIEW")
	if out == "" {
		t.Skip("set HEATMAP_PREVIEW=/tmp/hm.html to write a preview page")
	}
	mgr := &core.Actor{UserID: 1, OrgID: 1, Role: core.RoleManager, Name: "Marco Bianchi", Email: "marco@example.com"}
	weeks, _ := strconv.Atoi(os.Getenv("HEATMAP_WEEKS"))
	if weeks == 0 {
		weeks = 26
	}
	body := `<div class="page-header"><div><h1>Check-in patterns</h1><p>My team (12)</p></div></div>` +
		`<section class="card"><h2>Heatmap</h2>`
	var buf bytes.Buffer
	if err := Heatmap(hmProps(hmFixture(12, weeks))).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	page := withChildren(Page(Layout{Title: "Check-in patterns", Actor: mgr, OrgName: "Acme", Nav: "home"}),
		body+buf.String()+`</section>`)
	var pb bytes.Buffer
	if err := page.Render(context.Background(), &pb); err != nil {
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

func TestHeatmapMonthLabels(t *testing.T) {
	mon := func(m time.Month, d int) time.Time { return time.Date(2025, m, d, 0, 0, 0, 0, time.UTC) }
	// The first column's month has one week only: its label would crowd the
	// next, so the year moves to the next label.
	weeks := []time.Time{mon(2, 24), mon(3, 3), mon(3, 10), mon(3, 17), mon(3, 24), mon(3, 31), mon(4, 7)}
	var got []string
	for _, m := range hmMonths(weeks, hmLayout(53, 1)) {
		got = append(got, m.Label)
	}
	if strings.Join(got, ",") != "Mar 2025,Apr" {
		t.Errorf("labels %v", got)
	}
	got = nil
	weeks = []time.Time{mon(12, 1), mon(12, 8), mon(12, 15), mon(12, 22), mon(12, 29), mon(12, 29).AddDate(0, 0, 7)}
	for _, m := range hmMonths(weeks, hmLayout(6, 1)) {
		got = append(got, m.Label)
	}
	if strings.Join(got, ",") != "Dec 2025,Jan 2026" {
		t.Errorf("labels %v", got)
	}
}
