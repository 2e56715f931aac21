package server

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"rapport/internal/core"
	"rapport/internal/sso"
	"rapport/web/views"
)

// sessSSOState is the state of the browser's single sign-on under way: the
// provider's answer must come back to the browser that left.
const sessSSOState = "sso_state"

// ssoSettingsPage shows the organisation's single sign-on settings.
func (s *Server) ssoSettingsPage(w http.ResponseWriter, r *http.Request) {
	s.renderSSOSettings(w, r, http.StatusOK, nil, "")
}

// renderSSOSettings renders the settings page with f as typed (nil: the
// saved settings) and the connection test's good news, if any.
func (s *Server) renderSSOSettings(w http.ResponseWriter, r *http.Request, status int, f *views.SSOForm, tested string) {
	a := actor(r)
	saved, configured, err := s.sso.Settings(r.Context(), a)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	admins, err := s.sso.Admins(r.Context(), a)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	form := views.SSOFormFrom(saved)
	if f != nil {
		form = *f
	}
	base := strings.TrimRight(s.cfg.BaseURL, "/")
	s.render(w, r, status, views.SSOSettingsPage(s.layout(r, "Single sign-on", "admin"), views.SSOSettingsProps{
		Saved: saved, Configured: configured, Admins: admins, Form: form, Tested: tested,
		SignInURL: base + "/sso/" + strconv.FormatInt(a.OrgID, 10), CallbackURL: base + "/sso/callback"}))
}

// ssoForm reads the settings form.
func ssoForm(r *http.Request) (views.SSOForm, sso.Input) {
	f := views.SSOForm{
		ProviderName: r.PostFormValue("provider_name"), Issuer: r.PostFormValue("issuer"), ClientID: r.PostFormValue("client_id"),
		Domains: r.PostFormValue("domains"), JIT: r.PostFormValue("jit") == "true", Enforce: r.PostFormValue("enforce") == "true",
		BreakGlassID: r.PostFormValue("break_glass_id"),
	}
	in := sso.Input{ProviderName: f.ProviderName, Issuer: f.Issuer, ClientID: f.ClientID, ClientSecret: r.PostFormValue("client_secret"),
		Domains: f.Domains, JIT: f.JIT, Enforce: f.Enforce, BreakGlassID: optID(f.BreakGlassID)}
	return f, in
}

// ssoSettingsSave saves the settings. The issuer must answer with its
// discovery document; enforcing needs a break-glass admin.
func (s *Server) ssoSettingsSave(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f, in := ssoForm(r)
	err := s.sso.Save(r.Context(), actor(r), in)
	s.formDone(w, r, err, func(status int) {
		f.Errors, f.Message = core.FieldErrors(err), core.ErrorMessage(err)
		s.renderSSOSettings(w, r, status, &f, "")
	}, "Single sign-on settings saved.", "/admin/sso")
}

// ssoSettingsTest fetches the typed issuer's discovery document and keys,
// saving nothing; the form keeps what was typed.
func (s *Server) ssoSettingsTest(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f, _ := ssoForm(r)
	d, err := s.sso.TestConnection(r.Context(), actor(r), f.Issuer)
	if err != nil {
		if core.ErrorCode(err) == core.EINVALID {
			f.Errors, f.Message = core.FieldErrors(err), core.ErrorMessage(err)
			s.renderSSOSettings(w, r, http.StatusUnprocessableEntity, &f, "")
			return
		}
		s.renderError(w, r, err)
		return
	}
	keys := "1 signing key"
	if d.Keys != 1 {
		keys = fmt.Sprintf("%d signing keys", d.Keys)
	}
	msg := "Connection works: the issuer publishes its discovery document and " + keys + ". Nothing is saved yet"
	if r.PostFormValue("client_secret") != "" {
		msg += ": enter the client secret again, then save"
	}
	s.renderSSOSettings(w, r, http.StatusOK, &f, msg+".")
}

// ssoSettingsRemove turns single sign-on off: passwords work again for all.
func (s *Server) ssoSettingsRemove(w http.ResponseWriter, r *http.Request) {
	if err := s.sso.Remove(r.Context(), actor(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "success", "Single sign-on is off. Everyone signs in with their email and password.")
	redirect(w, r, "/admin/sso")
}

// ssoLookup finds the organisations that sign in a work email's domain
// with single sign-on: one is opened, several are offered.
func (s *Server) ssoLookup(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	props := views.LoginProps{SSOEmail: strings.TrimSpace(r.PostFormValue("sso_email")), Next: r.PostFormValue("next")}
	if safeNext(props.Next) != props.Next {
		props.Next = ""
	}
	l := s.layout(r, "Sign in", "")
	ip := clientIP(r)
	wait, err := s.throttle.Address(ctx, "ip:"+ip, s.cfg.LoginPerIP)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if wait > 0 {
		props.SSOError = "Too many sign-in attempts. Wait " + waitText(wait) + ", then try again."
		tooMany(w, wait)
		s.render(w, r, http.StatusTooManyRequests, views.LoginPage(l, props))
		return
	}
	orgs, err := s.sso.OrgsForEmail(ctx, props.SSOEmail)
	if err != nil {
		if core.ErrorCode(err) == core.EINVALID {
			props.SSOError = core.FieldErrors(err)["sso_email"]
			s.render(w, r, http.StatusUnprocessableEntity, views.LoginPage(l, props))
			return
		}
		s.renderError(w, r, err)
		return
	}
	switch len(orgs) {
	case 0:
		props.SSOError = "No organisation signs in with single sign-on at " + sso.EmailDomain(props.SSOEmail) + ". Sign in with your email and password above."
		s.render(w, r, http.StatusUnprocessableEntity, views.LoginPage(l, props))
	case 1:
		to := "/sso/" + strconv.FormatInt(orgs[0].OrgID, 10)
		if props.Next != "" {
			to += "?next=" + url.QueryEscape(props.Next)
		}
		redirect(w, r, to)
	default:
		for _, o := range orgs {
			props.SSOChoices = append(props.SSOChoices, ssoButton(o))
		}
		s.render(w, r, http.StatusOK, views.LoginPage(l, props))
	}
}

func ssoButton(o sso.OrgOption) views.SSOButton {
	return views.SSOButton{OrgID: o.OrgID, OrgName: o.OrgName, ProviderName: o.ProviderName}
}

// ssoOrg reads the organisation of a /sso/{org} path; a malformed id and an
// organisation without single sign-on are both not found.
func (s *Server) ssoOrg(w http.ResponseWriter, r *http.Request) (sso.OrgOption, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "org"), 10, 64)
	if err != nil || id <= 0 {
		s.notFound(w, r)
		return sso.OrgOption{}, false
	}
	o, err := s.sso.Provider(r.Context(), id)
	if err != nil {
		s.renderError(w, r, err)
		return sso.OrgOption{}, false
	}
	return o, true
}

// renderSSOLogin is an organisation's sign-in page: its provider's button
// first, a password behind it.
func (s *Server) renderSSOLogin(w http.ResponseWriter, r *http.Request, status int, o sso.OrgOption, next, msg string) {
	if safeNext(next) != next {
		next = ""
	}
	b := ssoButton(o)
	s.render(w, r, status, views.LoginPage(s.layout(r, "Sign in", ""), views.LoginProps{SSO: &b, Next: next, Error: msg}))
}

// ssoPage is an organisation's own sign-in page.
func (s *Server) ssoPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := core.ActorFrom(r.Context()); ok {
		redirect(w, r, safeNext(r.URL.Query().Get("next")))
		return
	}
	o, ok := s.ssoOrg(w, r)
	if !ok {
		return
	}
	s.renderSSOLogin(w, r, http.StatusOK, o, r.URL.Query().Get("next"), "")
}

// ssoStart sends the browser to the organisation's provider, keeping the
// state with its session. A GET (a link): the pages' form-action policy
// would stop a form's redirect to the provider.
func (s *Server) ssoStart(w http.ResponseWriter, r *http.Request) {
	o, ok := s.ssoOrg(w, r)
	if !ok {
		return
	}
	next := r.URL.Query().Get("next")
	if safeNext(next) != next {
		next = ""
	}
	// Each start stores a sign-in and asks the provider: the address's
	// sign-in budget bounds both.
	ip := clientIP(r)
	wait, err := s.throttle.Address(r.Context(), "ip:"+ip, s.cfg.LoginPerIP)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if wait > 0 {
		tooMany(w, wait)
		s.renderSSOLogin(w, r, http.StatusTooManyRequests, o, next, "Too many sign-in attempts. Wait "+waitText(wait)+", then try again.")
		return
	}
	authURL, state, err := s.sso.Begin(r.Context(), o.OrgID, next)
	if err != nil {
		if core.ErrorCode(err) == core.EUNAVAILABLE {
			s.renderSSOLogin(w, r, http.StatusServiceUnavailable, o, next, core.ErrorMessage(err))
			return
		}
		s.renderError(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), sessSSOState, state)
	redirect(w, r, authURL)
}

// ssoCallback is where providers send people back: the state must be the
// one this browser left with, and is good once.
func (s *Server) ssoCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	state := q.Get("state")
	mine := s.sessions.PopString(ctx, sessSSOState)
	if state == "" || mine == "" || subtle.ConstantTimeCompare([]byte(state), []byte(mine)) != 1 {
		s.log.Info("sso: sign-in refused", "reason", "state missing or not this browser's")
		s.ssoRefused(w, r, 0, sso.ErrLoginExpired)
		return
	}
	if e := q.Get("error"); e != "" {
		s.log.Info("sso: provider refused the sign-in", "error", e)
		s.ssoRefused(w, r, 0, &core.Error{Code: core.EUNAUTHORIZED, Message: "Your sign-in provider didn't sign you in. Start again, or ask your admin if it keeps happening."})
		return
	}
	res, err := s.sso.Finish(ctx, state, q.Get("code"))
	if err != nil {
		s.ssoRefused(w, r, res.Account.OrgID, err)
		return
	}
	_, p, err := s.people.SignedIn(ctx, res.Account.OrgID, res.Account.PersonID)
	if err != nil {
		s.ssoRefused(w, r, res.Account.OrgID, err)
		return
	}
	if err := s.signIn(r, p); err != nil {
		s.renderError(w, r, err)
		return
	}
	if res.Created {
		s.flash(r, "success", "Welcome to Rapport, "+p.Name+". Your account was created from your organisation's sign-in.")
	}
	redirect(w, r, safeNext(res.Next))
}

// ssoRefused shows why a sign-in failed, on the organisation's sign-in page
// when it is known and the plain one otherwise.
func (s *Server) ssoRefused(w http.ResponseWriter, r *http.Request, orgID int64, err error) {
	code := core.ErrorCode(err)
	if code != core.EUNAUTHORIZED && code != core.EUNAVAILABLE {
		s.renderError(w, r, err)
		return
	}
	status := http.StatusUnauthorized
	if code == core.EUNAVAILABLE {
		status = http.StatusServiceUnavailable
	}
	if orgID != 0 {
		if o, perr := s.sso.Provider(r.Context(), orgID); perr == nil {
			s.renderSSOLogin(w, r, status, o, "", core.ErrorMessage(err))
			return
		}
	}
	s.render(w, r, status, views.LoginPage(s.layout(r, "Sign in", ""), views.LoginProps{Error: core.ErrorMessage(err)}))
}
