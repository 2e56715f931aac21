package server

import (
	"net/http"

	"rapport/internal/core"
	"rapport/internal/people"
	"rapport/web/views"
)

func (s *Server) invitationsProps(r *http.Request, in people.PersonInput, err error) (views.InvitationsProps, error) {
	a := actor(r)
	invs, lerr := s.people.Invitations(r.Context(), a)
	if lerr != nil {
		return views.InvitationsProps{}, lerr
	}
	p := views.InvitationsProps{Invitations: invs, Now: s.clock.Now(), Manager: s.managerState(r, in), Input: in, MailConfigured: s.outbox.Configured()}
	if err != nil {
		p.Errors = core.FieldErrors(err)
		p.Message = core.ErrorMessage(err)
	} else {
		p.Invite = s.popInviteLink(r)
	}
	return p, nil
}

func (s *Server) invitationsList(w http.ResponseWriter, r *http.Request) {
	props, err := s.invitationsProps(r, people.PersonInput{Role: core.RoleEmployee, TimeZone: "UTC"}, nil)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.InvitationsPage(s.layout(r, "Invitations", "admin"), props))
}

// invitationCreate invites someone new by email: it adds them to the
// organisation and makes their invitation link.
func (s *Server) invitationCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	in, ferrs, mgr := s.personInput(r)
	if mgr.Searched {
		// The manager's search step: the form as typed, with the matches.
		if err := s.searchStep(r, "people", &mgr); err != nil {
			s.renderError(w, r, err)
			return
		}
		props, err := s.invitationsProps(r, in, nil)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		props.Manager = mgr
		s.render(w, r, http.StatusOK, views.InvitationsPage(s.layout(r, "Invitations", "admin"), props))
		return
	}
	var err error
	var p people.Person
	var token string
	if ferrs != nil {
		err = badPersonForm(in, ferrs)
	} else {
		p, token, err = s.people.CreatePerson(r.Context(), actor(r), in)
	}
	if err != nil {
		if c := core.ErrorCode(err); c != core.EINVALID && c != core.ECONFLICT {
			s.renderError(w, r, err)
			return
		}
		props, perr := s.invitationsProps(r, in, err)
		if perr != nil {
			s.renderError(w, r, perr)
			return
		}
		s.render(w, r, statusFor(core.ErrorCode(err)), views.InvitationsPage(s.layout(r, "Invitations", "admin"), props))
		return
	}
	s.showInviteLink(r, p.Name, token)
	redirect(w, r, "/invitations")
}

func (s *Server) invitationRevoke(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := s.people.RevokeInvitation(r.Context(), actor(r), id); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "success", "The invitation link no longer works.")
	redirect(w, r, "/invitations")
}
