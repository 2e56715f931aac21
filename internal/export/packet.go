package export

import (
	_ "embed"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

// The packet is set in DejaVu Sans, embedded so every name prints whatever
// its script (fpdf's core fonts only know Windows-1252). DejaVu's licence
// (fonts/LICENSE) allows embedding and redistribution.
var (
	//go:embed fonts/DejaVuSans.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	fontBold []byte
)

// Packet is one person's review in a cycle, as printed.
type Packet struct {
	Org          string
	Cycle        string
	PeriodStart  time.Time
	PeriodEnd    time.Time
	Person       string
	Title        string
	Email        string
	Team         string
	Manager      string
	State        string
	Summary      string // the manager's overall summary
	AckComment   string // the person's comment on acknowledging
	Scale        map[int]string
	Cues         Cues
	Competencies []PacketCompetency
	Evidence     []EvidenceItem
	Generated    time.Time
	GeneratedBy  string
}

// PacketCompetency is one competency of the packet.
type PacketCompetency struct {
	Group          string
	Name           string
	Description    string
	SelfRating     int
	SelfComment    string
	ManagerRating  int
	ManagerComment string
	Evidence       int
}

// EvidenceItem is one dated item behind the review.
type EvidenceItem struct {
	Date       time.Time
	Kind       string // "Kudo received", "Observation", ...
	Competency string // empty when not tagged
	Text       string
}

// PeriodLabel is the cycle's period in words.
func (p Packet) PeriodLabel() string {
	return p.PeriodStart.Format("2 Jan 2006") + " – " + p.PeriodEnd.Format("2 Jan 2006")
}

// RatingLabel words a rating on the packet's scale.
func (p Packet) RatingLabel(n int) string {
	if n <= 0 {
		return "Not rated"
	}
	if l := p.Scale[n]; l != "" {
		return strconv.Itoa(n) + " · " + l
	}
	return strconv.Itoa(n)
}

// StateLabel words the review's state.
func (p Packet) StateLabel() string { return stateLabel(p.State) }

// CueLines are the four coaching cues as label and figure in words.
func (c Cues) Lines() [][2]string {
	ratio := func(r Ratio, what string) string {
		pc, ok := r.Percent()
		if !ok {
			return "Nothing to measure in the period"
		}
		return fmt.Sprintf("%d of %d %s (%d %%)", r.Num, r.Den, what, pc)
	}
	return [][2]string{
		{"Consistency in contact", ratio(c.Contact, "expected 1:1s held")},
		{"Timely follow-through", ratio(c.FollowThrough, "actions done by their due date")},
		{"Clear communication", ratio(c.Communication, "1:1s with agenda, notes and an action")},
		{"Proactive maintenance", c.Maintenance()},
	}
}

const (
	pageMargin = 18.0
	lineH      = 5.2
)

// WritePDF renders the packet as an A4 PDF.
func WritePDF(w io.Writer, p Packet) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(p.Generated)
	pdf.SetModificationDate(p.Generated)
	pdf.AddUTF8FontFromBytes("DejaVu", "", fontRegular)
	pdf.AddUTF8FontFromBytes("DejaVu", "B", fontBold)
	pdf.SetTitle("Review packet: "+p.Person+", "+p.Cycle, true)
	pdf.SetCreator("Rapport", true)
	pdf.SetMargins(pageMargin, pageMargin, pageMargin)
	pdf.SetAutoPageBreak(true, pageMargin)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("DejaVu", "", 8)
		pdf.SetTextColor(110, 110, 110)
		pdf.CellFormat(0, 4, fmt.Sprintf("%s · %s · %s · page %d", p.Person, p.Cycle, p.Org, pdf.PageNo()), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	width, _ := pdf.GetPageSize()
	text := width - 2*pageMargin

	font := func(style string, size float64) { pdf.SetFont("DejaVu", style, size) }
	ink := func() { pdf.SetTextColor(25, 25, 30) }
	muted := func() { pdf.SetTextColor(95, 95, 105) }
	para := func(s string) { pdf.MultiCell(text, lineH, s, "", "L", false) }
	heading := func(s string) {
		pdf.Ln(3)
		font("B", 12.5)
		ink()
		para(s)
		pdf.SetDrawColor(200, 200, 210)
		y := pdf.GetY()
		pdf.Line(pageMargin, y+0.5, width-pageMargin, y+0.5)
		pdf.Ln(2.5)
	}
	labelW := 42.0
	kv := func(k, v string) {
		font("B", 10)
		muted()
		pdf.CellFormat(labelW, lineH, k, "", 0, "L", false, 0, "")
		font("", 10)
		ink()
		pdf.MultiCell(text-labelW, lineH, v, "", "L", false)
	}

	// Title block.
	font("", 9.5)
	muted()
	para("Review packet · " + p.Org)
	pdf.Ln(1)
	font("B", 20)
	ink()
	pdf.MultiCell(text, 9, p.Person, "", "L", false)
	font("", 11)
	muted()
	if p.Title != "" {
		para(p.Title)
	}
	pdf.Ln(2)
	kv("Cycle", p.Cycle+" ("+p.PeriodLabel()+")")
	kv("State", p.StateLabel())
	kv("Manager", orDash(p.Manager))
	kv("Team", orDash(p.Team))
	kv("Email", p.Email)

	if strings.TrimSpace(p.Summary) != "" {
		heading("Manager's summary")
		font("", 10)
		para(p.Summary)
	}
	if strings.TrimSpace(p.AckComment) != "" {
		heading("Comment on acknowledging")
		font("", 10)
		para(p.AckComment)
	}

	heading("Coaching cues for the period")
	labelW = 56
	for _, l := range p.Cues.Lines() {
		kv(l[0], l[1])
	}
	labelW = 42

	heading("Competencies")
	for _, c := range p.Competencies {
		if pdf.GetY() > 245 {
			pdf.AddPage()
		}
		font("B", 11)
		ink()
		para(c.Name)
		font("", 8.5)
		muted()
		para(c.Group)
		if c.Description != "" {
			para(c.Description)
		}
		pdf.Ln(1)
		kv("Self-assessment", p.RatingLabel(c.SelfRating))
		if c.SelfComment != "" {
			kv("", c.SelfComment)
		}
		kv("Manager rating", p.RatingLabel(c.ManagerRating))
		if c.ManagerComment != "" {
			kv("", c.ManagerComment)
		}
		kv("Evidence", evidenceCount(c.Evidence))
		pdf.Ln(2.5)
	}

	heading("Evidence")
	if len(p.Evidence) == 0 {
		font("", 10)
		muted()
		para("Rapport found no evidence items for this period.")
	}
	for _, e := range p.Evidence {
		font("B", 9.5)
		ink()
		pdf.CellFormat(26, lineH, e.Date.Format("2 Jan 2006"), "", 0, "L", false, 0, "")
		label := e.Kind
		if e.Competency != "" {
			label += " · " + e.Competency
		}
		pdf.MultiCell(text-26, lineH, label, "", "L", false)
		if e.Text != "" {
			font("", 9.5)
			pdf.SetX(pageMargin + 26)
			pdf.MultiCell(text-26, lineH, e.Text, "", "L", false)
		}
		pdf.Ln(1)
	}

	pdf.Ln(4)
	font("", 8.5)
	muted()
	para(fmt.Sprintf("Exported %s (UTC)%s. Figures are computed by Rapport from 1:1s, actions, kudos and observations in the period; see the metrics page for definitions.",
		p.Generated.UTC().Format("2 Jan 2006 15:04"), by(p.GeneratedBy)))

	if err := pdf.Error(); err != nil {
		return fmt.Errorf("packet pdf: %w", err)
	}
	return pdf.Output(w)
}

func evidenceCount(n int) string {
	switch n {
	case 0:
		return "No items in this period"
	case 1:
		return "1 item"
	}
	return strconv.Itoa(n) + " items"
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func by(name string) string {
	if name == "" {
		return ""
	}
	return " by " + name
}
