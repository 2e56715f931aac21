package export

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"rapport/internal/core"
)

// Formats of a cycle export.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// BatchPeople is how many people's rows, cues and evidence counts are read
// at a time while the sheet streams: a few queries per batch, never per
// person.
const BatchPeople = 500

// Cycle is what an export needs to know of a review cycle.
type Cycle struct {
	ID          int64
	Name        string
	PeriodStart time.Time
	PeriodEnd   time.Time // inclusive day
	CreatedBy   int64
}

// From is the first instant of the period.
func (c Cycle) From() time.Time { return c.PeriodStart.UTC().Truncate(24 * time.Hour) }

// Until is the instant after the period's last day.
func (c Cycle) Until() time.Time { return c.PeriodEnd.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1) }

// Scope is what is exported: a cycle, optionally one team of it, as one
// viewer may see it.
type Scope struct {
	OrgID    int64
	CycleID  int64
	TeamID   int64 // 0: the whole cycle
	ViewerID int64
	All      bool // the viewer sees every review (admins)
}

// Store reads what exports need.
type Store interface {
	ExportCycle(ctx context.Context, orgID, cycleID int64) (Cycle, error)
	ExportTeamName(ctx context.Context, orgID, teamID int64) (string, error)
	// ExportVisibleCount counts the reviews of the scope the viewer may see.
	ExportVisibleCount(ctx context.Context, s Scope) (int, error)
	// ExportBatches calls fn with every person × competency row of the
	// scope, ordered by person, size people at a time, each row with its
	// cues and evidence count (as the viewer may see them) filled in. It
	// holds at most one database connection, for the whole export.
	ExportBatches(ctx context.Context, s Scope, from, until time.Time, size int, fn func(Batch) error) error
	RecordExport(ctx context.Context, orgID, actorID int64, action, subject string, detail Detail) error
	// ExportPeople lists up to limit people of the scope, as ExportRows orders them.
	ExportPeople(ctx context.Context, s Scope, limit int) ([]Person, error)
}

// Batch is some people's rows, in order, with their figures.
type Batch struct {
	Rows []Row
	// Figures is the time spent reading the cues and evidence counts.
	Figures time.Duration
}

// Person is one reviewed person of an export's scope.
type Person struct {
	ID    int64
	Name  string
	Team  string
	State string
}

// StateLabel words the person's review state.
func (p Person) StateLabel() string { return stateLabel(p.State) }

// PeopleShown is how many people the export page lists with their packets.
const PeopleShown = 300

// People lists the plan's people (at most PeopleShown) and whether there are more.
func (s *Service) People(ctx context.Context, p Plan) ([]Person, bool, error) {
	ps, err := s.Store.ExportPeople(ctx, p.Scope, PeopleShown+1)
	if err != nil || len(ps) <= PeopleShown {
		return ps, false, err
	}
	return ps[:PeopleShown], true, nil
}

// Detail is what the audit log keeps about an export.
type Detail struct {
	Format   string `json:"format"`
	Cycle    string `json:"cycle"`
	CycleID  int64  `json:"cycle_id"`
	Scope    string `json:"scope"`
	TeamID   int64  `json:"team_id,omitempty"`
	PersonID int64  `json:"person_id,omitempty"`
	Rows     int    `json:"rows"`
	Complete bool   `json:"complete"`
}

// PacketSource builds one person's packet as the actor may see their review.
type PacketSource interface {
	Packet(ctx context.Context, a core.Actor, cycleID, personID int64) (Packet, error)
}

// Service runs exports.
type Service struct {
	Store   Store
	Packets PacketSource
	Clock   core.Clock
	// Org writes whole-organisation archives.
	Org *OrgService
}

// NewService returns a Service.
func NewService(store Store, packets PacketSource, clock core.Clock) *Service {
	return &Service{Store: store, Packets: packets, Clock: clock}
}

// Plan is a checked export, ready to stream.
type Plan struct {
	Scope    Scope
	Cycle    Cycle
	TeamName string
	Format   string
	FileName string // without extension
	actor    core.Actor
}

// Prepare checks that the actor may export the cycle (or one team of it) in
// format: managers, leaders and admins, for a cycle they can see. A cycle
// or team they cannot see, or of another organisation, is not found.
func (s *Service) Prepare(ctx context.Context, a core.Actor, cycleID, teamID int64, format string) (Plan, error) {
	if !a.Is(core.RoleAdmin, core.RoleLeader, core.RoleManager) {
		return Plan{}, core.Forbidden()
	}
	if format != FormatCSV && format != FormatXLSX && format != "" {
		return Plan{}, core.NotFound("Export format")
	}
	c, err := s.Store.ExportCycle(ctx, a.OrgID, cycleID)
	if err != nil {
		return Plan{}, err
	}
	p := Plan{Cycle: c, Format: format, actor: a, FileName: c.Name + " reviews",
		Scope: Scope{OrgID: a.OrgID, CycleID: cycleID, TeamID: teamID, ViewerID: a.UserID, All: a.Role == core.RoleAdmin}}
	if teamID != 0 {
		if p.TeamName, err = s.Store.ExportTeamName(ctx, a.OrgID, teamID); err != nil {
			return Plan{}, err
		}
		p.FileName = c.Name + " " + p.TeamName + " reviews"
	}
	if !p.Scope.All && c.CreatedBy != a.UserID {
		whole := p.Scope
		whole.TeamID = 0
		n, err := s.Store.ExportVisibleCount(ctx, whole)
		if err != nil {
			return Plan{}, err
		}
		if n == 0 {
			return Plan{}, core.NotFound("Review cycle")
		}
	}
	return p, nil
}

// RowWriter is a CSVWriter or an XLSXWriter.
type RowWriter interface {
	WriteRow(Row) error
	Rows() int
	Close() error
}

// Stats describe a finished export.
type Stats struct {
	Rows    int
	Batches int
	// Figures is the time spent waiting for cues and evidence counts.
	Figures time.Duration
}

// Write streams the plan's rows to w and records the export in the audit
// log, also when it stops half-way (then marked incomplete).
func (s *Service) Write(ctx context.Context, p Plan, w io.Writer) (st Stats, err error) {
	var out RowWriter
	if p.Format == FormatXLSX {
		out, err = NewXLSX(w)
	} else {
		out, err = NewCSV(w)
	}
	if err != nil {
		return st, err
	}
	defer func() {
		st.Rows = out.Rows()
		scope := "cycle"
		if p.Scope.TeamID != 0 {
			scope = "team " + p.TeamName
		}
		d := Detail{Format: p.Format, Cycle: p.Cycle.Name, CycleID: p.Cycle.ID, Scope: scope, TeamID: p.Scope.TeamID, Rows: st.Rows, Complete: err == nil}
		aerr := s.Store.RecordExport(context.WithoutCancel(ctx), p.Scope.OrgID, p.actor.UserID, "export.cycle", "cycle:"+strconv.FormatInt(p.Cycle.ID, 10), d)
		if err == nil && aerr != nil {
			err = aerr
		}
	}()

	err = s.Store.ExportBatches(ctx, p.Scope, p.Cycle.From(), p.Cycle.Until(), BatchPeople, func(b Batch) error {
		st.Batches++
		st.Figures += b.Figures
		for _, r := range b.Rows {
			if err := out.WriteRow(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = out.Close()
	}
	if err != nil {
		return st, fmt.Errorf("export cycle %d: %w", p.Cycle.ID, err)
	}
	return st, nil
}

// Packet returns one person's review packet, recording a PDF export in the
// audit log. Only managers, leaders and admins export; the review itself
// must be one the actor may see.
func (s *Service) Packet(ctx context.Context, a core.Actor, cycleID, personID int64) (Packet, error) {
	if !a.Is(core.RoleAdmin, core.RoleLeader, core.RoleManager) {
		return Packet{}, core.Forbidden()
	}
	p, err := s.Packets.Packet(ctx, a, cycleID, personID)
	if err != nil {
		return p, err
	}
	p.Generated = s.Clock.Now().UTC()
	p.GeneratedBy = a.Name
	return p, nil
}

// RecordPacket writes a packet export (format "html" or "pdf") to the audit log.
func (s *Service) RecordPacket(ctx context.Context, a core.Actor, cycleID, personID int64, p Packet, format string) error {
	d := Detail{Format: format, Cycle: p.Cycle, CycleID: cycleID, Scope: "person " + p.Person, PersonID: personID,
		Rows: len(p.Competencies), Complete: true}
	return s.Store.RecordExport(context.WithoutCancel(ctx), a.OrgID, a.UserID, "export.packet", "person:"+strconv.FormatInt(personID, 10), d)
}

// PacketsMax is how many packets one download holds: more, and the
// viewer chooses a team.
const PacketsMax = PeopleShown

// ErrTooManyPackets says a selection holds more than PacketsMax reviews.
var ErrTooManyPackets = core.Errorf(core.EINVALID, "More than %d reviews: choose a team to download their packets.", PacketsMax)

// PacketNames lists the people whose packets a download of the plan
// holds, or ErrTooManyPackets.
func (s *Service) PacketNames(ctx context.Context, p Plan) ([]Person, error) {
	ps, err := s.Store.ExportPeople(ctx, p.Scope, PacketsMax+1)
	if err != nil {
		return nil, err
	}
	if len(ps) > PacketsMax {
		return nil, ErrTooManyPackets
	}
	return ps, nil
}

// WritePackets writes the PDF packet of each of people (from PacketNames)
// into a zip, one at a time as they are made, and records the download in
// the audit log, also when it stops half-way (then marked incomplete).
// Each packet is the review as the viewer may see it, by the packet page's
// own rule.
func (s *Service) WritePackets(ctx context.Context, p Plan, people []Person, w io.Writer) (n int, err error) {
	defer func() {
		scope := "cycle"
		if p.Scope.TeamID != 0 {
			scope = "team " + p.TeamName
		}
		d := Detail{Format: "pdf zip", Cycle: p.Cycle.Name, CycleID: p.Cycle.ID, Scope: scope, TeamID: p.Scope.TeamID, Rows: n, Complete: err == nil}
		aerr := s.Store.RecordExport(context.WithoutCancel(ctx), p.Scope.OrgID, p.actor.UserID, "export.packets", "cycle:"+strconv.FormatInt(p.Cycle.ID, 10), d)
		if err == nil && aerr != nil {
			err = aerr
		}
	}()
	zw := zip.NewWriter(w)
	names := map[string]int{}
	for _, pe := range people {
		pk, err := s.Packet(ctx, p.actor, p.Cycle.ID, pe.ID)
		if err != nil {
			return n, err
		}
		name := asciiName(pk.Person + " " + pk.Cycle + " review")
		if names[name]++; names[name] > 1 {
			name += " (" + strconv.Itoa(names[name]) + ")"
		}
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name + ".pdf", Method: zip.Deflate, Modified: pk.Generated})
		if err != nil {
			return n, err
		}
		if err := WritePDF(f, pk); err != nil {
			return n, err
		}
		n++
	}
	return n, zw.Close()
}
