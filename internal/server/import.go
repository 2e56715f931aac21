package server

import (
	"encoding/base64"
	"fmt"
	"net/http"

	"rapport/internal/core"
	"rapport/internal/people"
	"rapport/web/views"
)

// maxImportBytes bounds an uploaded CSV file.
const maxImportBytes = 1 << 20

func (s *Server) importForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, views.ImportPage(s.layout(r, "Import people", "admin"), views.ImportProps{}))
}

// importPreview checks an uploaded file and shows every row with its errors;
// nothing is written.
func (s *Server) importPreview(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	l := s.layout(r, "Import people", "admin")
	f, _, err := r.FormFile("file")
	if err != nil {
		s.render(w, r, http.StatusUnprocessableEntity, views.ImportPage(l, views.ImportProps{FileError: "Choose a CSV file to upload."}))
		return
	}
	defer f.Close()
	data, err := people.ReadLimited(f, maxImportBytes)
	if err != nil {
		s.render(w, r, http.StatusUnprocessableEntity, views.ImportPage(l, views.ImportProps{FileError: core.ErrorMessage(err)}))
		return
	}
	preview, err := s.people.PreviewImport(r.Context(), actor(r), data)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	status := http.StatusOK
	if !preview.Valid() {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, views.ImportPage(l, views.ImportProps{
		Preview: &preview, Payload: base64.StdEncoding.EncodeToString(data)}))
}

// importConfirm re-checks the previewed file and imports it, all or nothing.
func (s *Server) importConfirm(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	l := s.layout(r, "Import people", "admin")
	data, err := base64.StdEncoding.DecodeString(r.PostFormValue("payload"))
	if err != nil || len(data) == 0 || len(data) > maxImportBytes {
		s.render(w, r, http.StatusUnprocessableEntity, views.ImportPage(l, views.ImportProps{FileError: "The preview expired. Upload the file again."}))
		return
	}
	preview, res, err := s.people.ApplyImport(r.Context(), actor(r), data)
	if err != nil {
		if c := core.ErrorCode(err); c == core.EINVALID || c == core.ECONFLICT {
			s.render(w, r, http.StatusUnprocessableEntity, views.ImportPage(l, views.ImportProps{
				Preview: &preview, Payload: r.PostFormValue("payload"), Message: core.ErrorMessage(err)}))
			return
		}
		s.renderError(w, r, err)
		return
	}
	emailed := s.outbox.Configured()
	links := make([]views.InviteLink, len(res.People))
	for i, p := range res.People {
		links[i] = views.InviteLink{Name: p.Name + " <" + p.Email + ">", Emailed: emailed}
		if !emailed {
			links[i].URL = s.cfg.BaseURL + "/invite/" + res.Tokens[i]
		}
	}
	l.Flash, l.FlashKind = fmt.Sprintf("Imported %d people.", len(res.People)), "success"
	s.render(w, r, http.StatusOK, views.ImportDonePage(l, links, emailed))
}
