package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Sender delivers one message to the mail server.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// TLS modes of an SMTP server.
const (
	TLSStartTLS = "starttls" // smtp://: STARTTLS required, the session refused without it
	TLSImplicit = "implicit" // smtps://: TLS from the first byte
	TLSNone     = "none"     // smtp://…?tls=none: plain text, for local test servers only
)

// SMTPConfig is where and how to reach the mail server.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	TLS      string // TLSStartTLS, TLSImplicit or TLSNone
	// RootCAs verify the server's certificate; nil is the system's pool.
	RootCAs *x509.CertPool
	// Timeout bounds connecting and each command; 0 is 20 s.
	Timeout time.Duration
}

// String describes the server without its password, for logs.
func (c SMTPConfig) String() string {
	u := url.URL{Scheme: "smtp", Host: net.JoinHostPort(c.Host, strconv.Itoa(c.Port))}
	if c.TLS == TLSImplicit {
		u.Scheme = "smtps"
	}
	if c.Username != "" {
		u.User = url.User(c.Username)
	}
	if c.TLS == TLSNone {
		u.RawQuery = "tls=none"
	}
	return u.String()
}

// ParseSMTPURL reads RAPPORT_SMTP_URL: smtp://user:pass@host:587 (STARTTLS
// required), smtps://user:pass@host:465 (implicit TLS), or
// smtp://host:1025?tls=none for a local server such as Mailpit. The error
// never repeats the password.
func ParseSMTPURL(raw string) (SMTPConfig, error) {
	fail := func(why string) (SMTPConfig, error) {
		return SMTPConfig{}, fmt.Errorf("RAPPORT_SMTP_URL: %s; use smtp://user:password@mail.example.com:587 (STARTTLS), smtps://user:password@mail.example.com:465 (TLS) or smtp://localhost:1025?tls=none (a local test server)", why)
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return fail("not a URL")
	}
	var c SMTPConfig
	switch u.Scheme {
	case "smtp":
		c.TLS, c.Port = TLSStartTLS, 587
	case "smtps":
		c.TLS, c.Port = TLSImplicit, 465
	default:
		return fail(fmt.Sprintf("the scheme must be smtp or smtps, not %q", u.Scheme))
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return fail("no host")
	}
	if u.Path != "" && u.Path != "/" || u.Fragment != "" {
		return fail("a path has no meaning here")
	}
	c.Host = u.Hostname()
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return fail(fmt.Sprintf("port %q is not a number from 1 to 65535", p))
		}
		c.Port = n
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
		if c.Username == "" {
			return fail("a password without a user name")
		}
	}
	q := u.Query()
	for k := range q {
		if k != "tls" {
			return fail(fmt.Sprintf("unknown option %q", k))
		}
	}
	switch t := q.Get("tls"); t {
	case "":
	case "none":
		if c.TLS == TLSImplicit {
			return fail("smtps:// always uses TLS; tls=none goes with smtp://")
		}
		c.TLS = TLSNone
	case "starttls":
		if c.TLS == TLSImplicit {
			return fail("smtps:// uses TLS from the start; tls=starttls goes with smtp://")
		}
	default:
		return fail(fmt.Sprintf("tls=%q: the only choices are tls=starttls (the default) and tls=none", t))
	}
	return c, nil
}

// SMTP sends through one mail server, a new connection per message.
type SMTP struct {
	cfg SMTPConfig
}

// NewSMTP returns a sender for cfg.
func NewSMTP(cfg SMTPConfig) *SMTP {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 20 * time.Second
	}
	return &SMTP{cfg: cfg}
}

// Config is the server the sender uses.
func (s *SMTP) Config() SMTPConfig { return s.cfg }

func (s *SMTP) client() (*gomail.Client, error) {
	c := s.cfg
	opts := []gomail.Option{
		gomail.WithPort(c.Port),
		gomail.WithTimeout(c.Timeout),
		gomail.WithTLSConfig(&tls.Config{ServerName: c.Host, RootCAs: c.RootCAs, MinVersion: tls.VersionTLS12}),
	}
	switch c.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if c.Username != "" {
		auth := gomail.SMTPAuthPlain
		if c.TLS == TLSNone {
			auth = gomail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(c.Username), gomail.WithPassword(c.Password))
	}
	return gomail.NewClient(c.Host, opts...)
}

// Build makes the MIME message: plain text first, then HTML, as
// multipart/alternative. Every header value is made single-line first.
func Build(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.FromFormat(HeaderText(m.From.Name), m.From.Email); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if err := msg.AddToFormat(HeaderText(m.To.Name), m.To.Email); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	msg.Subject(HeaderText(m.Subject))
	if m.MessageID != "" {
		msg.SetMessageIDWithValue(HeaderText(m.MessageID))
	} else {
		msg.SetMessageID()
	}
	if m.Date.IsZero() {
		msg.SetDate()
	} else {
		msg.SetDateWithValue(m.Date)
	}
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	msg.SetGenHeader(gomail.Header("X-Rapport-Kind"), HeaderText(string(m.Kind)))
	if !m.Kind.Essential() && m.Unsubscribe != "" {
		msg.SetGenHeader(gomail.HeaderListUnsubscribe, "<"+HeaderText(m.Unsubscribe)+">")
		msg.SetGenHeader(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	return msg, nil
}

// Send delivers m. A refusal for good (an SMTP 5xx answer) is Permanent.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := Build(m)
	if err != nil {
		return Permanent(err)
	}
	c, err := s.client()
	if err != nil {
		return Permanent(err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		var se *gomail.SendError
		if errors.As(err, &se) && se.ErrorCode() >= 500 {
			return Permanent(err)
		}
		return err
	}
	return nil
}

// permanentError is a failure that trying again will not fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as one that retrying will not fix.
func Permanent(err error) error { return permanentError{err} }

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}
