package server

import (
	"net/http"
	"strconv"

	"rapport/internal/core"
	"rapport/internal/mail"
	"rapport/internal/people"
	"rapport/web/views"
)

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	s.renderAccountWith(w, r, status, formErr, views.TokenForm{Scope: string(people.ScopeRead), Days: "90"})
}

// renderAccountWith renders the account page with the token form's state.
func (s *Server) renderAccountWith(w http.ResponseWriter, r *http.Request, status int, formErr error, tf views.TokenForm) {
	a := actor(r)
	sessions, err := s.people.Sessions(r.Context(), a, s.sessions.Token(r.Context()))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	settings, err := s.mailPrefs.Settings(r.Context(), a)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	tokens, err := s.people.PersonalTokens(r.Context(), a)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	p := views.AccountProps{Me: signedIn(r), Sessions: sessions, Loc: viewerLoc(r), MailConfigured: s.outbox.Configured(), Mail: settings,
		Tokens: tokens, TokenForm: tf, Now: s.clock.Now(),
		NewToken: views.NewToken{Secret: s.sessions.PopString(r.Context(), sessTokenSecret), Name: s.sessions.PopString(r.Context(), sessTokenName)}}
	if formErr != nil {
		p.Errors, p.Message = core.FieldErrors(formErr), core.ErrorMessage(formErr)
	}
	s.render(w, r, status, views.AccountPage(s.layout(r, "Your account", ""), p))
}

// accountPage shows the signed-in person's account: password, sessions and
// personal access tokens.
func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	s.renderAccount(w, r, http.StatusOK, nil)
}

// accountPassword changes the signed-in person's password. Wrong current
// passwords count against the same limit as sign-in attempts.
func (s *Server) accountPassword(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	a := actor(r)
	key := "password:" + strconv.FormatInt(a.UserID, 10) + "|ip:" + clientIP(r)
	wait, err := s.throttle.Attempt(ctx, key)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if wait > 0 {
		tooMany(w, wait)
		s.renderAccount(w, r, http.StatusTooManyRequests, &core.Error{Code: core.EINVALID,
			Message: "Too many attempts. Wait " + waitText(wait) + ", then try again."})
		return
	}
	in := people.PasswordInput{Current: r.PostFormValue("current"), New: r.PostFormValue("password"), Confirm: r.PostFormValue("confirm")}
	if err := s.people.ChangePassword(ctx, a, in, s.sessions.Token(ctx)); err != nil {
		if core.ErrorCode(err) == core.EINVALID {
			s.renderAccount(w, r, http.StatusUnprocessableEntity, err)
			return
		}
		s.renderError(w, r, err)
		return
	}
	if err := s.throttle.Succeeded(ctx, key); err != nil {
		s.renderError(w, r, err)
		return
	}
	// A new session token, like at sign-in: whoever held the old one is out.
	if err := s.sessions.RenewToken(ctx); err != nil {
		s.renderError(w, r, err)
		return
	}
	if err := s.people.RecordSession(ctx, s.sessions.Token(ctx), a.UserID, r.UserAgent()); err != nil {
		s.renderError(w, r, err)
		return
	}
	msg := "Your password is changed. You're signed out everywhere else."
	if s.outbox.Configured() {
		msg += " We've emailed you to say so."
	}
	s.flash(r, "success", msg)
	redirect(w, r, "/account")
}

// accountSessionEnd signs the person out of one of their other sessions.
func (s *Server) accountSessionEnd(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := s.people.EndSession(r.Context(), actor(r), id); err != nil {
		if core.ErrorCode(err) == core.ENOTFOUND {
			// Ended already (a double submit), or not theirs: either way it
			// is not one of their sessions now.
			s.flash(r, "success", "That session is signed out.")
			redirect(w, r, "/account")
			return
		}
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "success", "That session is signed out.")
	redirect(w, r, "/account")
}

// accountEmail saves which optional kinds of email the person receives:
// the ticked ones are on, the others off. Saving twice changes nothing more.
func (s *Server) accountEmail(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	on := map[mail.Kind]bool{}
	for _, k := range r.PostForm["kind"] {
		on[mail.Kind(k)] = true
	}
	if err := s.mailPrefs.Set(r.Context(), actor(r), on); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "success", "Your email preferences are saved.")
	redirect(w, r, "/account#email")
}
