// Package testapp runs a real Rapport server over a real database for tests:
// httptest, the production wiring, and clients that keep their own cookies.
package testapp

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/app"
	"rapport/internal/core"
	"rapport/internal/mail"
	"rapport/internal/postgres"
	"rapport/internal/server"
	"rapport/internal/testfx"
)

// TestApp is a running server.
type TestApp struct {
	*app.App
	HTTP *httptest.Server
	URL  string
	Pool *pgxpool.Pool
	F    testfx.Factory
	Logs *LogBuffer
	// Queries counts database round trips (every statement), for benchmarks.
	Queries *postgres.QueryCounter
}

// Options tune a TestApp.
type Options struct {
	PlainHTTP bool // serve over http (cookies still Secure: browsers accept them on loopback)
	Config    func(*server.Config)
	Clock     core.Clock
	// WebhookAllowPrivate lets webhooks reach these private ranges, as the
	// operator's --webhook-allow-private does (e.g. a receiver on 127.0.0.1).
	WebhookAllowPrivate []netip.Prefix
	// Mail sends email through this server (a mailtest.Server's Config);
	// nil: email is not configured.
	Mail *mail.SMTPConfig
}

// Start serves Rapport on the database at dsn until the test ends.
func Start(t testing.TB, dsn string, o Options) *TestApp {
	t.Helper()
	counter := &postgres.QueryCounter{}
	pool, err := postgres.OpenTraced(context.Background(), dsn, 8, counter)
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(pool.Close)
	logs := &LogBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))

	ta := &TestApp{Pool: pool, F: testfx.Factory{Pool: pool}, Logs: logs, Queries: counter}
	// The server must know its own URL (links, trusted origin) before it is
	// built, so start the listener with a handler that delegates.
	var h http.Handler
	delegate := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) })
	if o.PlainHTTP {
		ta.HTTP = httptest.NewServer(delegate)
	} else {
		ta.HTTP = httptest.NewTLSServer(delegate)
	}
	t.Cleanup(ta.HTTP.Close)
	ta.URL = ta.HTTP.URL

	cfg := server.DefaultConfig()
	cfg.BaseURL = ta.URL
	// Every test of a package shares one database, and so the sign-in
	// counters of 127.0.0.1: tests of the limits set their own and use
	// addresses of their own (ClientFrom).
	cfg.LoginPerIP = 1 << 20
	cfg.LoginPerAccount = 1 << 20
	if o.Config != nil {
		o.Config(&cfg)
	}
	opts := app.Options{Clock: o.Clock, HashParams: &testfx.FastHash, WebhookAllowPrivate: o.WebhookAllowPrivate}
	if o.Mail != nil {
		opts.MailSender = mail.NewSMTP(*o.Mail)
		opts.MailFrom = mail.Address{Name: "Rapport", Email: "rapport@example.com"}
	}
	a, err := app.New(pool, cfg, log, opts)
	if err != nil {
		t.Fatalf("wire app: %v", err)
	}
	ta.App = a
	if err := a.Live.Start(context.Background()); err != nil {
		t.Fatalf("start live updates: %v", err)
	}
	// Before the HTTP server closes (clean-ups run last first): open event
	// streams end with the hub.
	t.Cleanup(a.Live.Stop)
	h = ta.Server.Handler()
	return ta
}

// Client is a browser-like HTTP client with its own cookie jar. It does not
// follow redirects, so tests see every 303.
type Client struct {
	t    testing.TB
	app  *TestApp
	HTTP *http.Client
}

// Client returns a new client with an empty cookie jar.
func (a *TestApp) Client(t testing.TB) *Client {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{
		Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	if tr, ok := a.HTTP.Client().Transport.(*http.Transport); ok {
		t2 := tr.Clone()
		if t2.TLSClientConfig == nil {
			t2.TLSClientConfig = &tls.Config{}
		}
		c.Transport = t2
	}
	return &Client{t: t, app: a, HTTP: c}
}

// Response is a read response.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// Location is the redirect target's path.
func (r Response) Location() string {
	u, err := url.Parse(r.Header.Get("Location"))
	if err != nil {
		return r.Header.Get("Location")
	}
	return u.RequestURI()
}

// Do sends a request and reads the whole response.
func (c *Client) Do(req *http.Request) Response {
	c.t.Helper()
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

// ClientFrom returns a new client whose connections come from the loopback
// address ip (e.g. "127.0.0.7"), so that tests can play several people at
// several addresses.
func (a *TestApp) ClientFrom(t testing.TB, ip string) *Client {
	c := a.Client(t)
	tr, ok := c.HTTP.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("client transport is %T", c.HTTP.Transport)
	}
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr.DialContext = d.DialContext
	return c
}

// Get fetches a path.
func (c *Client) Get(path string) Response {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.app.URL+path, nil)
	return c.Do(req)
}

// Post sends a urlencoded form.
func (c *Client) Post(path string, form url.Values) Response {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.app.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(req)
}

// SignIn signs in through the form and fails the test if that doesn't work.
func (c *Client) SignIn(email, password string) {
	c.t.Helper()
	r := c.Post("/login", url.Values{"email": {email}, "password": {password}})
	if r.Status != http.StatusSeeOther {
		c.t.Fatalf("sign in as %s: status %d\n%s", email, r.Status, r.Body)
	}
}

// SessionCookie returns the session cookie the client holds, or nil.
func (c *Client) SessionCookie() *http.Cookie {
	u, _ := url.Parse(c.app.URL)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if strings.HasSuffix(ck.Name, "rapport_session") {
			return ck
		}
	}
	return nil
}

// LogBuffer collects log output for assertions; safe for concurrent use.
type LogBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything logged so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
