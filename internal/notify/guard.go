package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrAddressNotAllowed is a webhook address on the server's own machine, a
// private or otherwise internal network, or a cloud metadata service. Such an
// address would let an organisation's admin probe the network Rapport runs in.
var ErrAddressNotAllowed = errors.New("address not allowed")

// Guard decides which network addresses webhooks may reach: public unicast
// addresses only, plus the private ranges the operator allows (an on-premise
// chat server). It is checked when an address is saved and again, on the
// resolved IP, each time a connection is opened, so DNS answers that change
// after saving (rebinding) cannot reach what saving refused.
type Guard struct {
	allow []netip.Prefix
}

// NewGuard returns a Guard that also lets through the given ranges.
func NewGuard(allow []netip.Prefix) *Guard {
	g := &Guard{}
	for _, p := range allow {
		g.allow = append(g.allow, p.Masked())
	}
	return g
}

// ParseAllowList reads a comma-separated list of CIDR ranges (a bare address
// is a range of one), returning one message per bad value.
func ParseAllowList(s string) ([]netip.Prefix, []string) {
	var out []netip.Prefix
	var bad []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil || a.Zone() != "" {
				bad = append(bad, fmt.Sprintf("%q is not a CIDR range like 10.20.0.0/16 or fd12:3456::/48", f))
				continue
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if p.Addr().Is4In6() {
			bad = append(bad, fmt.Sprintf("%q: write IPv4 ranges in IPv4 form, like 10.20.0.0/16", f))
			continue
		}
		if p.Bits() == 0 {
			bad = append(bad, fmt.Sprintf("%q would allow every address: list only your private ranges", f))
			continue
		}
		out = append(out, p.Masked())
	}
	return out, bad
}

// blockedRanges are never reached unless allowed: this host, private and
// shared networks, link-local (where cloud metadata services answer),
// multicast, reserved and documentation ranges, and the IPv6 forms that embed
// an IPv4 address (checked again on the embedded address).
var blockedRanges = mustPrefixes(
	"0.0.0.0/8",       // "this network"; 0.0.0.0 reaches the local host
	"10.0.0.0/8",      // private
	"100.64.0.0/10",   // carrier-grade NAT, also Alibaba Cloud's metadata (100.100.100.200)
	"127.0.0.0/8",     // loopback
	"169.254.0.0/16",  // link-local, cloud metadata (169.254.169.254)
	"172.16.0.0/12",   // private
	"192.0.0.0/24",    // IETF protocol assignments
	"192.0.2.0/24",    // documentation
	"192.88.99.0/24",  // 6to4 relay anycast
	"192.168.0.0/16",  // private
	"198.18.0.0/15",   // benchmarking
	"198.51.100.0/24", // documentation
	"203.0.113.0/24",  // documentation
	"224.0.0.0/4",     // multicast
	"240.0.0.0/4",     // reserved, and the broadcast address
	"::/128",          // unspecified
	"::1/128",         // loopback
	"::/96",           // IPv4-compatible (deprecated)
	"64:ff9b:1::/48",  // local-use NAT64
	"100::/64",        // discard
	"2001::/23",       // IETF protocol assignments, Teredo
	"2001:db8::/32",   // documentation
	"fc00::/7",        // unique local, AWS metadata (fd00:ec2::254)
	"fe80::/10",       // link-local
	"fec0::/10",       // site-local (deprecated)
	"ff00::/8",        // multicast
)

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// blockedNames are host names that reach this machine or a metadata service
// whatever DNS says. Other names are checked on the addresses they resolve to.
var blockedNames = map[string]bool{
	"localhost":                  true,
	"metadata":                   true,
	"metadata.google.internal":   true,
	"metadata.goog":              true,
	"instance-data":              true,
	"instance-data.ec2.internal": true,
	"metadata.azure.internal":    true,
}

func mustPrefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// AllowedIP reports whether a connection to ip may be opened.
func (g *Guard) AllowedIP(ip netip.Addr) bool {
	ip = ip.WithZone("").Unmap()
	if !ip.IsValid() {
		return false
	}
	if g != nil {
		for _, p := range g.allow {
			if p.Contains(ip) {
				return true
			}
		}
	}
	for _, p := range blockedRanges {
		if p.Contains(ip) {
			return false
		}
	}
	// Addresses that carry an IPv4 address are as good as that address.
	if nat64.Contains(ip) {
		b := ip.As16()
		return g.AllowedIP(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
	}
	if sixToFour.Contains(ip) {
		b := ip.As16()
		return g.AllowedIP(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
	}
	return true
}

// CheckHost reports whether a URL's host (a name or an address literal, as
// url.URL.Hostname returns it) may be saved: ErrAddressNotAllowed for an
// internal address or name. Other names pass here; the addresses they resolve
// to are checked on every connection.
func (g *Guard) CheckHost(host string) error {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "" {
		return ErrAddressNotAllowed
	}
	if ip, ok := hostIP(h); ok {
		if !g.AllowedIP(ip) {
			return ErrAddressNotAllowed
		}
		return nil
	}
	if blockedNames[h] || strings.HasSuffix(h, ".localhost") {
		return ErrAddressNotAllowed
	}
	return nil
}

// hostIP reads a host that is an IP address, in any form a resolver would
// accept as one: IPv6 (with a zone), dotted IPv4, and the inet_aton forms
// (2130706433, 0x7f.1, 0177.0.0.1, 127.1) that name the same addresses.
func hostIP(h string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(h); err == nil {
		return a.WithZone(""), true
	}
	if i := strings.IndexByte(h, '%'); i > 0 && strings.Contains(h, ":") {
		if a, err := netip.ParseAddr(h[:i]); err == nil {
			return a, true
		}
	}
	return looseIPv4(h)
}

// looseIPv4 parses the classic BSD inet_aton syntax: one to four parts, each
// decimal, octal (leading 0) or hexadecimal (0x), the last filling the
// remaining bytes.
func looseIPv4(h string) (netip.Addr, bool) {
	parts := strings.Split(h, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		base := 10
		switch {
		case len(p) > 2 && (p[:2] == "0x" || p[:2] == "0X"):
			p, base = p[2:], 16
		case len(p) > 1 && p[0] == '0':
			p, base = p[1:], 8
		}
		// With an explicit base ParseUint takes digits only: no sign, prefix or
		// underscore.
		v, err := strconv.ParseUint(p, base, 32)
		if err != nil || p == "" || p[0] == '+' {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	var n uint64
	last := len(vals) - 1
	for i, v := range vals[:last] {
		if v > 255 {
			return netip.Addr{}, false
		}
		n |= v << (8 * (3 - i))
	}
	if vals[last] >= 1<<(8*(4-last)) {
		return netip.Addr{}, false
	}
	n |= vals[last]
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// dialContext opens connections for webhook deliveries: the host is checked
// before resolving, and every resolved address again just before connecting.
func (g *Guard) dialContext(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	dd := *d
	dd.Control = func(network, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return ErrAddressNotAllowed
		}
		ip, err := netip.ParseAddr(host)
		if err != nil || !g.AllowedIP(ip) {
			return ErrAddressNotAllowed
		}
		return nil
	}
	dd.ControlContext = nil
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if err := g.CheckHost(host); err != nil {
			return nil, &net.OpError{Op: "dial", Net: network, Err: err}
		}
		return dd.DialContext(ctx, network, addr)
	}
}

// newDialer is the dialer deliveries use before the guard wraps it.
func newDialer() *net.Dialer {
	return &net.Dialer{Timeout: PostTimeout, KeepAlive: 30 * time.Second}
}

// HTTPClient returns a client whose every connection goes through the guard
// (no proxy, the resolved address checked just before connecting) and that
// follows no redirects: for other outgoing requests to addresses an admin
// typed, such as single sign-on issuers.
func (g *Guard) HTTPClient(timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.DialTLSContext = nil
	tr.DialContext = g.dialContext(newDialer())
	return &http.Client{Timeout: timeout, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
