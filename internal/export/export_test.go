package export

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestSafeNeutralisesFormulaAndCommandCells(t *testing.T) {
	for in, want := range map[string]string{
		"=SUM(A1:A9)":        "'=SUM(A1:A9)",
		"+1 555":             "'+1 555",
		"-2+3":               "'-2+3",
		"@cmd":               "'@cmd",
		"\tlead":             "'\tlead",
		"\rlead":             "'\rlead",
		"Ana Ruiz":           "Ana Ruiz",
		"":                   "",
		"a=b":                "a=b",
		"'already":           "'already",
		"Zoë = a role model": "Zoë = a role model",
		"=HYPERLINK(\"x\")":  "'=HYPERLINK(\"x\")",
	} {
		if got := Safe(in); got != want {
			t.Errorf("Safe(%q) = %q, want %q", in, got, want)
		}
	}
}

// sampleRows are rows with the values that break naive writers.
func sampleRows(n int) []Row {
	texts := []string{
		"Plain", "Comma, inside", `Quote "inside"`, "Line\nbreak", "=1+1", "+49 30 1234", "-minus", "@mention",
		"\ttab first", "\rCR first", "Zoë Łukasz-Ñúñez", "日本語のコメント", "emoji 👏 ok", "",
	}
	rows := make([]Row, n)
	for i := range rows {
		t := func(k int) string { return texts[(i+k)%len(texts)] }
		rows[i] = Row{
			PersonID: int64(i/10 + 1), Person: t(0), Email: fmt.Sprintf("p%d@example.com", i/10), Team: t(1), Manager: t(2),
			CompetencyID: int64(i%10 + 1), Group: "Building blocks", Competency: t(3),
			SelfRating: i % 5, SelfComment: t(4), ManagerRating: (i + 2) % 5, ManagerComment: t(5),
			State: []string{"draft", "self_submitted", "manager_submitted", "acknowledged", "finalised"}[i%5],
			Cues: Cues{Contact: Ratio{i % 7, 6}, FollowThrough: Ratio{1, 3}, Communication: Ratio{0, 0},
				PointsAdded: i, CrossTeamKudos: 2, OutsideContacts: 3},
			Evidence: i % 4,
		}
	}
	return rows
}

func writeCSV(t *testing.T, rows []Row) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.WriteRow(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// readCSV parses an export with encoding/csv, dropping the byte order mark.
func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\ufeff")) {
		t.Fatal("CSV does not start with a UTF-8 byte order mark")
	}
	recs, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v", err)
	}
	return recs
}

func TestCSVRoundTripsEveryValue(t *testing.T) {
	rows := sampleRows(1234) // more than one flush
	recs := readCSV(t, writeCSV(t, rows))
	if len(recs) != len(rows)+1 {
		t.Fatalf("%d records, want %d", len(recs), len(rows)+1)
	}
	if !reflect.DeepEqual(recs[0], Header) {
		t.Fatalf("header %v", recs[0])
	}
	for i, r := range rows {
		if want := r.Strings(); !reflect.DeepEqual(recs[i+1], want) {
			t.Fatalf("row %d:\n got %q\nwant %q", i, recs[i+1], want)
		}
	}
	// Spot checks of the values themselves.
	first := recs[1]
	if first[0] != "Plain" || first[3] != `Quote "inside"` || first[6] != "" || first[8] != "2" || first[11] != "0" || first[13] != "" ||
		first[14] != "0 talking points, 2 cross-team kudos, 3 outside contacts" || first[10] != "Not started" {
		t.Errorf("first row: %q", first)
	}
	for _, rec := range recs[1:] {
		for j, cell := range rec {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Fatalf("cell %d %q starts with a formula character", j, cell)
			}
		}
	}
}

func TestXLSXHoldsTheSameCellsAsTheCSV(t *testing.T) {
	rows := sampleRows(1500)
	var buf bytes.Buffer
	x, err := NewXLSX(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := x.WriteRow(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("workbook does not open: %v", err)
	}
	defer f.Close()
	got, err := f.GetRows(sheetName)
	if err != nil {
		t.Fatal(err)
	}
	want := readCSV(t, writeCSV(t, rows))
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for i := range want {
		g := append(got[i], make([]string, len(want[i])-len(got[i]))...) // GetRows trims trailing empty cells
		if !reflect.DeepEqual(g, want[i]) {
			t.Fatalf("row %d:\n got %q\nwant %q", i, g, want[i])
		}
	}
	// Ratings are numbers, not text.
	if typ, _ := f.GetCellType(sheetName, "I2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("manager rating cell type %v, want a number", typ)
	}
}

func TestContentDispositionIsASCIIWithAnExactUTF8Name(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"2026 H2 reviews", `attachment; filename="2026-H2-reviews.csv"; filename*=UTF-8''2026%20H2%20reviews.csv`},
		{"Zoë Łukasz — packet", `attachment; filename="Zoe-Lukasz-packet.csv"; filename*=UTF-8''Zo%C3%AB%20%C5%81ukasz%20%E2%80%94%20packet.csv`},
		{`../../etc/"passwd"`, `attachment; filename="etc-passwd.csv"; filename*=UTF-8''..-..-etc--passwd-.csv`},
		{"日本", `attachment; filename="export.csv"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.csv`},
		{"a\r\nb", `attachment; filename="a-b.csv"; filename*=UTF-8''a--b.csv`},
	} {
		got := ContentDisposition(c.name, ".csv")
		if got != c.want {
			t.Errorf("ContentDisposition(%q)\n got %s\nwant %s", c.name, got, c.want)
		}
		for _, r := range got {
			if r > 126 || r < 32 {
				t.Errorf("%q: header has a non-ASCII or control character", got)
			}
		}
	}
}

// A writer error stops the export instead of being lost.
func TestCSVReportsWriteErrors(t *testing.T) {
	w, err := NewCSV(failAfter{n: 10})
	if err == nil {
		for _, r := range sampleRows(2000) {
			if err = w.WriteRow(r); err != nil {
				break
			}
		}
	}
	if err == nil {
		err = w.Close()
	}
	if err == nil {
		t.Fatal("a failing output went unnoticed")
	}
}

type failAfter struct{ n int }

func (f failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		return 0, io.ErrShortWrite
	}
	return len(p), nil
}
