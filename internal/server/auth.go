package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/httprate"

	"rapport/internal/core"
	"rapport/internal/people"
	"rapport/web/views"
)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyTimeout bounds the readiness check's database ping: a probe that
// cannot get an answer this fast says unavailable rather than hang.
const readyTimeout = 2 * time.Second

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if s.Draining() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("shutting down\n"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		s.log.Warn("readiness check failed", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unavailable\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// safeNext keeps post-sign-in redirects on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.HasPrefix(next, "/login") || strings.HasPrefix(next, "/logout") {
		return "/"
	}
	return next
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	if need, err := s.people.NeedsSetup(r.Context()); err != nil {
		s.renderError(w, r, err)
		return
	} else if need {
		redirect(w, r, "/setup")
		return
	}
	if _, ok := core.ActorFrom(r.Context()); ok {
		redirect(w, r, safeNext(r.URL.Query().Get("next")))
		return
	}
	l := s.layout(r, "Sign in", "")
	s.render(w, r, http.StatusOK, views.LoginPage(l, views.LoginProps{Next: r.URL.Query().Get("next")}))
}

// loginKey is the per-account rate limit key.
func loginKey(email string) string { return "acct:" + strings.ToLower(strings.TrimSpace(email)) }

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	props := views.LoginProps{Email: strings.TrimSpace(r.PostFormValue("email")), Next: r.PostFormValue("next")}
	l := s.layout(r, "Sign in", "")
	ip, _ := httprate.KeyByIP(r)
	if s.loginByIP.OnLimit(w, r, "ip:"+ip) || s.loginByAccount.OnLimit(w, r, loginKey(props.Email)) {
		s.log.Warn("sign-in rate limited", "ip", ip)
		props.Error = "Too many sign-in attempts. Wait a minute, then try again."
		s.render(w, r, http.StatusTooManyRequests, views.LoginPage(l, props))
		return
	}
	p, err := s.people.Authenticate(r.Context(), props.Email, r.PostFormValue("password"))
	if err != nil {
		if core.ErrorCode(err) == core.EUNAUTHORIZED {
			props.Error = core.ErrorMessage(err)
			s.render(w, r, http.StatusUnauthorized, views.LoginPage(l, props))
			return
		}
		s.renderError(w, r, err)
		return
	}
	if err := s.signIn(r, p); err != nil {
		s.renderError(w, r, err)
		return
	}
	redirect(w, r, safeNext(props.Next))
}

// signIn starts a fresh session for p: a new token (against fixation), the
// person and organisation, and a record of whose token it is.
func (s *Server) signIn(r *http.Request, p people.Person) error {
	ctx := r.Context()
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	org, err := s.people.Store.FindOrg(ctx, p.OrgID)
	if err != nil {
		return err
	}
	s.sessions.Put(ctx, sessUserID, p.ID)
	s.sessions.Put(ctx, sessOrgID, p.OrgID)
	s.sessions.Put(ctx, sessOrgName, org.Name)
	s.sessions.Put(ctx, sessSeen, s.clock.Now().Unix())
	return s.people.Store.RecordSession(ctx, s.sessions.Token(ctx), p.ID)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := s.people.Store.ForgetSession(ctx, s.sessions.Token(ctx)); err != nil {
		s.log.Warn("forget session", "err", err)
	}
	if err := s.sessions.Destroy(ctx); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "success", "You've signed out.")
	redirect(w, r, "/login")
}

func (s *Server) setupForm(w http.ResponseWriter, r *http.Request) {
	need, err := s.people.NeedsSetup(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if !need {
		s.notFound(w, r)
		return
	}
	s.render(w, r, http.StatusOK, views.SetupPage(views.SetupProps{TimeZone: "UTC"}))
}

func (s *Server) setupSubmit(w http.ResponseWriter, r *http.Request) {
	need, err := s.people.NeedsSetup(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if !need {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	in := people.SetupInput{
		OrgName: r.PostFormValue("org_name"), Name: r.PostFormValue("name"), Email: r.PostFormValue("email"),
		Password: r.PostFormValue("password"), TimeZone: r.PostFormValue("time_zone"),
	}
	admin, err := s.people.Setup(r.Context(), in)
	if err != nil {
		if core.ErrorCode(err) == core.EINVALID || core.ErrorCode(err) == core.ECONFLICT {
			props := views.SetupProps{OrgName: in.OrgName, Name: in.Name, Email: in.Email, TimeZone: in.TimeZone,
				Errors: core.FieldErrors(err), Message: core.ErrorMessage(err)}
			s.render(w, r, statusFor(core.ErrorCode(err)), views.SetupPage(props))
			return
		}
		s.renderError(w, r, err)
		return
	}
	if err := s.signIn(r, admin); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "success", "Welcome to Rapport. Add your people next, one by one or from a CSV file.")
	redirect(w, r, "/people")
}

func (s *Server) inviteForm(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	inv, err := s.people.InvitationForToken(r.Context(), token)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.InvitePage(views.InviteProps{Token: token, Name: inv.Name, Email: inv.Email}))
}

func (s *Server) inviteSubmit(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	if !s.parseForm(w, r) {
		return
	}
	p, err := s.people.AcceptInvitation(r.Context(), token, r.PostFormValue("password"), r.PostFormValue("confirm"))
	if err != nil {
		if core.ErrorCode(err) == core.EINVALID {
			inv, ierr := s.people.InvitationForToken(r.Context(), token)
			if ierr != nil {
				s.renderError(w, r, ierr)
				return
			}
			s.render(w, r, http.StatusUnprocessableEntity, views.InvitePage(views.InviteProps{
				Token: token, Name: inv.Name, Email: inv.Email, Errors: core.FieldErrors(err), Message: core.ErrorMessage(err)}))
			return
		}
		s.renderError(w, r, err)
		return
	}
	if err := s.signIn(r, p); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "success", "Your password is set. Welcome to Rapport, "+p.Name+".")
	redirect(w, r, "/")
}

func (s *Server) forgotForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, views.ForgotPage(views.ForgotProps{}))
}

func (s *Server) forgotSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	ip, _ := httprate.KeyByIP(r)
	if s.loginByIP.OnLimit(w, r, "ip:"+ip) || s.loginByAccount.OnLimit(w, r, "reset:"+loginKey(email)) {
		s.render(w, r, http.StatusTooManyRequests, views.ForgotPage(views.ForgotProps{Email: email,
			Errors: map[string]string{"email": "Too many requests. Wait a minute, then try again."}}))
		return
	}
	token, err := s.people.RequestPasswordReset(r.Context(), email)
	if err != nil {
		if core.ErrorCode(err) == core.EINVALID {
			s.render(w, r, http.StatusUnprocessableEntity, views.ForgotPage(views.ForgotProps{Email: email, Errors: core.FieldErrors(err)}))
			return
		}
		s.renderError(w, r, err)
		return
	}
	if token != "" {
		// Email delivery comes later; until then the link goes to the server log.
		s.log.Info("password reset requested", "email", strings.ToLower(email), "link", s.cfg.BaseURL+"/password/reset/"+token)
	}
	s.render(w, r, http.StatusOK, views.ForgotPage(views.ForgotProps{Email: email, Sent: true}))
}

func (s *Server) resetForm(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	if _, err := s.people.CheckPasswordReset(r.Context(), token); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.ResetPage(views.ResetProps{Token: token}))
}

func (s *Server) resetSubmit(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	if !s.parseForm(w, r) {
		return
	}
	p, err := s.people.ResetPassword(r.Context(), token, r.PostFormValue("password"), r.PostFormValue("confirm"))
	if err != nil {
		if core.ErrorCode(err) == core.EINVALID {
			s.render(w, r, http.StatusUnprocessableEntity, views.ResetPage(views.ResetProps{Token: token,
				Errors: core.FieldErrors(err), Message: core.ErrorMessage(err)}))
			return
		}
		s.renderError(w, r, err)
		return
	}
	if err := s.signIn(r, p); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "success", "Your new password is set.")
	redirect(w, r, "/")
}
