package people

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"rapport/internal/core"
)

func testDirectory() ImportDirectory {
	return ImportDirectory{
		ExistingEmails: map[string]bool{
			"boss@example.com":    true,
			"other@elsewhere.org": true, // someone in another organisation
		},
		OrgPeopleByEmail: map[string]int64{"boss@example.com": 1},
		TeamsByName:      map[string]int64{"sales": 10},
	}
}

// rowErrors maps line number -> errors, for rows that have any.
func rowErrors(p ImportPreview) map[int][]string {
	out := map[int][]string{}
	for _, r := range p.Rows {
		if len(r.Errors) > 0 {
			out[r.Line] = r.Errors
		}
	}
	return out
}

func TestCheckImportRowRules(t *testing.T) {
	const header = "name,email,title,manager email,team,role\n"
	tests := []struct {
		name   string
		body   string         // data rows, after the header
		errors map[int]string // line -> substring of its single error; lines not listed must be clean
	}{
		{
			name: "valid rows",
			body: "Ann,ann@example.com,Engineer,boss@example.com,Sales,manager\n" +
				"Bob,bob@example.com,,ann@example.com,,\n",
		},
		{
			name:   "name missing",
			body:   ",ann@example.com,,,,\n",
			errors: map[int]string{2: "Name is missing."},
		},
		{
			name:   "name too long",
			body:   strings.Repeat("é", 201) + ",ann@example.com,,,,\n",
			errors: map[int]string{2: "Name is too long"},
		},
		{
			name: "name at the limit",
			body: strings.Repeat("é", 200) + ",ann@example.com,,,,\n",
		},
		{
			name:   "name with line break",
			body:   "\"Ann\nSmith\",ann@example.com,,,,\n",
			errors: map[int]string{2: "line break"},
		},
		{
			name:   "email missing",
			body:   "Ann,,,,,\n",
			errors: map[int]string{2: "Email is missing."},
		},
		{
			name: "email not an address",
			body: "Ann,ann.example.com,,,,\n" +
				"Bob,Bob <bob@example.com>,,,,\n" +
				"Cy,cy@localhost,,,,\n" +
				"Di,di@@example.com,,,,\n",
			errors: map[int]string{
				2: "isn't a valid email address",
				3: "isn't a valid email address",
				4: "isn't a valid email address",
				5: "isn't a valid email address",
			},
		},
		{
			name:   "email too long",
			body:   "Ann," + strings.Repeat("a", 250) + "@example.com,,,,\n",
			errors: map[int]string{2: "Email is too long"},
		},
		{
			name: "email already used in the organisation, any case",
			body: "Ann,Boss@Example.com,,,,\n" +
				"Bob,other@elsewhere.org,,,,\n",
			errors: map[int]string{
				2: "Email is already used by someone in the organisation.",
				3: "Email is already used by someone in the organisation.",
			},
		},
		{
			name: "duplicate email within the file",
			body: "Ann,ann@example.com,,,,\n" +
				"Bob,bob@example.com,,,,\n" +
				"Ann again,ANN@example.com,,,,\n" +
				"Ann thrice,ann@example.com,,,,\n",
			errors: map[int]string{
				4: "Email is already used on line 2 of this file.",
				5: "Email is already used on line 2 of this file.",
			},
		},
		{
			name:   "title too long",
			body:   "Ann,ann@example.com," + strings.Repeat("t", 201) + ",,,\n",
			errors: map[int]string{2: "Title is too long"},
		},
		{
			name: "roles",
			body: "Ann,ann@example.com,,,,Admin\n" +
				"Bob,bob@example.com,,,, LEADER \n" +
				"Cy,cy@example.com,,,,boss\n",
			errors: map[int]string{4: `Role "boss" isn't recognised`},
		},
		{
			name:   "unknown manager",
			body:   "Ann,ann@example.com,,nobody@example.com,,\n",
			errors: map[int]string{2: `Manager "nobody@example.com" isn't a person in your organisation or in this file.`},
		},
		{
			name:   "manager in another organisation is unknown",
			body:   "Ann,ann@example.com,,other@elsewhere.org,,\n",
			errors: map[int]string{2: "isn't a person in your organisation"},
		},
		{
			name: "manager in the organisation, any case",
			body: "Ann,ann@example.com,,BOSS@example.com,,\n",
		},
		{
			name: "manager defined later in the file",
			body: "Ann,ann@example.com,,bob@example.com,,\n" +
				"Bob,bob@example.com,,,,\n",
		},
		{
			name:   "own manager",
			body:   "Ann,ann@example.com,,Ann@Example.com,,\n",
			errors: map[int]string{2: "A person can't be their own manager."},
		},
		{
			name: "cycle of two",
			body: "Ann,ann@example.com,,bob@example.com,,\n" +
				"Bob,bob@example.com,,ann@example.com,,\n",
			errors: map[int]string{
				2: "Manager chain loops back to this person (lines 2 → 3 → 2).",
				3: "Manager chain loops back to this person (lines 3 → 2 → 3).",
			},
		},
		{
			name: "cycle of three, with a row hanging off it",
			body: "Ann,ann@example.com,,cy@example.com,,\n" + // line 2
				"Dee,dee@example.com,,ann@example.com,,\n" + // line 3, outside the loop
				"Bob,bob@example.com,,ann@example.com,,\n" + // line 4
				"Cy,cy@example.com,,bob@example.com,,\n", // line 5
			errors: map[int]string{
				2: "Manager chain loops back to this person (lines 2 → 5 → 4 → 2).",
				4: "Manager chain loops back to this person (lines 4 → 2 → 5 → 4).",
				5: "Manager chain loops back to this person (lines 5 → 4 → 2 → 5).",
			},
		},
		{
			name:   "team name too long",
			body:   "Ann,ann@example.com,,," + strings.Repeat("x", 101) + ",\n",
			errors: map[int]string{2: "Team name is too long"},
		},
		{
			name: "wrong number of fields",
			body: "Ann,ann@example.com,,,\n" +
				"Bob,bob@example.com,,,,,extra\n" +
				"Cy,cy@example.com,,,,,,\n", // trailing empty values are fine
			errors: map[int]string{
				2: "This row has 5 values, but the header row has 6 columns.",
				3: "This row has 7 values, but the header row has 6 columns.",
			},
		},
		{
			name: "quoted fields with commas and quotes",
			body: "\"Smith, Ann\",ann@example.com,\"VP, \"\"Sales\"\"\",,,\n",
		},
		{
			name: "blank lines are skipped",
			body: "\n\nAnn,ann@example.com,,,,\n,,,,,\n  \nBob,bob@example.com,,,,\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := CheckImport(strings.NewReader(header+tt.body), testDirectory())
			if p.FileError != "" {
				t.Fatalf("FileError = %q", p.FileError)
			}
			got := rowErrors(p)
			for line, want := range tt.errors {
				errs := got[line]
				if len(errs) != 1 || !strings.Contains(errs[0], want) {
					t.Errorf("line %d errors = %q, want one containing %q", line, errs, want)
				}
			}
			for line, errs := range got {
				if _, expected := tt.errors[line]; !expected {
					t.Errorf("line %d: unexpected errors %q", line, errs)
				}
			}
			if p.ErrorCount() != len(tt.errors) {
				t.Errorf("ErrorCount = %d, want %d", p.ErrorCount(), len(tt.errors))
			}
			if p.Valid() != (len(tt.errors) == 0) {
				t.Errorf("Valid = %v with errors %v", p.Valid(), got)
			}
		})
	}
}

func TestCheckImportFileErrors(t *testing.T) {
	tooMany := new(strings.Builder)
	tooMany.WriteString("name,email\n")
	for i := range MaxImportRows + 1 {
		fmt.Fprintf(tooMany, "P%d,p%d@example.com\n", i, i)
	}
	tests := []struct {
		name string
		file string
		want string // substring of FileError
	}{
		{"empty", "", "The file is empty."},
		{"only blank lines", "\n\r\n\n", "The file is empty."},
		{"header only", "name,email\n", "no people"},
		{"missing email column", "name,title\nAnn,Engineer\n", `The file has no "email" column.`},
		{"missing both columns", "full name,mail\nAnn,ann@example.com\n", `no "name" or "email" column`},
		{"duplicate column", "name,email,manager,manager_email\nAnn,ann@example.com,,\n", "two manager email columns"},
		{"unclosed quote", "name,email\nAnn,\"ann@example.com\nBob,bob@example.com\n", "line 2"},
		{"stray quote", "name,email\nAnn,ann@example.com\nB\"ob,bob@example.com\n", "line 3"},
		{"not UTF-8", "name,email\nJos\xe9,jose@example.com\n", "UTF-8"},
		{"too many rows", tooMany.String(), "more than 5000 people"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := CheckImport(strings.NewReader(tt.file), testDirectory())
			if !strings.Contains(p.FileError, tt.want) {
				t.Errorf("FileError = %q, want it to contain %q", p.FileError, tt.want)
			}
			if p.Rows != nil || p.Valid() {
				t.Errorf("Rows = %d, Valid = %v; want no rows and not valid", len(p.Rows), p.Valid())
			}
		})
	}
}

func TestCheckImportExactlyMaxRows(t *testing.T) {
	var b strings.Builder
	b.WriteString("name,email\n")
	for i := range MaxImportRows {
		fmt.Fprintf(&b, "P%d,p%d@example.com\n", i, i)
	}
	p := CheckImport(strings.NewReader(b.String()), testDirectory())
	if !p.Valid() || len(p.Rows) != MaxImportRows {
		t.Fatalf("Valid = %v, rows = %d, FileError = %q", p.Valid(), len(p.Rows), p.FileError)
	}
}

func TestCheckImportParsing(t *testing.T) {
	// BOM, CRLF, header in another order and case with spaces and an alias,
	// an ignored extra column, and values with surrounding spaces.
	file := "\uFEFF Email ,ROLE,Name,manager_email,Team,Notes,Title\r\n" +
		" ann@example.com ,Manager, Ann Smith ,boss@example.com, Platform ,hello,\"Lead, Backend\"\r\n" +
		"\r\n" +
		"bob@example.com,,Bob,ann@example.com,platform,,\r\n" +
		"cy@example.com,,Cy,,Sales,,\r\n" +
		"di@example.com,,Di,,Design,,\r\n"
	p := CheckImport(strings.NewReader(file), testDirectory())
	if p.FileError != "" || !p.Valid() {
		t.Fatalf("FileError = %q, errors = %v", p.FileError, rowErrors(p))
	}
	want := []ImportRow{
		{Line: 2, Name: "Ann Smith", Email: "ann@example.com", Title: "Lead, Backend", ManagerEmail: "boss@example.com", Team: "Platform", Role: core.RoleManager},
		{Line: 4, Name: "Bob", Email: "bob@example.com", ManagerEmail: "ann@example.com", Team: "platform", Role: core.RoleEmployee},
		{Line: 5, Name: "Cy", Email: "cy@example.com", Team: "Sales", Role: core.RoleEmployee},
		{Line: 6, Name: "Di", Email: "di@example.com", Team: "Design", Role: core.RoleEmployee},
	}
	if !reflect.DeepEqual(p.Rows, want) {
		t.Errorf("Rows =\n%+v\nwant\n%+v", p.Rows, want)
	}
	// "Sales" exists; "Platform" is new (first spelling wins over "platform").
	if wantTeams := []string{"Platform", "Design"}; !reflect.DeepEqual(p.NewTeams, wantTeams) {
		t.Errorf("NewTeams = %q, want %q", p.NewTeams, wantTeams)
	}
}

func TestCheckImportManagerAlias(t *testing.T) {
	p := CheckImport(strings.NewReader("NAME,EMAIL,Manager\nAnn,ann@example.com,nobody@example.com\n"), testDirectory())
	if errs := rowErrors(p)[2]; len(errs) != 1 || !strings.Contains(errs[0], "nobody@example.com") {
		t.Errorf("errors = %q, want the unknown manager reported", errs)
	}
}

func TestCheckImportSemicolons(t *testing.T) {
	p := CheckImport(strings.NewReader("name;email;team\r\n\"Smith; Ann\";ann@example.com;Ops\r\n"), testDirectory())
	if !p.Valid() || p.Rows[0].Name != "Smith; Ann" || p.Rows[0].Team != "Ops" {
		t.Errorf("preview = %+v", p)
	}
}

func TestImportOrder(t *testing.T) {
	file := "name,email,manager email\n" +
		"Ann,ann@example.com,cy@example.com\n" + // line 2, managed by Cy (line 4)
		"Bob,bob@example.com,boss@example.com\n" + // line 3, managed outside the file
		"Cy,cy@example.com,dee@example.com\n" + // line 4, managed by Dee (line 5)
		"Dee,dee@example.com,\n" + // line 5
		"Eve,eve@example.com,ann@example.com\n" // line 6, managed by Ann (line 2)
	p := CheckImport(strings.NewReader(file), testDirectory())
	if !p.Valid() {
		t.Fatalf("not valid: %q %v", p.FileError, rowErrors(p))
	}
	var lines []int
	for _, r := range p.ImportOrder() {
		lines = append(lines, r.Line)
	}
	if want := []int{5, 4, 2, 3, 6}; !reflect.DeepEqual(lines, want) {
		t.Errorf("ImportOrder lines = %v, want %v", lines, want)
	}
}

func TestImportOrderWithLoopTerminates(t *testing.T) {
	file := "name,email,manager email\n" +
		"Ann,ann@example.com,bob@example.com\n" +
		"Bob,bob@example.com,cy@example.com\n" +
		"Cy,cy@example.com,ann@example.com\n"
	p := CheckImport(strings.NewReader(file), testDirectory())
	if p.Valid() || p.ErrorCount() != 3 {
		t.Fatalf("Valid = %v, ErrorCount = %d", p.Valid(), p.ErrorCount())
	}
	if got := len(p.ImportOrder()); got != 3 {
		t.Errorf("ImportOrder returned %d rows, want 3", got)
	}
}

func TestFormatLoopShortensLongLoops(t *testing.T) {
	var b strings.Builder
	b.WriteString("name,email,manager email\n")
	const n = 12
	for i := range n {
		fmt.Fprintf(&b, "P%d,p%d@example.com,p%d@example.com\n", i, i, (i+1)%n)
	}
	p := CheckImport(strings.NewReader(b.String()), testDirectory())
	want := "Manager chain loops back to this person (lines 2 → 3 → 4 → 5 → 6 → 7 → 8 → 9 → … (12 people) → 2)."
	if got := rowErrors(p)[2]; len(got) != 1 || got[0] != want {
		t.Errorf("line 2 errors = %q, want %q", got, want)
	}
	if p.ErrorCount() != n {
		t.Errorf("ErrorCount = %d, want %d", p.ErrorCount(), n)
	}
}

func TestImportPreviewValidNeedsRows(t *testing.T) {
	if (ImportPreview{}).Valid() {
		t.Error("an empty preview must not be valid")
	}
}
