package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// checkDirAuto fails unless every element of the page whose own text holds
// marker sits inside an element with dir="auto" (nearest dir wins), so a
// right-to-left sentence reads and aligns right-to-left.
func checkDirAuto(t *testing.T, c *testapp.Client, path, what, marker string) {
	t.Helper()
	r := c.Get(path)
	if r.Status != 200 {
		t.Errorf("%s: status %d", path, r.Status)
		return
	}
	found := 0
	mustDoc(t, r.Body).Find("main *").Each(func(_ int, s *goquery.Selection) {
		own := s.Contents().FilterFunction(func(_ int, n *goquery.Selection) bool { return goquery.NodeName(n) == "#text" }).Text()
		if !strings.Contains(own, marker) {
			return
		}
		found++
		if d, _ := s.Closest("[dir]").Attr("dir"); d != "auto" {
			h, _ := goquery.OuterHtml(s)
			t.Errorf("%s on %s is not marked dir=\"auto\": %.120s", what, path, h)
		}
	})
	if found == 0 {
		t.Errorf("%s on %s: %q not found", what, path, marker)
	}
}

// TestRightToLeftWritingIsShownInItsDirection: what people write — kudos,
// comments, retro cards and actions, talking points and notes — is shown
// with dir="auto", so Arabic or Hebrew reads right to left beside English.
func TestRightToLeftWritingIsShownInItsDirection(t *testing.T) {
	w := newWorld(t)
	f := w.app.F
	ctx := t.Context()
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := w.app.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	emp := w.clients[employee]

	kudo := f.Kudo(t, w.orgA, w.manager.ID, []int64{w.report.ID}, "org", nil)
	exec(`UPDATE kudos SET did = 'ساعد الفريق في الإطلاق', impact = 'وفر علينا أسبوعا كاملا' WHERE id = $1`, kudo)
	exec(`INSERT INTO kudo_comments (org_id, kudo_id, author_id, body) VALUES ($1, $2, $3, 'شكرا جزيلا')`, w.orgA, kudo, w.report.ID)
	checkDirAuto(t, emp, "/kudos", "a kudo", "ساعد الفريق")
	checkDirAuto(t, emp, "/kudos", "a kudo's impact", "وفر علينا")
	checkDirAuto(t, emp, fmt.Sprintf("/kudos/%d", kudo), "a kudo", "ساعد الفريق")
	checkDirAuto(t, emp, fmt.Sprintf("/kudos/%d", kudo), "a comment", "شكرا جزيلا")

	f.AgendaItem(t, w.orgA, w.meeting, w.report.ID, "نقطة للنقاش")
	f.Action(t, w.orgA, w.meeting, w.report.ID, "كتابة الوثيقة", "2030-01-01", nil)
	exec(`UPDATE meetings SET shared_notes = 'ملاحظات مشتركة' WHERE id = $1`, w.meeting)
	exec(`INSERT INTO private_notes (org_id, meeting_id, author_id, body) VALUES ($1, $2, $3, 'ملاحظة خاصة')`, w.orgA, w.meeting, w.report.ID)
	m := fmt.Sprintf("/meetings/%d", w.meeting)
	checkDirAuto(t, emp, m, "a talking point", "نقطة للنقاش")
	checkDirAuto(t, emp, m, "an action", "كتابة الوثيقة")
	checkDirAuto(t, emp, m, "shared notes", "ملاحظات مشتركة")
	checkDirAuto(t, emp, m, "a private note", "ملاحظة خاصة")
	checkDirAuto(t, emp, "/", "a talking point on the home page", "نقطة للنقاش")
	checkDirAuto(t, emp, "/", "an action on the home page", "كتابة الوثيقة")

	retroID, cols := f.Retro(t, w.orgA, w.team, testfx.RetroOpts{Phase: "discuss"})
	card := f.RetroCard(t, w.orgA, retroID, cols[0], w.report.ID, "بطاقة من الفريق")
	exec(`INSERT INTO retro_notes (org_id, retro_id, card_id, body) VALUES ($1, $2, $3, 'ملاحظة النقاش')`, w.orgA, retroID, card)
	f.RetroAction(t, w.orgA, retroID, w.report.ID, "تدوير مضيف الاجتماع", "2030-01-01")
	room := fmt.Sprintf("/retros/%d", retroID)
	checkDirAuto(t, emp, room, "a retro card", "بطاقة من الفريق")
	checkDirAuto(t, emp, room, "a discussion note", "ملاحظة النقاش")
	checkDirAuto(t, emp, room, "a retro action", "تدوير مضيف الاجتماع")
}
