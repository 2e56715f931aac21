package mail_test

import (
	"context"
	"net/mail"
	"strings"
	"testing"
	"time"

	rmail "rapport/internal/mail"
	"rapport/internal/mailtest"
)

func notice(kind rmail.Kind, name string) rmail.Notice {
	return rmail.Notice{Kind: kind, OrgID: 1, UserID: 2, To: rmail.Address{Name: name, Email: "ana@example.com"},
		TimeZone: "Europe/Madrid", OrgName: "Acme", ByName: "Bea Admin", Token: "tok-EN_123",
		ExpiresAt: time.Date(2026, 12, 3, 15, 30, 0, 0, time.UTC), At: time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)}
}

func send(t *testing.T, cfg rmail.SMTPConfig, m rmail.Message) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return rmail.NewSMTP(cfg).Send(ctx, m)
}

func message(t *testing.T, n rmail.Notice) rmail.Message {
	t.Helper()
	r, err := rmail.Render(context.Background(), n, "https://rapport.example.com/")
	if err != nil {
		t.Fatal(err)
	}
	from := rmail.Address{Name: "Rapport", Email: "rapport@example.com"}
	return rmail.Message{Kind: n.Kind, From: from, To: n.To, Subject: r.Subject, Text: r.Text, HTML: r.HTML,
		MessageID: rmail.MessageID(42, from), Date: n.At}
}

// A message reaches a real SMTP server with its headers, and its text and
// HTML parts carry the same link, with the date in the recipient's zone.
func TestAMessageArrivesWithBothPartsCarryingTheSameLink(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t, mailtest.Options{})
	m := message(t, notice(rmail.KindPasswordReset, "Ana Ruiz"))
	if err := send(t, srv.Config(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, 1, 5*time.Second)[0]
	from, _ := mail.ParseAddress(got.Header.Get("From"))
	to, _ := mail.ParseAddress(got.Header.Get("To"))
	if from == nil || from.Address != "rapport@example.com" || to == nil || to.Address != "ana@example.com" || to.Name != "Ana Ruiz" {
		t.Errorf("From %q, To %q", got.Header.Get("From"), got.Header.Get("To"))
	}
	if s := got.Header.Get("Subject"); s != "Reset your Rapport password" {
		t.Errorf("Subject %q", s)
	}
	if id := got.Header.Get("Message-Id"); id != "<rapport-outbox-42@example.com>" {
		t.Errorf("Message-ID %q", id)
	}
	if got.Header.Get("List-Unsubscribe") != "" {
		t.Error("an account message carries List-Unsubscribe")
	}
	const link = "https://rapport.example.com/password/reset/tok-EN_123"
	if !strings.Contains(got.Text, link) || !strings.Contains(got.HTML, `href="`+link+`"`) {
		t.Errorf("the link is not in both parts:\n%s\n%s", got.Text, got.HTML)
	}
	// 15:30 UTC is 16:30 in Madrid in December.
	for _, part := range []string{got.Text, got.HTML} {
		if !strings.Contains(part, "Thursday 3 December 2026 at 16:30 (Europe/Madrid)") {
			t.Errorf("expiry not in the recipient's zone:\n%s", part)
		}
	}
	if len(got.To) != 1 || got.To[0] != "ana@example.com" || got.TLS {
		t.Errorf("envelope to %v, tls %v", got.To, got.TLS)
	}
}

// A name or subject with line breaks cannot add a header or a recipient.
func TestHeaderInjectionIsImpossible(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t, mailtest.Options{})
	m := message(t, notice(rmail.KindInvitation, "Ana\r\nBcc: evil@example.net"))
	m.Subject = "Hello\r\nBcc: evil@example.net\nX-Evil: 1"
	m.From.Name = "Rapport\nCc: evil@example.net"
	if err := send(t, srv.Config(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, 1, 5*time.Second)[0]
	for _, h := range []string{"Bcc", "Cc", "X-Evil"} {
		if v := got.Header.Get(h); v != "" {
			t.Errorf("injected header %s: %q", h, v)
		}
	}
	if len(got.To) != 1 || got.To[0] != "ana@example.com" {
		t.Errorf("envelope recipients %v", got.To)
	}
	if s := got.Header.Get("Subject"); s != "Hello Bcc: evil@example.net X-Evil: 1" {
		t.Errorf("subject %q", s)
	}
	if strings.Contains(string(got.Raw), "\nBcc:") {
		t.Errorf("raw message has a Bcc line:\n%s", got.Raw)
	}
	if _, err := rmail.ParseAddress("Rapport <a@example.com>\r\nBcc: b@example.com"); err == nil {
		t.Error("a From with a line break was accepted")
	}
}

// smtp:// requires STARTTLS: a server without it is refused before any
// message (or password) is sent, one with it gets the message encrypted.
func TestSTARTTLSIsRequiredByDefault(t *testing.T) {
	t.Parallel()
	plain := mailtest.Start(t, mailtest.Options{})
	cfg := plain.Config()
	cfg.TLS = rmail.TLSStartTLS
	m := message(t, notice(rmail.KindPasswordChanged, "Ana"))
	if err := send(t, cfg, m); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("sent over plain text: %v", err)
	}
	if n := len(plain.Messages()); n != 0 {
		t.Fatalf("%d messages arrived in plain text", n)
	}
	secure := mailtest.Start(t, mailtest.Options{StartTLS: true})
	if err := send(t, secure.Config(), m); err != nil {
		t.Fatal(err)
	}
	if got := secure.Wait(t, 1, 5*time.Second)[0]; !got.TLS {
		t.Error("the message was not sent over TLS")
	}
}

// A refusal for good (5xx) is permanent; a busy server (4xx) is not.
func TestTemporaryAndPermanentFailuresAreTold(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t, mailtest.Options{})
	srv.FailNext(1)
	m := message(t, notice(rmail.KindPasswordChanged, "Ana"))
	err := send(t, srv.Config(), m)
	if err == nil || rmail.IsPermanent(err) || !strings.Contains(err.Error(), "451") {
		t.Fatalf("451: %v (permanent %v)", err, rmail.IsPermanent(err))
	}
	m.To.Email = "not-an-address"
	if err := send(t, srv.Config(), m); err == nil || !rmail.IsPermanent(err) {
		t.Fatalf("bad address: %v", err)
	}
}

func TestParseSMTPURL(t *testing.T) {
	t.Parallel()
	good := []struct {
		in   string
		want string
		tls  string
		port int
	}{
		{"smtp://user:pa%40ss@mail.example.com:587", "smtp://user@mail.example.com:587", rmail.TLSStartTLS, 587},
		{"smtp://mail.example.com", "smtp://mail.example.com:587", rmail.TLSStartTLS, 587},
		{"smtps://u:p@mail.example.com", "smtps://u@mail.example.com:465", rmail.TLSImplicit, 465},
		{"smtp://mailpit:1025?tls=none", "smtp://mailpit:1025?tls=none", rmail.TLSNone, 1025},
		{"smtp://h:25?tls=starttls", "smtp://h:25", rmail.TLSStartTLS, 25},
	}
	for _, g := range good {
		c, err := rmail.ParseSMTPURL(g.in)
		if err != nil || c.String() != g.want || c.TLS != g.tls || c.Port != g.port {
			t.Errorf("%s: %+v %v", g.in, c, err)
		}
	}
	c, _ := rmail.ParseSMTPURL("smtp://user:pa%40ss@h")
	if c.Username != "user" || c.Password != "pa@ss" {
		t.Errorf("credentials %q %q", c.Username, c.Password)
	}
	bad := []string{"http://h", "smtp://", "smtp://h:0", "smtp://h:99999", "smtp://h?tls=maybe", "smtps://h?tls=none",
		"smtp://h?debug=1", "smtp://:secret@h", "mail.example.com:587", "smtp://h/path", "smtp://u:topsecret@h?tls=nope"}
	for _, b := range bad {
		_, err := rmail.ParseSMTPURL(b)
		if err == nil {
			t.Errorf("%s accepted", b)
			continue
		}
		if !strings.HasPrefix(err.Error(), "RAPPORT_SMTP_URL: ") || strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: %v", b, err)
		}
	}
}

// A message that is not about the account itself (a reminder, a digest)
// carries one-click unsubscribe headers; account messages never do.
func TestOnlyNonEssentialMessagesCarryListUnsubscribe(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t, mailtest.Options{})
	m := message(t, notice(rmail.KindPasswordChanged, "Ana"))
	m.Unsubscribe = "https://rapport.example.com/unsubscribe/abc"
	if err := send(t, srv.Config(), m); err != nil {
		t.Fatal(err)
	}
	m.Kind = rmail.Kind("digest")
	if err := send(t, srv.Config(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, 2, 5*time.Second)
	if h := got[0].Header.Get("List-Unsubscribe"); h != "" {
		t.Errorf("an account message carries List-Unsubscribe %q", h)
	}
	if h := got[1].Header.Get("List-Unsubscribe"); h != "<https://rapport.example.com/unsubscribe/abc>" ||
		got[1].Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Errorf("a digest's unsubscribe headers: %q %q", h, got[1].Header.Get("List-Unsubscribe-Post"))
	}
}
