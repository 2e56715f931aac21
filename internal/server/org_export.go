package server

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"rapport/internal/export"
	"rapport/web/views"
)

// orgExportPage offers admins the organisation's archive.
func (s *Server) orgExportPage(w http.ResponseWriter, r *http.Request) {
	if err := export.CheckOrgExport(actor(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.OrgExportPage(s.layout(r, "Export the organisation", "admin")))
}

// orgExportPath is the archive's download, which the per-person request
// limit leaves to the export limit (isSheetExport).
const orgExportPath = "/admin/export/organisation.zip"

// orgExportArchive streams the actor's organisation as a zip, under the
// same limits as the cycle exports: one of the replica's export slots and
// connections for its whole length, its own timeout, cut when the client
// leaves or shutdown cuts exports.
func (s *Server) orgExportArchive(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	if err := export.CheckOrgExport(a); err != nil {
		s.renderError(w, r, err)
		return
	}
	ctx, cancel := s.exportContext(r)
	defer cancel()
	release, ok := s.takeExportSlot(w, r)
	if !ok {
		return
	}
	defer release()
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", export.ContentDisposition(export.OrgArchiveName(s.clock.Now()), ".zip"))
	h.Set("Cache-Control", "no-store")
	start := time.Now()
	st, err := s.exports.Org.WriteOrg(ctx, a, w)
	if s.observer != nil {
		s.observer.Export("organisation", int64(st.Lines), time.Since(start), err == nil)
	}
	if err != nil {
		s.log.Error("export organisation", "err", err, "request_id", middleware.GetReqID(r.Context()))
		panic(http.ErrAbortHandler)
	}
	s.log.Info("export organisation", "lines", st.Lines, "bytes", st.Bytes, "seconds", time.Since(start).Seconds())
}
