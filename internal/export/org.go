package export

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"rapport/internal/core"
)

// OrgFormatVersion is the version of the organisation archive's format
// (docs/export-format.md). A change that removes or renames a file or a
// field, or changes a field's meaning, takes a new version; adding one does
// not.
const OrgFormatVersion = 1

// OrgPageRows is how many rows the organisation export reads at a time: an
// export holds one page of one file in memory, whatever the organisation's
// size.
const OrgPageRows = 1000

// OrgFiles are the archive's JSON-lines files, in the order they are written
// (manifest.json comes last, once every file is counted).
var OrgFiles = []string{
	"people.jsonl", "teams.jsonl", "team_members.jsonl", "reporting_lines.jsonl",
	"oneonone_series.jsonl", "meetings.jsonl", "agenda_items.jsonl", "action_items.jsonl", "observations.jsonl",
	"kudos.jsonl", "kudo_reactions.jsonl", "kudo_comments.jsonl",
	"retros.jsonl", "retro_cards.jsonl", "retro_actions.jsonl",
	"competencies.jsonl", "framework_versions.jsonl", "review_cycles.jsonl", "reviews.jsonl", "review_ratings.jsonl",
	"health_checks.jsonl", "pulses.jsonl", "audit_log.jsonl",
}

// OrgStore reads a whole organisation for its archive.
type OrgStore interface {
	// OrgExport reads the organisation in one snapshot and calls fn with
	// each page of each of OrgFiles' lines (one JSON object each), file by
	// file in that order, at least once per file (with no lines for an
	// empty one). It returns the organisation itself as a JSON object. It
	// holds one database connection of the export pool for the whole export.
	OrgExport(ctx context.Context, orgID int64, now time.Time, pageRows int, fn func(file string, lines [][]byte) error) (org []byte, err error)
	RecordOrgExport(ctx context.Context, orgID, actorID int64, detail OrgDetail) error
}

// Manifest is the archive's manifest.json.
type Manifest struct {
	Format        string          `json:"format"`
	FormatVersion int             `json:"format_version"`
	Organisation  json.RawMessage `json:"organisation"`
	ExportedAt    string          `json:"exported_at"`
	ExportedBy    string          `json:"exported_by"`
	Files         []ManifestFile  `json:"files"`
}

// ManifestFile is one file of the archive and how many lines it holds.
type ManifestFile struct {
	Name  string `json:"name"`
	Lines int    `json:"lines"`
}

// OrgDetail is what the audit log keeps about an organisation export.
type OrgDetail struct {
	What     string `json:"what"`
	Via      string `json:"via"` // "web" or "command line"
	Lines    int    `json:"lines"`
	Bytes    int64  `json:"bytes"`
	Complete bool   `json:"complete"`
}

// OrgStats describe a finished organisation export.
type OrgStats struct {
	Lines int
	Bytes int64 // of the zip as written
	Files []ManifestFile
}

// OrgService writes organisation archives.
type OrgService struct {
	Store OrgStore
	Clock core.Clock
}

// NewOrgService returns an OrgService.
func NewOrgService(store OrgStore, clock core.Clock) *OrgService {
	return &OrgService{Store: store, Clock: clock}
}

// OrgArchiveName is the download's file name, without extension.
func OrgArchiveName(now time.Time) string {
	return "rapport-organisation-" + now.UTC().Format("2006-01-02")
}

// CheckOrgExport says whether the actor may export their organisation:
// admins only.
func CheckOrgExport(a core.Actor) error {
	if a.Role != core.RoleAdmin {
		return core.Forbidden()
	}
	return nil
}

// WriteOrg writes the actor's organisation as a zip archive to w, streaming
// each file page by page, and records it in the audit log, also when it
// stops half-way (then marked incomplete). Admins only.
func (s *OrgService) WriteOrg(ctx context.Context, a core.Actor, w io.Writer) (OrgStats, error) {
	if err := CheckOrgExport(a); err != nil {
		return OrgStats{}, err
	}
	return s.write(ctx, a.OrgID, a.UserID, a.Name, "web", w)
}

// WriteOrgAsOperator writes organisation orgID as WriteOrg does, for the
// command line: someone with the database's address, who is nobody in the
// organisation (the audit entry has no actor).
func (s *OrgService) WriteOrgAsOperator(ctx context.Context, orgID int64, w io.Writer) (OrgStats, error) {
	return s.write(ctx, orgID, 0, "the command line", "command line", w)
}

// countingWriter counts what passes through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func (s *OrgService) write(ctx context.Context, orgID, actorID int64, by, via string, w io.Writer) (st OrgStats, err error) {
	now := s.Clock.Now().UTC()
	cw := &countingWriter{w: w}
	defer func() {
		st.Bytes = cw.n
		d := OrgDetail{What: "organisation exported", Via: via, Lines: st.Lines, Bytes: st.Bytes, Complete: err == nil}
		aerr := s.Store.RecordOrgExport(context.WithoutCancel(ctx), orgID, actorID, d)
		if err == nil && aerr != nil {
			err = aerr
		}
	}()
	zw := zip.NewWriter(cw)
	var (
		cur     io.Writer
		curName string
	)
	org, err := s.Store.OrgExport(ctx, orgID, now, OrgPageRows, func(file string, lines [][]byte) error {
		if file != curName {
			f, err := zw.CreateHeader(&zip.FileHeader{Name: file, Method: zip.Deflate, Modified: now})
			if err != nil {
				return err
			}
			cur, curName = f, file
			st.Files = append(st.Files, ManifestFile{Name: file})
		}
		for _, l := range lines {
			if _, err := cur.Write(l); err != nil {
				return err
			}
			if _, err := cur.Write([]byte{'\n'}); err != nil {
				return err
			}
		}
		st.Files[len(st.Files)-1].Lines += len(lines)
		st.Lines += len(lines)
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("export organisation %d: %w", orgID, err)
	}
	m := Manifest{Format: "rapport-organisation", FormatVersion: OrgFormatVersion, Organisation: org,
		ExportedAt: now.Format(time.RFC3339), ExportedBy: by, Files: st.Files}
	f, err := zw.CreateHeader(&zip.FileHeader{Name: "manifest.json", Method: zip.Deflate, Modified: now})
	if err != nil {
		return st, err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return st, err
	}
	if err := zw.Close(); err != nil {
		return st, fmt.Errorf("export organisation %d: %w", orgID, err)
	}
	return st, nil
}
