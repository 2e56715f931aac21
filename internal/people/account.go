package people

import (
	"context"
	"strings"
	"time"

	"rapport/internal/auth"
	"rapport/internal/core"
)

// Kinds of Mail, as the outbox stores them.
const (
	MailInvitation      = "invitation"
	MailPasswordReset   = "password_reset"
	MailPasswordChanged = "password_changed"
	MailAdminReset      = "admin_reset"
)

// Mail is an email about someone's account. The store writes it to the
// outbox in the transaction of the change it announces, so it is sent if
// and only if that change is committed.
type Mail struct {
	Kind string
	// Token is the secret of the link the mail carries, ExpiresAt when the
	// link stops working.
	Token     string
	ExpiresAt time.Time
	// ByID is the admin who sent it, 0 when nobody did.
	ByID int64
	// IdemKey is the form's key: the same form submitted again sends nothing.
	IdemKey string
}

// Session is one of a person's signed-in browsers.
type Session struct {
	ID        int64
	UserAgent string
	CreatedAt time.Time
	Expiry    time.Time
	// Current is the session of the request that lists them.
	Current bool
}

// Device names a browser from its User-Agent, in a few words.
func (s Session) Device() string {
	ua := s.UserAgent
	var browser, system string
	switch {
	case strings.Contains(ua, "Edg/"):
		browser = "Edge"
	case strings.Contains(ua, "Firefox/"):
		browser = "Firefox"
	case strings.Contains(ua, "Chrome/") || strings.Contains(ua, "Chromium/"):
		browser = "Chrome"
	case strings.Contains(ua, "Safari/"):
		browser = "Safari"
	}
	switch {
	case strings.Contains(ua, "iPhone") || strings.Contains(ua, "iPad"):
		system = "iOS"
	case strings.Contains(ua, "Android"):
		system = "Android"
	case strings.Contains(ua, "Mac OS X"):
		system = "macOS"
	case strings.Contains(ua, "Windows"):
		system = "Windows"
	case strings.Contains(ua, "Linux"):
		system = "Linux"
	}
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return "A browser on " + system
	}
	return "Unknown browser"
}

// ErrMailNotSent is what a page says when it promised an email that no mail
// server will carry.
const ErrMailNotSent = "Email is not configured — an admin can copy this link from the outbox."

// AdminResetPassword sends an active person a link to choose a new password,
// by email (the outbox). key is the form's key: submitted again, it sends
// nothing more.
func (s *Service) AdminResetPassword(ctx context.Context, a core.Actor, personID int64, key string) (Person, error) {
	if err := requireAdmin(a); err != nil {
		return Person{}, err
	}
	p, err := s.Store.FindPerson(ctx, a.OrgID, personID)
	if err != nil {
		return Person{}, err
	}
	if !p.Active {
		return Person{}, core.Errorf(core.EINVALID, "%s is deactivated; reactivate them first.", p.Name)
	}
	if !p.HasPassword {
		return Person{}, core.Errorf(core.EINVALID, "%s has not chosen a password yet; send them a new invitation instead.", p.Name)
	}
	token, hash, err := auth.NewToken()
	if err != nil {
		return Person{}, err
	}
	expires := s.Clock.Now().Add(s.PasswordResetT)
	err = s.Accounts.CreatePasswordReset(ctx, p.OrgID, p.ID, hash, expires,
		Mail{Kind: MailAdminReset, Token: token, ExpiresAt: expires, ByID: a.UserID, IdemKey: key})
	return p, err
}

// PasswordInput is the change-password form.
type PasswordInput struct {
	Current string
	New     string
	Confirm string
}

// ChangePassword sets a new password for the signed-in person, who proves
// it is them with the current one. Every other session of theirs ends (the
// one of keepToken stays) and they are told by email.
func (s *Service) ChangePassword(ctx context.Context, a core.Actor, in PasswordInput, keepToken string) error {
	var v core.Validator
	v.Check(in.Current != "", "current", "Enter your current password.")
	if in.New == "" {
		v.Check(false, "password", "Choose a new password.")
	} else {
		checkPassword(&v, in.New)
	}
	v.Check(in.New == in.Confirm, "confirm", "The two passwords don't match.")
	if err := v.Err(); err != nil {
		return err
	}
	current, err := s.Accounts.PasswordHash(ctx, a.OrgID, a.UserID)
	if err != nil {
		return err
	}
	if !auth.CheckPasswordOrDummyWith(in.Current, current, s.HashParams) {
		v.Check(false, "current", "That isn't your current password.")
		return v.Err()
	}
	if in.New == in.Current {
		v.Check(false, "password", "Choose a password different from your current one.")
		return v.Err()
	}
	hash, err := auth.HashPassword(in.New, s.HashParams)
	if err != nil {
		return err
	}
	return s.Accounts.ChangePassword(ctx, a.OrgID, a.UserID, hash, keepToken)
}

// Sessions lists the signed-in person's sessions, the one of currentToken
// marked.
func (s *Service) Sessions(ctx context.Context, a core.Actor, currentToken string) ([]Session, error) {
	return s.Accounts.Sessions(ctx, a.UserID, currentToken)
}

// EndSession signs the person out of one of their sessions. Someone else's
// session is not found.
func (s *Service) EndSession(ctx context.Context, a core.Actor, id int64) error {
	return s.Accounts.EndSession(ctx, a.OrgID, a.UserID, id)
}
