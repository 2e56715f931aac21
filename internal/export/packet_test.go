package export

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// samplePacket has names outside Windows-1252 and long text that wraps.
func samplePacket() Packet {
	at := func(d int) time.Time { return time.Date(2026, 7, d, 10, 0, 0, 0, time.UTC) }
	return Packet{
		Org: "Acme Łódź", Cycle: "2026 H2", PeriodStart: at(1), PeriodEnd: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC),
		Person: "Zoë Łukasz-Ñúñez", Title: "Staff engineer", Email: "zoe@example.com", Team: "Atlas", Manager: "Marco Δημήτρης",
		State: "finalised", Summary: strings.Repeat("Kept a steady rhythm with partner teams and closed what was agreed. ", 6),
		AckComment: "Thanks — agreed on the next step.",
		Scale:      map[int]string{1: "Developing", 2: "Consistent", 3: "Strong", 4: "Role model"},
		Cues: Cues{Contact: Ratio{24, 26}, FollowThrough: Ratio{9, 12}, Communication: Ratio{0, 0},
			PointsAdded: 31, CrossTeamKudos: 4, OutsideContacts: 7},
		Competencies: []PacketCompetency{
			{Group: "Leader framework", Name: "Contact maintenance", Description: "Stays in touch on a steady rhythm.",
				SelfRating: 3, SelfComment: "Weekly with every report.", ManagerRating: 4, ManagerComment: "Never missed a 1:1.", Evidence: 5},
			{Group: "Building blocks", Name: "Partnerships", SelfRating: 2, Evidence: 0},
		},
		Evidence: []EvidenceItem{
			{Date: at(14), Kind: "Kudo received from Ana Ruiz", Competency: "Partnerships", Text: "Mapped who owns billing on the partner side."},
			{Date: at(21), Kind: "Observation by Marco Δημήτρης", Competency: "Contact maintenance", Text: "Brought the agenda two days early."},
		},
		Generated: time.Date(2027, 1, 10, 9, 30, 0, 0, time.UTC), GeneratedBy: "Lena Leader",
	}
}

func TestPacketPDFRendersUnicodeNamesAndDatedEvidence(t *testing.T) {
	var buf bytes.Buffer
	if err := WritePDF(&buf, samplePacket()); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.Contains(b[len(b)-32:], []byte("%%EOF")) {
		t.Fatal("not a complete PDF")
	}
	if buf.Len() > 400_000 {
		t.Errorf("packet is %d bytes: the fonts should be subset", buf.Len())
	}
	// pdftotext (poppler) reads the text back when it is installed.
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed: text not checked")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "packet.pdf")
	if err := os.WriteFile(in, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := string(out)
	for _, want := range []string{"Zoë Łukasz-Ñúñez", "Marco Δημήτρης", "2026 H2", "14 Jul 2026", "21 Jul 2026",
		"Kudo received from Ana Ruiz", "24 of 26 expected 1:1s held (92 %)", "4 · Role model", "Not rated", "Finalised"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	if os.Getenv("PACKET_PDF_OUT") != "" {
		os.WriteFile(os.Getenv("PACKET_PDF_OUT"), b, 0o644)
	}
}
