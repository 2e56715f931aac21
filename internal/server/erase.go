package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"rapport/internal/core"
	"rapport/web/views"
)

// eraseTimeout bounds one erasure, as the statement timeout its
// transaction sets (postgres.PeopleStore.ErasePerson) does.
const eraseTimeout = 2 * time.Minute

// personEraseForm asks an admin to type the person's name before erasing
// them (docs/privacy.md, "Erasing a person").
func (s *Server) personEraseForm(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	p, err := s.people.Person(r.Context(), actor(r), id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if p.Erased() || id == actor(r).UserID {
		s.flash(r, "error", "There is nobody to erase here.")
		redirect(w, r, "/people/"+strconv.FormatInt(id, 10))
		return
	}
	s.render(w, r, http.StatusOK, views.PersonErasePage(s.layout(r, "Erase "+p.Name, "people"), views.PersonEraseProps{Person: p}))
}

// personErase erases the person once the typed name matches; a wrong name
// is a 422 with the form as typed, and nothing changes.
func (s *Server) personErase(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	a := actor(r)
	p, err := s.people.Person(r.Context(), a, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	typed := r.PostFormValue("name")
	// An erasure reads every text column of the organisation (a few
	// seconds for a large one, docs/privacy.md): it gets longer than a
	// page, and still ends, rolled back, if the admin goes away.
	ctx, cancel := context.WithTimeout(unboundedContext(r), eraseTimeout)
	defer cancel()
	pseudonym, err := s.people.Erase(ctx, a, id, typed)
	if err != nil {
		var fe map[string]string
		if ce, ok := err.(*core.Error); ok {
			fe = ce.Fields
		}
		switch {
		case fe["name"] != "":
			s.render(w, r, http.StatusUnprocessableEntity, views.PersonErasePage(s.layout(r, "Erase "+p.Name, "people"),
				views.PersonEraseProps{Person: p, Typed: typed, Error: fe["name"], Message: core.ErrorMessage(err)}))
		case core.ErrorCode(err) == core.EINVALID:
			s.flash(r, "error", core.ErrorMessage(err))
			redirect(w, r, "/people/"+strconv.FormatInt(id, 10))
		default:
			s.renderError(w, r, err)
		}
		return
	}
	s.flash(r, "success", p.Name+" was erased. They appear as "+pseudonym+" from now on.")
	redirect(w, r, "/people/"+strconv.FormatInt(id, 10))
}
