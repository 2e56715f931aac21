package notify_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/dns/dnsmessage"

	"rapport/internal/core"
	"rapport/internal/notify"
	"rapport/internal/postgres"
)

// internalAddresses are webhook addresses on the server's machine or network,
// or a cloud metadata service, written the ways people get them past naive
// checks, with the IP each one means (none for names).
var internalAddresses = []struct{ url, ip string }{
	{"https://127.0.0.1/hooks/T000/B000/tok", "127.0.0.1"},
	{"https://localhost/hooks/T000/B000/tok", ""},
	{"https://[::1]/hooks/T000/B000/tok", "::1"},
	{"https://10.1.2.3/hooks/T000/B000/tok", "10.1.2.3"},
	{"https://172.16.5.4/hooks/T000/B000/tok", "172.16.5.4"},
	{"https://192.168.1.10:8065/hooks/T000/B000/tok", "192.168.1.10"},
	{"https://169.254.169.254/latest/meta-data/iam", "169.254.169.254"},
	{"https://0.0.0.0/hooks/T000/B000/tok", "0.0.0.0"},
	{"https://2130706433/hooks/T000/B000/tok", "127.0.0.1"},
	{"https://0x7f.1/hooks/T000/B000/tok", "127.0.0.1"},
	{"https://metadata.google.internal/computeMetadata/v1/", ""},
	{"https://100.100.100.200/latest/meta-data/", "100.100.100.200"},
	{"https://100.64.0.1/hooks/T000/B000/tok", "100.64.0.1"},
	{"https://224.0.0.251/hooks/T000/B000/tok", "224.0.0.251"},
	{"https://255.255.255.255/hooks/T000/B000/tok", "255.255.255.255"},
	{"https://[::ffff:127.0.0.1]/hooks/T000/B000/tok", "::ffff:127.0.0.1"},
	{"https://[64:ff9b::a9fe:a9fe]/latest/meta-data/", "64:ff9b::a9fe:a9fe"},
	{"https://[2002:7f00:1::]/hooks/T000/B000/tok", "2002:7f00:1::"},
	{"https://[fd00:ec2::254]/latest/meta-data/", "fd00:ec2::254"},
	{"https://[fe80::1]/hooks/T000/B000/tok", "fe80::1"},
}

// dnsServer is a real DNS server on 127.0.0.1 that answers A and AAAA
// questions from a table, the way an attacker's name server answers for a
// name it controls.
type dnsServer struct {
	conn    net.PacketConn
	mu      sync.Mutex
	answers map[string]netip.Addr // "name." → address
}

func newDNSServer(t *testing.T) *dnsServer {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	must(t, err)
	d := &dnsServer{conn: conn, answers: map[string]netip.Addr{}}
	t.Cleanup(func() { conn.Close() })
	go d.serve()
	return d
}

func (d *dnsServer) set(name string, addr netip.Addr) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.answers[strings.ToLower(name)+"."] = addr
}

func (d *dnsServer) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := d.conn.ReadFrom(buf)
		if err != nil {
			return
		}
		var p dnsmessage.Parser
		h, err := p.Start(buf[:n])
		if err != nil {
			continue
		}
		q, err := p.Question()
		if err != nil {
			continue
		}
		d.mu.Lock()
		addr, ok := d.answers[strings.ToLower(q.Name.String())]
		d.mu.Unlock()
		rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired}
		if !ok {
			rh.RCode = dnsmessage.RCodeNameError
		}
		b := dnsmessage.NewBuilder(nil, rh)
		_ = b.StartQuestions()
		_ = b.Question(q)
		_ = b.StartAnswers()
		res := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 0}
		switch {
		case ok && q.Type == dnsmessage.TypeA && addr.Is4():
			_ = b.AResource(res, dnsmessage.AResource{A: addr.As4()})
		case ok && q.Type == dnsmessage.TypeAAAA && addr.Is6():
			_ = b.AAAAResource(res, dnsmessage.AAAAResource{AAAA: addr.As16()})
		}
		msg, err := b.Finish()
		if err != nil {
			continue
		}
		_, _ = d.conn.WriteTo(msg, from)
	}
}

// resolver asks this server only.
func (d *dnsServer) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var dd net.Dialer
		return dd.DialContext(ctx, "udp", d.conn.LocalAddr().String())
	}}
}

// receiverPort is the port the receiver listens on (on 127.0.0.1).
func receiverPort(t *testing.T, r *receiver) string {
	t.Helper()
	u, err := url.Parse(r.srv.URL)
	must(t, err)
	return u.Port()
}

func TestInternalAddressesAreRefusedWhenSaved(t *testing.T) {
	refused := 0
	for _, a := range internalAddresses {
		_, err := notify.ValidateWebhookURL(a.url, notify.NewGuard(nil))
		if core.ErrorCode(err) == core.EINVALID && strings.Contains(core.FieldErrors(err)["url"], "not allowed") {
			refused++
			continue
		}
		t.Errorf("ValidateWebhookURL(%q) = %v, want EINVALID: not allowed", a.url, err)
	}
	t.Logf("%d of %d internal addresses refused when saved", refused, len(internalAddresses))

	// Public addresses, and names that only look internal, still pass.
	for _, ok := range []string{
		"https://hooks.slack.com/services/T000/B000/tok",
		"https://93.184.215.14/hooks/x",
		"https://[2606:4700::1111]/hooks/x",
		"https://chat.example.com:8443/hooks/x",
		"https://localhost.example.com/hooks/x",
		"https://10.example.com/hooks/x",
	} {
		if _, err := notify.ValidateWebhookURL(ok, notify.NewGuard(nil)); err != nil {
			t.Errorf("ValidateWebhookURL(%q) = %v, want it accepted", ok, err)
		}
	}
	// Other spellings of the same places.
	for _, bad := range []string{
		"https://0177.0.0.1/x", "https://127.1/x", "https://0x7f000001/x", "https://LOCALHOST./x",
		"https://api.localhost/x", "https://[::]/x", "https://[fe80::1%25eth0]/x", "https://[::127.0.0.1]/x",
		"https://192.0.0.170/x", "https://[64:ff9b::10.0.0.1]/x",
	} {
		if _, err := notify.ValidateWebhookURL(bad, notify.NewGuard(nil)); core.ErrorCode(err) != core.EINVALID {
			t.Errorf("ValidateWebhookURL(%q) = %v, want EINVALID", bad, err)
		}
	}
	// An allowed range lets its addresses through, and only those.
	g := notify.NewGuard([]netip.Prefix{netip.MustParsePrefix("10.20.0.0/16")})
	if _, err := notify.ValidateWebhookURL("https://10.20.3.4/hooks/x", g); err != nil {
		t.Errorf("an address in an allowed range was refused: %v", err)
	}
	if _, err := notify.ValidateWebhookURL("https://10.21.3.4/hooks/x", g); core.ErrorCode(err) != core.EINVALID {
		t.Errorf("an address outside the allowed range was accepted: %v", err)
	}
}

// Connecting checks the address actually dialled, after DNS: a name whose
// answer is (or becomes) internal is refused, and nothing reaches the server
// listening there.
func TestInternalAddressesAreRefusedWhenConnectingWhateverTheNameResolvesTo(t *testing.T) {
	pool := openPool(t, dsn)
	dns := newDNSServer(t)
	r := newReceiver(t, 0)
	port := receiverPort(t, r)
	client := trustForAnyName(r)
	n, _ := newNotifier(t, pool, nil, notify.Options{AllowPrivate: []netip.Prefix{}, Resolver: dns.resolver(), HTTPClient: client})

	refused := 0
	for i, a := range internalAddresses {
		targets := []string{a.url}
		if a.ip != "" {
			// The same place behind a name that passes the check on saving.
			name := "h" + itoa(int64(i)) + ".rebind.test"
			dns.set(name, netip.MustParseAddr(a.ip))
			targets = append(targets, "https://"+net.JoinHostPort(name, port)+"/services/"+secret)
		}
		allRefused := true
		for _, target := range targets {
			if _, err := notify.ValidateWebhookURL(target, notify.NewGuard(nil)); a.ip != "" && target != a.url && err != nil {
				t.Fatalf("%s is refused on saving already; the test needs a name that is not: %v", target, err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), notify.PostTimeout)
			err := n.Post(ctx, target)
			cancel()
			if err == nil || err.Error() != "address not allowed" {
				allRefused = false
				t.Errorf("posting to %s: %v, want \"address not allowed\"", target, err)
			}
		}
		if allRefused {
			refused++
		}
	}
	t.Logf("%d of %d internal addresses refused when connecting", refused, len(internalAddresses))
	if requests, _ := r.counts(); requests != 0 {
		t.Errorf("the loopback receiver got %d requests", requests)
	}

	// The same names reach the receiver once loopback is allowed: the refusals
	// above were the guard's, not a failed lookup.
	allowed, _ := newNotifier(t, pool, nil, notify.Options{AllowPrivate: loopbackAllowed, Resolver: dns.resolver(), HTTPClient: client})
	for _, name := range []string{"h0.rebind.test", "h8.rebind.test", "h9.rebind.test"} { // 127.0.0.1, 2130706433, 0x7f.1
		if err := allowed.Post(context.Background(), "https://"+name+":"+port+"/services/"+secret); err != nil {
			t.Errorf("posting to %s with loopback allowed: %v", name, err)
		}
	}
	if requests, _ := r.counts(); requests != 3 {
		t.Errorf("the receiver got %d requests with loopback allowed, want 3", requests)
	}
}

// trustForAnyName is a client that trusts the receiver's certificate whatever
// name it is reached by (its certificate names 127.0.0.1).
func trustForAnyName(r *receiver) *http.Client {
	client := r.srv.Client()
	client.Transport.(*http.Transport).TLSClientConfig.ServerName = "127.0.0.1"
	return client
}

// A delivery whose name resolves to loopback fails as "address not allowed"
// without reaching the receiver; allowing loopback lets the same delivery through.
func TestDeliveryToANameResolvingToLoopbackIsRefusedUnlessAllowed(t *testing.T) {
	ctx := context.Background()
	pool := openPool(t, dsn)
	w := newWorld(t, pool)
	dns := newDNSServer(t)
	r := newReceiver(t, 0)
	dns.set("chat.rebind.test", netip.MustParseAddr("127.0.0.1"))
	hook := "https://chat.rebind.test:" + receiverPort(t, r) + "/services/" + secret
	must(t, notify.SetWebhook(ctx, postgres.NewNotifyStore(pool), testKeys, notify.NewGuard(nil), w.org, w.platform, w.author, hook))

	client := trustForAnyName(r)
	n, logs := startNotifier(t, pool, nil, notify.Options{MaxAttempts: 1, AllowPrivate: []netip.Prefix{}, Resolver: dns.resolver(), HTTPClient: client})
	id := postKudo(t, pool, n, w, "org", w.alice)
	waitFor(t, "the job to be discarded", func() bool { s, _ := jobState(t, pool, id, w.platform); return s == "discarded" })
	rows := deliveryRows(t, pool, "kudo_id = $1", id)
	if len(rows) != 1 || rows[0].status != notify.StatusFailed || rows[0].lastError != "address not allowed" {
		t.Errorf("delivery rows %+v, want one failed with \"address not allowed\"", rows)
	}
	if requests, _ := r.counts(); requests != 0 {
		t.Errorf("the loopback receiver got %d requests", requests)
	}
	assertNoSecret(t, "the log", logs.String())

	// The operator allows loopback: the next kudo is delivered to the same address.
	n2, _ := startNotifier(t, pool, nil, notify.Options{AllowPrivate: loopbackAllowed, Resolver: dns.resolver(), HTTPClient: client})
	id2 := postKudo(t, pool, n2, w, "org", w.alice)
	waitFor(t, "the delivery", func() bool {
		rows := deliveryRows(t, pool, "kudo_id = $1", id2)
		return len(rows) == 1 && rows[0].status == notify.StatusDelivered
	})
	if requests, successes := r.counts(); requests != 1 || successes != 1 {
		t.Errorf("receiver got %d requests (%d ok), want 1", requests, successes)
	}
}

// Admins see a failure's class, never the transport's words (which told open
// ports from closed ones).
func TestDeliveryFailuresAreShownAsClasses(t *testing.T) {
	pool := openPool(t, dsn)
	r := newReceiver(t, 0)
	notFound := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(notFound.Close)
	closed := httptest.NewTLSServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	// A redirect is never followed, wherever it points.
	var followed sync.Mutex
	followedCount := 0
	inner := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		followed.Lock()
		followedCount++
		followed.Unlock()
	}))
	t.Cleanup(inner.Close)
	redirecting := httptest.NewUnstartedServer(http.RedirectHandler(inner.URL+"/latest/meta-data/", http.StatusFound))
	redirecting.TLS = notFound.TLS
	redirecting.StartTLS()
	t.Cleanup(redirecting.Close)

	trusting, _ := newNotifier(t, pool, nil, notify.Options{HTTPClient: notFound.Client()})
	untrusting, _ := newNotifier(t, pool, nil, notify.Options{HTTPClient: &http.Client{}})
	defaultGuard, _ := newNotifier(t, pool, nil, notify.Options{AllowPrivate: []netip.Prefix{}, HTTPClient: notFound.Client()})
	for _, c := range []struct {
		n    *notify.Notifier
		url  string
		want string
	}{
		{trusting, notFound.URL + "/services/" + secret, "HTTP 404"},
		{trusting, redirecting.URL + "/services/" + secret, "HTTP 302"},
		{trusting, closedURL + "/services/" + secret, "connection failed"},
		{untrusting, r.srv.URL + "/services/" + secret, "TLS error"},
		{defaultGuard, notFound.URL + "/services/" + secret, "address not allowed"},
	} {
		err := c.n.Post(context.Background(), c.url)
		if err == nil || err.Error() != c.want {
			t.Errorf("posting to %s: %v, want %q", c.url, err, c.want)
		}
	}
	followed.Lock()
	defer followed.Unlock()
	if followedCount != 0 {
		t.Errorf("a redirect was followed %d times", followedCount)
	}
}
