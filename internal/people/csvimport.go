package people

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"rapport/internal/core"
)

// MaxImportRows is the most data rows one import file may hold.
const MaxImportRows = 5000

// Length limits, in characters, matching the database constraints.
const (
	maxNameLen     = 200
	maxEmailLen    = 254
	maxTitleLen    = 200
	maxTeamNameLen = 100
)

// ImportRow is one data row of an import file, as parsed and checked.
type ImportRow struct {
	Line         int // 1-based line number in the file (header is line 1)
	Name         string
	Email        string
	Title        string
	ManagerEmail string
	Team         string
	Role         core.Role
	// Errors holds messages for the admin, e.g. "Email is already used by
	// someone else."; it is empty when the row is fine.
	Errors []string
}

// ImportPreview is the result of checking a file.
type ImportPreview struct {
	Rows []ImportRow
	// FileError is a whole-file problem (empty file, missing required column,
	// unreadable CSV, too many rows), else "". When it is set, Rows is empty.
	FileError string
	// NewTeams lists the team names that will be created, deduplicated
	// case-insensitively (the first spelling in the file wins).
	NewTeams []string
}

// Valid reports whether nothing in the preview has an error (and there is at
// least one row).
func (p ImportPreview) Valid() bool {
	return p.FileError == "" && len(p.Rows) > 0 && p.ErrorCount() == 0
}

// ErrorCount returns how many rows have errors.
func (p ImportPreview) ErrorCount() int {
	n := 0
	for _, r := range p.Rows {
		if len(r.Errors) > 0 {
			n++
		}
	}
	return n
}

// ImportOrder returns the rows ordered so every row comes after the file row
// that is its manager (for inserting). Rows otherwise keep their file order as
// far as possible. Managers outside the file impose no ordering.
func (p ImportPreview) ImportOrder() []ImportRow {
	mgr := fileManagers(p.Rows, nil)
	out := make([]ImportRow, 0, len(p.Rows))
	const (
		unseen = iota
		pending
		done
	)
	state := make([]uint8, len(p.Rows))
	var chain []int
	for i := range p.Rows {
		// Walk up the chain of not-yet-emitted managers, then emit it top
		// down. A loop (only possible in a preview with errors) stops the walk
		// at the first repeated row.
		chain = chain[:0]
		for j := i; j >= 0 && state[j] == unseen; j = mgr[j] {
			state[j] = pending
			chain = append(chain, j)
		}
		for k := len(chain) - 1; k >= 0; k-- {
			state[chain[k]] = done
			out = append(out, p.Rows[chain[k]])
		}
	}
	return out
}

// ImportDirectory is what the check needs to know about the organisation.
type ImportDirectory struct {
	// ExistingEmails holds the lower-cased emails already used by a person of
	// the importing organisation. Other organisations' addresses are none of
	// its business.
	ExistingEmails map[string]bool
	// OrgPeopleByEmail maps lower-cased email to person id, for active people
	// in the importing organisation (possible managers).
	OrgPeopleByEmail map[string]int64
	// TeamsByName maps lower-cased team name to its id in the organisation.
	TeamsByName map[string]int64
}

// Import file columns.
const (
	colName = iota
	colEmail
	colTitle
	colManager
	colTeam
	colRole
	numCols
)

// columnNames maps a normalised header to its column.
var columnNames = map[string]int{
	"name":          colName,
	"email":         colEmail,
	"title":         colTitle,
	"manager email": colManager,
	"manager":       colManager,
	"team":          colTeam,
	"role":          colRole,
}

// columnLabels names each column in messages.
var columnLabels = [numCols]string{"name", "email", "title", "manager email", "team", "role"}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// CheckImport reads the CSV (max MaxImportRows data rows) and validates every
// row against the directory and the other rows. The caller should bound the
// size of r (for an upload, with http.MaxBytesReader).
func CheckImport(r io.Reader, dir ImportDirectory) ImportPreview {
	rows, shapeOK, fileErr := readImport(r)
	if fileErr != "" {
		return ImportPreview{FileError: fileErr}
	}

	// Row checks that need only the row, plus duplicate emails.
	firstLine := map[string]int{} // lower-cased email -> line of its first row
	for i := range rows {
		if !shapeOK[i] {
			continue
		}
		checkRowFields(&rows[i])
		row := &rows[i]
		key := strings.ToLower(row.Email)
		if key == "" {
			continue
		}
		if dir.ExistingEmails[key] {
			row.addError("Email is already used by someone in the organisation.")
		} else if line, dup := firstLine[key]; dup {
			row.addError(fmt.Sprintf("Email is already used on line %d of this file.", line))
		}
		if _, seen := firstLine[key]; !seen {
			firstLine[key] = row.Line
		}
	}

	// Managers, which may be defined anywhere in the file.
	mgr := fileManagers(rows, shapeOK)
	for i := range rows {
		row := &rows[i]
		if !shapeOK[i] || row.ManagerEmail == "" {
			continue
		}
		key := strings.ToLower(row.ManagerEmail)
		_, inOrg := dir.OrgPeopleByEmail[key]
		switch {
		case key == strings.ToLower(row.Email):
			row.addError("A person can't be their own manager.")
		case mgr[i] >= 0 || inOrg:
			// Known manager.
		default:
			row.addError(fmt.Sprintf("Manager %q isn't a person in your organisation or in this file.", row.ManagerEmail))
		}
	}
	for i, loop := range managerLoops(mgr) {
		if loop != nil {
			rows[i].addError(fmt.Sprintf("Manager chain loops back to this person (%s).", formatLoop(rows, loop)))
		}
	}

	// Teams to create.
	var newTeams []string
	seenTeams := map[string]bool{}
	for i, row := range rows {
		if !shapeOK[i] || row.Team == "" || !validText(row.Team, maxTeamNameLen) {
			continue
		}
		key := strings.ToLower(row.Team)
		if _, exists := dir.TeamsByName[key]; exists || seenTeams[key] {
			continue
		}
		seenTeams[key] = true
		newTeams = append(newTeams, row.Team)
	}

	return ImportPreview{Rows: rows, NewTeams: newTeams}
}

// readImport parses the file into rows. shapeOK[i] is false when row i has the
// wrong number of values (its only error), in which case its fields are not
// trustworthy and take no part in the cross-row checks.
func readImport(r io.Reader) (rows []ImportRow, shapeOK []bool, fileErr string) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(64 << 10) // short reads are fine; errors resurface below
	if bytes.HasPrefix(head, utf8BOM) {
		head = head[len(utf8BOM):]
		_, _ = br.Discard(len(utf8BOM))
	}

	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.Comma = sniffSeparator(head)

	var (
		columns [numCols]int // column -> field index, or -1
		width   int          // number of fields in the header
		haveHdr bool
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, csvErrorMessage(err)
		}
		if blankRecord(rec) {
			continue
		}
		line, _ := cr.FieldPos(0)
		for _, f := range rec {
			if !utf8.ValidString(f) {
				return nil, nil, fmt.Sprintf("Line %d has characters that can't be read, so the file doesn't seem to be saved as UTF-8 text. "+
					"In your spreadsheet, save it as \"CSV UTF-8\" and upload it again.", line)
			}
		}

		if !haveHdr {
			haveHdr = true
			width = len(rec)
			if msg := mapColumns(rec, &columns); msg != "" {
				return nil, nil, msg
			}
			continue
		}

		if len(rows) == MaxImportRows {
			return nil, nil, fmt.Sprintf("The file has more than %d people in it. Please split it into files of at most %d people each.", MaxImportRows, MaxImportRows)
		}
		row, ok := parseRow(rec, line, width, &columns)
		rows = append(rows, row)
		shapeOK = append(shapeOK, ok)
	}

	switch {
	case !haveHdr:
		return nil, nil, "The file is empty."
	case len(rows) == 0:
		return nil, nil, "The file has a header row but no people below it."
	}
	return rows, shapeOK, ""
}

// sniffSeparator returns ';' when the first line of the file uses semicolons
// and no commas (as spreadsheets do in some locales), else ','.
func sniffSeparator(head []byte) rune {
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	if bytes.IndexByte(head, ',') < 0 && bytes.IndexByte(head, ';') >= 0 {
		return ';'
	}
	return ','
}

// mapColumns fills columns from the header record, or explains what is wrong.
func mapColumns(header []string, columns *[numCols]int) string {
	for c := range columns {
		columns[c] = -1
	}
	for i, h := range header {
		norm := strings.Join(strings.Fields(strings.ReplaceAll(strings.ToLower(h), "_", " ")), " ")
		c, ok := columnNames[norm]
		if !ok {
			continue // other columns are ignored
		}
		if prev := columns[c]; prev >= 0 {
			return fmt.Sprintf("The file has two %s columns (%q and %q). Please keep only one.",
				columnLabels[c], strings.TrimSpace(header[prev]), strings.TrimSpace(h))
		}
		columns[c] = i
	}
	var missing []string
	for _, c := range []int{colName, colEmail} {
		if columns[c] < 0 {
			missing = append(missing, fmt.Sprintf("%q", columnLabels[c]))
		}
	}
	if len(missing) == 0 {
		return ""
	}
	return fmt.Sprintf("The file has no %s column. The first row must name the columns, for example: name, email, title, manager email, team, role.",
		strings.Join(missing, " or "))
}

// parseRow builds the row for one record. It reports false when the record's
// shape doesn't match the header; extra empty values at the end of a record
// (left by some spreadsheets) are allowed.
func parseRow(rec []string, line, width int, columns *[numCols]int) (ImportRow, bool) {
	row := ImportRow{Line: line}
	get := func(c int) string {
		if i := columns[c]; i >= 0 && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	row.Name = get(colName)
	row.Email = get(colEmail)
	row.Title = get(colTitle)
	row.ManagerEmail = get(colManager)
	row.Team = get(colTeam)
	row.Role = core.Role(get(colRole))

	ok := len(rec) == width
	if len(rec) > width && blankRecord(rec[width:]) {
		ok = true
	}
	if !ok {
		row.addError(fmt.Sprintf("This row has %s, but the header row has %s. "+
			"Check for missing or extra commas (a value that contains a comma must be in double quotes).",
			plural(len(rec), "value"), plural(width, "column")))
	}
	return row, ok
}

// checkRowFields checks the row's own values and normalises its role.
func checkRowFields(row *ImportRow) {
	switch {
	case row.Name == "":
		row.addError("Name is missing.")
	case utf8.RuneCountInString(row.Name) > maxNameLen:
		row.addError(fmt.Sprintf("Name is too long (at most %d characters).", maxNameLen))
	case hasControl(row.Name):
		row.addError("Name contains a line break or another hidden character.")
	}

	switch {
	case row.Email == "":
		row.addError("Email is missing.")
	case utf8.RuneCountInString(row.Email) > maxEmailLen:
		row.addError(fmt.Sprintf("Email is too long (at most %d characters).", maxEmailLen))
	case !plausibleEmail(row.Email):
		row.addError(fmt.Sprintf("%q isn't a valid email address.", row.Email))
	}

	switch {
	case utf8.RuneCountInString(row.Title) > maxTitleLen:
		row.addError(fmt.Sprintf("Title is too long (at most %d characters).", maxTitleLen))
	case hasControl(row.Title):
		row.addError("Title contains a line break or another hidden character.")
	}

	if row.Role == "" {
		row.Role = core.RoleEmployee
	} else if role := core.Role(strings.ToLower(string(row.Role))); role.Valid() {
		row.Role = role
	} else {
		row.addError(fmt.Sprintf("Role %q isn't recognised. Use admin, leader, manager or employee (or leave it empty for employee).", row.Role))
	}

	switch {
	case utf8.RuneCountInString(row.Team) > maxTeamNameLen:
		row.addError(fmt.Sprintf("Team name is too long (at most %d characters).", maxTeamNameLen))
	case hasControl(row.Team):
		row.addError("Team name contains a line break or another hidden character.")
	}
}

// fileManagers returns, for each row, the index of the file row that is its
// manager (the first row with the manager's email), or -1. Rows for which
// include is false are neither managers nor managed; a nil include means all.
func fileManagers(rows []ImportRow, include []bool) []int {
	in := func(i int) bool { return include == nil || include[i] }
	first := map[string]int{}
	for i, row := range rows {
		key := strings.ToLower(row.Email)
		if !in(i) || key == "" {
			continue
		}
		if _, seen := first[key]; !seen {
			first[key] = i
		}
	}
	mgr := make([]int, len(rows))
	for i, row := range rows {
		mgr[i] = -1
		key := strings.ToLower(row.ManagerEmail)
		if !in(i) || key == "" || key == strings.ToLower(row.Email) {
			continue
		}
		if j, ok := first[key]; ok && j != i {
			mgr[i] = j
		}
	}
	return mgr
}

// managerLoops finds the rows whose manager chain leads back to themselves.
// For such a row i, loops[i] lists the row indexes of the loop starting at i;
// for every other row it is nil.
func managerLoops(mgr []int) [][]int {
	const (
		unseen = iota
		onPath
		done
	)
	loops := make([][]int, len(mgr))
	state := make([]uint8, len(mgr))
	pos := make([]int, len(mgr)) // index of a row within the current path
	var path []int
	for start := range mgr {
		path = path[:0]
		j := start
		for j >= 0 && state[j] == unseen {
			state[j] = onPath
			pos[j] = len(path)
			path = append(path, j)
			j = mgr[j]
		}
		if j >= 0 && state[j] == onPath {
			cycle := path[pos[j]:]
			for k, member := range cycle {
				loop := make([]int, 0, len(cycle))
				loop = append(loop, cycle[k:]...)
				loop = append(loop, cycle[:k]...)
				loops[member] = loop
			}
		}
		for _, p := range path {
			state[p] = done
		}
	}
	return loops
}

// formatLoop describes a loop of rows by line numbers, e.g. "lines 3 → 5 → 3".
// Long loops are shortened.
func formatLoop(rows []ImportRow, loop []int) string {
	const show = 8
	var b strings.Builder
	b.WriteString("lines ")
	for k, i := range loop {
		if k == show && len(loop) > show+1 {
			fmt.Fprintf(&b, "… (%d people) → ", len(loop))
			break
		}
		b.WriteString(strconv.Itoa(rows[i].Line))
		b.WriteString(" → ")
	}
	b.WriteString(strconv.Itoa(rows[loop[0]].Line))
	return b.String()
}

// plausibleEmail reports whether s is a bare email address (no display name or
// angle brackets) with a dotted domain.
func plausibleEmail(s string) bool {
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	return at > 0 && strings.Contains(domain, ".") &&
		!strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// validText reports whether a non-empty optional value passes the length and
// character checks.
func validText(s string, max int) bool {
	return utf8.RuneCountInString(s) <= max && !hasControl(s)
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

func blankRecord(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// csvErrorMessage explains a CSV syntax error to an admin.
func csvErrorMessage(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		line := pe.Line
		if errors.Is(pe.Err, csv.ErrQuote) && pe.StartLine > 0 {
			line = pe.StartLine
		}
		if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
			return fmt.Sprintf("The file can't be read: line %d has a double quote (\") in the wrong place or one that is never closed. "+
				"Check that line and upload the file again.", line)
		}
		return fmt.Sprintf("The file can't be read: there is a problem on line %d. Check that line and upload the file again.", line)
	}
	return "The file can't be read. Please save it as CSV and upload it again."
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func (r *ImportRow) addError(msg string) { r.Errors = append(r.Errors, msg) }
