package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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

// safeNext keeps post-sign-in redirects on this site: it returns next when it
// is a plain path on this site, and "/" otherwise. Browsers drop tabs and
// newlines from addresses and read a backslash as a slash, so "/<tab>/evil"
// and "/\evil" mean "//evil", another host; a percent-encoded slash may be
// decoded by a proxy on the way. So the target must parse as a bare path with
// no scheme or host; neither it nor any percent-decoding of it may hold a
// control character or a backslash, and its path part no space and no "//".
func safeNext(next string) string {
	if next == "" || len(next) > 2048 || next[0] != '/' || strings.ContainsAny(next, " ") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	path, _, _ := strings.Cut(next, "?")
	path, _, _ = strings.Cut(path, "#")
	for s, p, i := next, path, 0; ; i++ {
		if !plainTarget(s, false) || !plainTarget(p, true) || strings.Contains(p, "//") || !strings.HasPrefix(p, "/") {
			return "/"
		}
		ds, err1 := url.PathUnescape(s)
		dp, err2 := url.PathUnescape(p)
		if err1 != nil || err2 != nil || i > 4 {
			return "/"
		}
		if ds == s && dp == p {
			break
		}
		s, p = ds, dp
	}
	if path == "/login" || strings.HasPrefix(path, "/login/") || path == "/logout" || strings.HasPrefix(path, "/logout/") {
		return "/"
	}
	return next
}

// plainTarget reports whether s is valid UTF-8 free of backslashes and of
// control, format and line-separating characters, and, when noSpace, of every
// kind of space.
func plainTarget(s string, noSpace bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == '\\' || unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) || (noSpace && unicode.IsSpace(r)) {
			return false
		}
	}
	return true
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
	next := r.URL.Query().Get("next")
	if safeNext(next) != next {
		next = ""
	}
	s.render(w, r, http.StatusOK, views.LoginPage(l, views.LoginProps{Next: next}))
}

// loginKey names an account, whatever the case and spaces it was typed with;
// what cannot be an address (too long, not UTF-8) by its SHA-256.
func loginKey(email string) string {
	email = strings.ToLower(strings.TrimSpace(email))
	if len(email) > 254 || !utf8.ValidString(email) {
		sum := sha256.Sum256([]byte(email))
		return "acct#" + hex.EncodeToString(sum[:])
	}
	return "acct:" + email
}

// clientIP is the address a request comes from (the proxy's X-Forwarded-For
// when TrustProxy installed RealIP), with IPv6 cut to its /64.
func clientIP(r *http.Request) string {
	ip, _ := httprate.KeyByIP(r)
	return ip
}

// tooMany tells the client, in a Retry-After header, when to try again.
func tooMany(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(max(time.Second, wait.Round(time.Second))/time.Second)))
}

// waitText says how long to wait, in words.
func waitText(d time.Duration) string {
	switch m := int((d + time.Minute - 1) / time.Minute); {
	case m <= 1:
		return "a minute"
	case m < 90:
		return strconv.Itoa(m) + " minutes"
	default:
		return strconv.Itoa((m+59)/60) + " hours"
	}
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	props := views.LoginProps{Email: strings.TrimSpace(r.PostFormValue("email")), Next: r.PostFormValue("next")}
	if safeNext(props.Next) != props.Next {
		props.Next = ""
	}
	l := s.layout(r, "Sign in", "")
	ip := clientIP(r)
	// Every address has a budget of attempts; each account from each address
	// is slowed down after a few, so a guesser elsewhere never locks the
	// owner out.
	attemptKey := "login:" + loginKey(props.Email) + "|ip:" + ip
	wait, err := s.throttle.Address(ctx, "ip:"+ip, s.cfg.LoginPerIP)
	if err == nil && wait == 0 {
		wait, err = s.throttle.Attempt(ctx, attemptKey)
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if wait > 0 {
		s.log.Warn("sign-in rate limited", "ip", ip)
		props.Error = "Too many sign-in attempts. Wait " + waitText(wait) + ", then try again."
		tooMany(w, wait)
		s.render(w, r, http.StatusTooManyRequests, views.LoginPage(l, props))
		return
	}
	matched, err := s.people.Authenticate(ctx, props.Email, r.PostFormValue("password"))
	if err != nil {
		if core.ErrorCode(err) == core.EUNAUTHORIZED {
			props.Error = core.ErrorMessage(err)
			if errors.Is(err, people.ErrSSOOnly) {
				props.SSOEmail = props.Email
			}
			s.render(w, r, http.StatusUnauthorized, views.LoginPage(l, props))
			return
		}
		s.renderError(w, r, err)
		return
	}
	if err := s.throttle.Succeeded(ctx, attemptKey); err != nil {
		s.renderError(w, r, err)
		return
	}
	if len(matched) > 1 {
		s.offerChoice(w, r, matched, props.Next)
		return
	}
	if err := s.signIn(r, matched[0].Person); err != nil {
		s.renderError(w, r, err)
		return
	}
	redirect(w, r, safeNext(props.Next))
}

// A sign-in whose password matched accounts in several organisations waits
// in the session, for choiceTTL, while the person picks one.
const (
	sessChoice   = "login_choice"
	sessChoiceAt = "login_choice_at"
	choiceTTL    = 5 * time.Minute
)

// loginChoice is one account a pending sign-in may become.
type loginChoice struct {
	OrgID    int64  `json:"o"`
	PersonID int64  `json:"p"`
	OrgName  string `json:"n"`
}

func (s *Server) offerChoice(w http.ResponseWriter, r *http.Request, matched []people.SignInChoice, next string) {
	ctx := r.Context()
	choices := make([]loginChoice, len(matched))
	for i, m := range matched {
		choices[i] = loginChoice{OrgID: m.Person.OrgID, PersonID: m.Person.ID, OrgName: m.OrgName}
	}
	b, err := json.Marshal(choices)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	// The password is proven: a fresh token, against fixation.
	if err := s.sessions.RenewToken(ctx); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.sessions.Put(ctx, sessChoice, string(b))
	s.sessions.Put(ctx, sessChoiceAt, s.clock.Now().Unix())
	s.renderChoice(w, r, http.StatusOK, choices, next, "")
}

func (s *Server) renderChoice(w http.ResponseWriter, r *http.Request, status int, choices []loginChoice, next, msg string) {
	props := views.LoginChoiceProps{Next: next, Error: msg}
	if safeNext(next) != next {
		props.Next = ""
	}
	for _, c := range choices {
		props.Orgs = append(props.Orgs, views.LoginOrg{ID: c.OrgID, Name: c.OrgName})
	}
	s.render(w, r, status, views.LoginChoicePage(s.layout(r, "Choose an organisation", ""), props))
}

// loginChoose finishes a pending sign-in in the organisation chosen, which
// must be one the password matched.
func (s *Server) loginChoose(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	var choices []loginChoice
	pending := s.sessions.GetString(ctx, sessChoice)
	at := time.Unix(s.sessions.GetInt64(ctx, sessChoiceAt), 0)
	if pending == "" || json.Unmarshal([]byte(pending), &choices) != nil || len(choices) == 0 || s.clock.Now().Sub(at) > choiceTTL {
		s.sessions.Remove(ctx, sessChoice)
		s.sessions.Remove(ctx, sessChoiceAt)
		s.flash(r, "warning", "Sign in again to choose an organisation.")
		redirect(w, r, "/login")
		return
	}
	next := r.PostFormValue("next")
	orgID, _ := strconv.ParseInt(r.PostFormValue("org_id"), 10, 64)
	var chosen *loginChoice
	for i := range choices {
		if choices[i].OrgID == orgID {
			chosen = &choices[i]
		}
	}
	if chosen == nil {
		s.renderChoice(w, r, http.StatusUnprocessableEntity, choices, next, "Choose one of these organisations.")
		return
	}
	_, p, err := s.people.SignedIn(ctx, chosen.OrgID, chosen.PersonID)
	if err != nil {
		if c := core.ErrorCode(err); c == core.EUNAUTHORIZED || c == core.ENOTFOUND {
			s.sessions.Remove(ctx, sessChoice)
			s.sessions.Remove(ctx, sessChoiceAt)
			s.flash(r, "warning", "Sign in again to choose an organisation.")
			redirect(w, r, "/login")
			return
		}
		s.renderError(w, r, err)
		return
	}
	s.sessions.Remove(ctx, sessChoice)
	s.sessions.Remove(ctx, sessChoiceAt)
	if err := s.signIn(r, p); err != nil {
		s.renderError(w, r, err)
		return
	}
	redirect(w, r, safeNext(next))
}

// signIn starts a fresh session for p: a new token (against fixation), the
// person and organisation, and a record of whose token it is.
func (s *Server) signIn(r *http.Request, p people.Person) error {
	ctx := r.Context()
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	orgName, err := s.people.OrgName(ctx, p.OrgID)
	if err != nil {
		return err
	}
	s.sessions.Put(ctx, sessUserID, p.ID)
	s.sessions.Put(ctx, sessOrgID, p.OrgID)
	s.sessions.Put(ctx, sessOrgName, orgName)
	s.sessions.Put(ctx, sessSeen, s.clock.Now().Unix())
	return s.people.RecordSession(ctx, s.sessions.Token(ctx), p.ID, r.UserAgent())
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := s.people.ForgetSession(ctx, s.sessions.Token(ctx)); err != nil {
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
		s.renderLinkError(w, r, err, true)
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
	if errors.Is(err, people.ErrNoPasswords) {
		s.renderErrorPage(w, r, http.StatusForbidden, "Sign in with single sign-on", core.ErrorMessage(err))
		return
	}
	if err != nil {
		if core.ErrorCode(err) == core.EINVALID {
			inv, ierr := s.people.InvitationForToken(r.Context(), token)
			if ierr != nil {
				s.renderLinkError(w, r, ierr, true)
				return
			}
			s.render(w, r, http.StatusUnprocessableEntity, views.InvitePage(views.InviteProps{
				Token: token, Name: inv.Name, Email: inv.Email, Errors: core.FieldErrors(err), Message: core.ErrorMessage(err)}))
			return
		}
		s.renderLinkError(w, r, err, true)
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
	ip := clientIP(r)
	wait, err := s.throttle.Address(r.Context(), "ip:"+ip, s.cfg.LoginPerIP)
	if err == nil && wait == 0 {
		wait, err = s.throttle.Address(r.Context(), "reset:"+loginKey(email), s.cfg.LoginPerAccount)
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if wait > 0 {
		tooMany(w, wait)
		s.render(w, r, http.StatusTooManyRequests, views.ForgotPage(views.ForgotProps{Email: email,
			Errors: map[string]string{"email": "Too many requests. Wait " + waitText(wait) + ", then try again."}}))
		return
	}
	if err := s.people.RequestPasswordReset(r.Context(), email); err != nil {
		if core.ErrorCode(err) == core.EINVALID {
			s.render(w, r, http.StatusUnprocessableEntity, views.ForgotPage(views.ForgotProps{Email: email, Errors: core.FieldErrors(err)}))
			return
		}
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.ForgotPage(views.ForgotProps{Email: email, Sent: true, MailConfigured: s.outbox.Configured()}))
}

func (s *Server) resetForm(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	if _, err := s.people.CheckPasswordReset(r.Context(), token); err != nil {
		s.renderLinkError(w, r, err, false)
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
	if errors.Is(err, people.ErrNoPasswords) {
		s.renderErrorPage(w, r, http.StatusForbidden, "Sign in with single sign-on", core.ErrorMessage(err))
		return
	}
	if err != nil {
		if core.ErrorCode(err) == core.EINVALID {
			s.render(w, r, http.StatusUnprocessableEntity, views.ResetPage(views.ResetProps{Token: token,
				Errors: core.FieldErrors(err), Message: core.ErrorMessage(err)}))
			return
		}
		s.renderLinkError(w, r, err, false)
		return
	}
	if err := s.signIn(r, p); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "success", "Your new password is set.")
	redirect(w, r, "/")
}

// renderLinkError answers a link that no longer works (expired, used or
// replaced) with a page that says how to get a new one; any other error as
// usual.
func (s *Server) renderLinkError(w http.ResponseWriter, r *http.Request, err error, invitation bool) {
	if core.ErrorCode(err) != core.ENOTFOUND {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusNotFound, views.LinkInvalidPage(views.LinkInvalidProps{Invitation: invitation}))
}
