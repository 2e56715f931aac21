// Package mailtest runs a real SMTP server (emersion/go-smtp) on 127.0.0.1
// for tests: it keeps every message it accepts, parsed with net/mail and
// mime/multipart, and can refuse the next messages with a temporary error
// to exercise retries.
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	rmail "rapport/internal/mail"
)

// Options tune a Server.
type Options struct {
	// StartTLS offers STARTTLS with a certificate for 127.0.0.1 that
	// Server.Config trusts; without it the server speaks plain text only.
	StartTLS bool
}

// Server is a running SMTP server.
type Server struct {
	Addr string
	cfg  rmail.SMTPConfig

	mu       sync.Mutex
	msgs     []Received
	failNext int
	refused  int
	arrived  chan struct{}
}

// Received is one accepted message.
type Received struct {
	From   string   // envelope sender
	To     []string // envelope recipients
	Raw    []byte
	Header mail.Header
	Text   string // the text/plain part, decoded
	HTML   string // the text/html part, decoded
	// TLS reports whether the session was encrypted.
	TLS bool
}

// Start serves SMTP on 127.0.0.1:0 until the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	s := &Server{arrived: make(chan struct{}, 1)}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 4 << 20
	srv.MaxRecipients = 10
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	s.Addr = l.Addr().String()
	port := l.Addr().(*net.TCPAddr).Port
	s.cfg = rmail.SMTPConfig{Host: "127.0.0.1", Port: port, TLS: rmail.TLSNone, Timeout: 5 * time.Second}
	if o.StartTLS {
		cert, pool := selfSigned(t)
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.cfg.TLS, s.cfg.RootCAs = rmail.TLSStartTLS, pool
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if n := s.Kinds(); len(n) > 0 {
			t.Logf("test SMTP server received %s", n)
		}
	})
	return s
}

// Config is how Rapport reaches this server.
func (s *Server) Config() rmail.SMTPConfig { return s.cfg }

// FailNext makes the server answer the next n messages with "451 try
// again later", as a busy server does.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

// Refused is how many messages the server turned away.
func (s *Server) Refused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// Kinds counts the accepted messages by their X-Rapport-Kind header, e.g.
// "invitation=1 password_reset=2".
func (s *Server) Kinds() string {
	counts := map[string]int{}
	for _, m := range s.Messages() {
		counts[m.Header.Get("X-Rapport-Kind")]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, counts[k]))
	}
	return strings.Join(parts, " ")
}

// Wait waits until the server has accepted n messages, and returns them.
func (s *Server) Wait(t testing.TB, n int, within time.Duration) []Received {
	t.Helper()
	deadline := time.After(within)
	for {
		if m := s.Messages(); len(m) >= n {
			return m
		}
		select {
		case <-s.arrived:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("mailtest: %d of %d messages arrived within %v", len(s.Messages()), n, within)
		}
	}
}

// WaitTo waits until n messages to addr have arrived, and returns them in
// their order. Tests that share the database see the reminder jobs write to
// other tests' people too: wait for the messages of your own.
func (s *Server) WaitTo(t testing.TB, addr string, n int, within time.Duration) []Received {
	t.Helper()
	return s.waitFor(t, within, func() ([]Received, bool) { m := s.To(addr); return m, len(m) >= n },
		func() string { return fmt.Sprintf("%d of %d messages to %s", len(s.To(addr)), n, addr) })
}

// WaitKind waits until a message of kind (its X-Rapport-Kind) to addr has
// arrived, and returns the first.
func (s *Server) WaitKind(t testing.TB, addr, kind string, within time.Duration) Received {
	t.Helper()
	m := s.waitFor(t, within, func() ([]Received, bool) {
		for _, m := range s.To(addr) {
			if m.Header.Get("X-Rapport-Kind") == kind {
				return []Received{m}, true
			}
		}
		return nil, false
	}, func() string { return fmt.Sprintf("no %s message to %s (%s)", kind, addr, s.Kinds()) })
	return m[0]
}

func (s *Server) waitFor(t testing.TB, within time.Duration, done func() ([]Received, bool), missing func() string) []Received {
	t.Helper()
	deadline := time.After(within)
	for {
		if m, ok := done(); ok {
			return m
		}
		select {
		case <-s.arrived:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("mailtest: within %v: %s", within, missing())
		}
	}
}

// To returns the accepted messages whose envelope goes to addr.
func (s *Server) To(addr string) []Received {
	var out []Received
	for _, m := range s.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

type session struct {
	s    *Server
	conn *smtp.Conn
	from string
	to   []string
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := x.s
	s.mu.Lock()
	if s.failNext > 0 {
		s.failNext--
		s.refused++
		s.mu.Unlock()
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	}
	s.mu.Unlock()
	m, err := Parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Unreadable message: " + err.Error()}
	}
	m.From, m.To = x.from, x.to
	_, m.TLS = x.conn.TLSConnectionState()
	s.mu.Lock()
	s.msgs = append(s.msgs, m)
	s.mu.Unlock()
	select {
	case s.arrived <- struct{}{}:
	default:
	}
	return nil
}

// Parse reads a message and its text and HTML parts.
func Parse(raw []byte) (Received, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Received{}, err
	}
	out := Received{Raw: raw, Header: msg.Header}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return Received{}, fmt.Errorf("content type: %w", err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		body, err := decode(msg.Body, msg.Header.Get("Content-Transfer-Encoding"))
		if err != nil {
			return Received{}, err
		}
		if mt == "text/html" {
			out.HTML = body
		} else {
			out.Text = body
		}
		return out, nil
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Received{}, err
		}
		body, err := decode(p, p.Header.Get("Content-Transfer-Encoding"))
		if err != nil {
			return Received{}, err
		}
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		switch pt {
		case "text/plain":
			out.Text = body
		case "text/html":
			out.HTML = body
		}
	}
	return out, nil
}

func decode(r io.Reader, cte string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, &crlfStripper{r: r})
	}
	b, err := io.ReadAll(r)
	return string(b), err
}

// crlfStripper drops line breaks, which base64 bodies carry every 76 bytes.
type crlfStripper struct{ r io.Reader }

func (c *crlfStripper) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	j := 0
	for _, b := range p[:n] {
		if b != '\r' && b != '\n' {
			p[j] = b
			j++
		}
	}
	return j, err
}

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mailtest"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: c}, pool
}
