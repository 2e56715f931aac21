package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"rapport/internal/export"
	"rapport/internal/people"
	"rapport/web/views"
)

// exportBusyRetryAfter is the Retry-After, in seconds, of an export turned
// away because as many as the replica allows are running.
const exportBusyRetryAfter = 60

// teamParam reads the optional ?team= of an export; anything but a
// positive number is not found.
func teamParam(r *http.Request) (int64, bool) {
	v := r.URL.Query().Get("team")
	if v == "" {
		return 0, true
	}
	id, err := strconv.ParseInt(v, 10, 64)
	return id, err == nil && id > 0
}

// exportPage offers a cycle's exports: the sheet of a cycle or a team, and
// each person's review packet.
func (s *Server) exportPage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	team, tok := teamParam(r)
	if !ok || !tok {
		s.notFound(w, r)
		return
	}
	other, otherSt := readPick(r, "other_team", s.teamNamer(r), false)
	if other != nil && !otherSt.Searched {
		team = *other // a team chosen with the picker
	}
	a := actor(r)
	plan, err := s.exports.Prepare(r.Context(), a, id, team, "")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	persons, more, err := s.exports.People(r.Context(), plan)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	// The viewer's own teams, and the team exported; the picker finds others.
	teams, err := s.people.TeamsOf(r.Context(), a, a.UserID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if t, ok := s.teamNamer(r)(plan.Scope.TeamID); ok && !slices.ContainsFunc(teams, func(m people.Team) bool { return m.ID == t.ID }) {
		teams = append(teams, people.Team{ID: t.ID, Name: t.Name})
	}
	var otherStep views.PickState
	if otherSt.Searched {
		otherStep = otherSt
		if err := s.searchStep(r, "teams", &otherStep); err != nil {
			s.renderError(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, views.ExportPage(s.layout(r, "Export "+plan.Cycle.Name, "reviews"),
		views.ExportProps{Plan: plan, People: persons, More: more, Teams: teams, OtherTeam: otherStep}))
}

// isSheetExport reports whether r asks for a cycle sheet (the routes of
// exportCSV and exportXLSX) or the organisation's archive, which the per-person request limit leaves to
// the export limit.
func isSheetExport(r *http.Request) bool {
	p := r.URL.Path
	if p == orgExportPath {
		return true
	}
	return strings.HasPrefix(p, "/exports/cycles/") && (strings.HasSuffix(p, "/csv") || strings.HasSuffix(p, "/xlsx") || strings.HasSuffix(p, "/packets.zip"))
}

// formatPackets is the zip of a selection's PDF packets, made by exportSheet
// under the same limits as the sheets.
const formatPackets = "packets"

// exportPackets streams the PDF packets of a cycle (or a team of it) as one zip.
func (s *Server) exportPackets(w http.ResponseWriter, r *http.Request) {
	s.exportSheet(w, r, formatPackets)
}

func (s *Server) exportCSV(w http.ResponseWriter, r *http.Request) {
	s.exportSheet(w, r, export.FormatCSV)
}
func (s *Server) exportXLSX(w http.ResponseWriter, r *http.Request) {
	s.exportSheet(w, r, export.FormatXLSX)
}

// exportContext is an export's context: the request timeout is for pages;
// an export gets its own bound. It stops when the client goes away (freeing
// its connection at once) and when shutdown cuts exports.
func (s *Server) exportContext(r *http.Request) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(unboundedContext(r), s.cfg.ExportTimeout)
	stop := context.AfterFunc(s.exportsCtx, cancel)
	return ctx, func() { stop(); cancel() }
}

// takeExportSlot takes one of the replica's export slots, or answers 503
// and reports false. Each export holds one database connection for its
// whole length: a replica runs only as many as it has export connections.
// The others are told at once to come back, rather than queue.
func (s *Server) takeExportSlot(w http.ResponseWriter, r *http.Request) (release func(), ok bool) {
	select {
	case s.exportSlots <- struct{}{}:
		return func() { <-s.exportSlots }, true
	default:
		s.log.Warn("export refused: exports at capacity", "path", r.URL.Path, "running", cap(s.exportSlots))
		s.renderUnavailable(w, r, "An export is already running — try again in a minute.", exportBusyRetryAfter)
		return nil, false
	}
}

// exportSheet streams a cycle (or a team of it) as CSV or XLSX.
func (s *Server) exportSheet(w http.ResponseWriter, r *http.Request, format string) {
	id, ok := pathID(r, "id")
	team, tok := teamParam(r)
	if !ok || !tok {
		s.notFound(w, r)
		return
	}
	ctx, cancel := s.exportContext(r)
	defer cancel()
	planFormat := format
	if format == formatPackets {
		planFormat = ""
	}
	plan, err := s.exports.Prepare(ctx, actor(r), id, team, planFormat)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	var people []export.Person
	if format == formatPackets {
		if people, err = s.exports.PacketNames(ctx, plan); err != nil {
			s.renderError(w, r, err)
			return
		}
	}
	release, ok := s.takeExportSlot(w, r)
	if !ok {
		return
	}
	defer release()
	ext, ctype := ".csv", "text/csv; charset=utf-8"
	switch format {
	case export.FormatXLSX:
		ext, ctype = ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case formatPackets:
		ext, ctype = ".zip", "application/zip"
		plan.FileName = strings.TrimSuffix(plan.FileName, " reviews") + " review packets"
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", export.ContentDisposition(plan.FileName, ext))
	h.Set("Cache-Control", "no-store")
	start := time.Now()
	var st export.Stats
	if format == formatPackets {
		st.Rows, err = s.exports.WritePackets(ctx, plan, people, w)
	} else {
		st, err = s.exports.Write(ctx, plan, w)
	}
	if s.observer != nil {
		s.observer.Export(format, int64(st.Rows), time.Since(start), err == nil)
	}
	if err != nil {
		// Headers (and maybe rows) are already out: cut the connection so
		// the download fails instead of looking complete.
		s.log.Error("export", "err", err, "path", r.URL.Path, "request_id", middleware.GetReqID(r.Context()))
		panic(http.ErrAbortHandler)
	}
	s.log.Info("export", "format", format, "cycle", id, "rows", st.Rows, "batches", st.Batches,
		"seconds", time.Since(start).Seconds(), "figures_seconds", st.Figures.Seconds())
}

// packetFor loads the packet of a person in a cycle the actor may see.
func (s *Server) packetFor(w http.ResponseWriter, r *http.Request) (export.Packet, int64, int64, bool) {
	id, ok := pathID(r, "id")
	pid, pok := pathID(r, "personID")
	if !ok || !pok {
		s.notFound(w, r)
		return export.Packet{}, 0, 0, false
	}
	p, err := s.exports.Packet(r.Context(), actor(r), id, pid)
	if err != nil {
		s.renderError(w, r, err)
		return p, 0, 0, false
	}
	return p, id, pid, true
}

// packetPage is a person's review packet as a printable page.
func (s *Server) packetPage(w http.ResponseWriter, r *http.Request) {
	p, id, pid, ok := s.packetFor(w, r)
	if !ok {
		return
	}
	if err := s.exports.RecordPacket(r.Context(), actor(r), id, pid, p, "html"); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.PacketPage(s.layout(r, p.Person+" · "+p.Cycle, "reviews"),
		views.PacketProps{Packet: p, CycleID: id, PersonID: pid}))
}

// packetPDF is a person's review packet as a PDF download.
func (s *Server) packetPDF(w http.ResponseWriter, r *http.Request) {
	p, id, pid, ok := s.packetFor(w, r)
	if !ok {
		return
	}
	var buf bytes.Buffer
	if err := export.WritePDF(&buf, p); err != nil {
		s.renderError(w, r, err)
		return
	}
	if err := s.exports.RecordPacket(r.Context(), actor(r), id, pid, p, "pdf"); err != nil {
		s.renderError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", export.ContentDisposition(fmt.Sprintf("%s %s review", p.Person, p.Cycle), ".pdf"))
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = buf.WriteTo(w)
}
