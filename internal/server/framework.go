package server

import (
	"fmt"
	"net/http"

	"rapport/internal/core"
	"rapport/internal/review"
	"rapport/web/views"
)

// frameworkChanged answers an admin's change to the framework: on bad input
// the edit page again with the error beside its field and what was typed
// (422), otherwise back to the edit page with the new version named.
func (s *Server) frameworkChanged(w http.ResponseWriter, r *http.Request, v review.Version, err error, values map[string]string) {
	if err != nil {
		if core.ErrorCode(err) != core.EINVALID {
			s.renderError(w, r, err)
			return
		}
		f, _, ferr := s.reviews.Framework(r.Context(), actor(r), 0)
		if ferr != nil {
			s.renderError(w, r, ferr)
			return
		}
		s.render(w, r, http.StatusUnprocessableEntity, views.FrameworkEditPage(s.layout(r, "Edit the framework", "reviews"),
			views.FrameworkEditProps{Framework: f, Values: values, Errors: core.FieldErrors(err), Message: core.ErrorMessage(err)}))
		return
	}
	msg := fmt.Sprintf("Saved as version %d. Cycles already running keep the framework they started with.", v.Number)
	if v.Note != "" {
		msg = fmt.Sprintf("%s: saved as version %d. Cycles already running keep the framework they started with.", v.Note, v.Number)
	}
	s.flash(r, "success", msg)
	redirect(w, r, "/framework/edit")
}

// frameworkAdd adds a competency of the organisation's own.
func (s *Server) frameworkAdd(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	values := map[string]string{}
	get := func(field string) string {
		v := r.PostFormValue("new_" + field)
		values["new_"+field] = v
		return v
	}
	in := review.CompetencyInput{Group: get("group"), Name: get("name"), Description: get("description"), Behaviour: get("behaviour"),
		Result: get("result"), LeaderCheck: get("leader_check"), MicroAction: get("micro_action"), IdemKey: core.FormKey(r.PostFormValue("key"))}
	v, err := s.reviews.AddCompetency(r.Context(), actor(r), in)
	s.frameworkChanged(w, r, v, err, values)
}

// frameworkRetire stops offering a competency; what it tagged keeps it.
func (s *Server) frameworkRetire(w http.ResponseWriter, r *http.Request) {
	s.frameworkAct(w, r, func(a core.Actor, id int64, key string) (review.Version, error) {
		return s.reviews.RetireCompetency(r.Context(), a, id, key)
	})
}

// frameworkRestore offers a retired competency again.
func (s *Server) frameworkRestore(w http.ResponseWriter, r *http.Request) {
	s.frameworkAct(w, r, func(a core.Actor, id int64, key string) (review.Version, error) {
		return s.reviews.RestoreCompetency(r.Context(), a, id, key)
	})
}

// frameworkMove moves a competency up or down within its group.
func (s *Server) frameworkMove(w http.ResponseWriter, r *http.Request) {
	s.frameworkAct(w, r, func(a core.Actor, id int64, key string) (review.Version, error) {
		switch r.PostFormValue("dir") {
		case "up":
			return s.reviews.MoveCompetency(r.Context(), a, id, true, key)
		case "down":
			return s.reviews.MoveCompetency(r.Context(), a, id, false, key)
		}
		var v core.Validator
		v.Check(false, fmt.Sprintf("move_%d", id), "Choose up or down.")
		return review.Version{}, v.Err()
	})
}

// frameworkAct runs a button's change to one competency.
func (s *Server) frameworkAct(w http.ResponseWriter, r *http.Request, act func(a core.Actor, id int64, key string) (review.Version, error)) {
	id, ok := pathID(r, "id")
	if !ok {
		s.renderError(w, r, core.NotFound("Competency"))
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	v, err := act(actor(r), id, core.FormKey(r.PostFormValue("key")))
	s.frameworkChanged(w, r, v, err, nil)
}
