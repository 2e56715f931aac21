package server

import (
	"net/http"

	"rapport/internal/audit"
	"rapport/internal/core"
	"rapport/web/views"
)

// auditPage lists the organisation's audit log with filters, newest first,
// a page at a time.
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := audit.Filter{Action: q.Get("action"), Person: q.Get("person"), From: q.Get("from"), To: q.Get("to"), After: q.Get("after")}
	p, err := s.audit.List(r.Context(), actor(r), f)
	status := http.StatusOK
	props := views.AuditProps{Filter: f, Page: p}
	if err != nil {
		if core.ErrorCode(err) != core.EINVALID {
			s.renderError(w, r, err)
			return
		}
		status = http.StatusUnprocessableEntity
		props.Errors = core.FieldErrors(err)
	}
	s.render(w, r, status, views.AuditPage(s.layout(r, "Audit log", "admin"), props))
}
