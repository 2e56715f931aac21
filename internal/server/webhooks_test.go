package server_test

import (
	"html"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// internalWebhookAddresses are addresses on the server's own machine or network
// (or a cloud metadata service), written the ways people get them past naive
// checks. None may become a team's webhook.
var internalWebhookAddresses = []string{
	"https://127.0.0.1/hooks/T000/B000/tok",
	"https://localhost/hooks/T000/B000/tok",
	"https://[::1]/hooks/T000/B000/tok",
	"https://10.1.2.3/hooks/T000/B000/tok",
	"https://172.16.5.4/hooks/T000/B000/tok",
	"https://192.168.1.10:8065/hooks/T000/B000/tok",
	"https://169.254.169.254/latest/meta-data/iam",
	"https://0.0.0.0/hooks/T000/B000/tok",
	"https://2130706433/hooks/T000/B000/tok",
	"https://0x7f.1/hooks/T000/B000/tok",
	"https://metadata.google.internal/computeMetadata/v1/",
	"https://100.100.100.200/latest/meta-data/",
	"https://100.64.0.1/hooks/T000/B000/tok",
	"https://224.0.0.251/hooks/T000/B000/tok",
	"https://255.255.255.255/hooks/T000/B000/tok",
	"https://[::ffff:127.0.0.1]/hooks/T000/B000/tok",
	"https://[64:ff9b::a9fe:a9fe]/latest/meta-data/",
	"https://[2002:7f00:1::]/hooks/T000/B000/tok",
	"https://[fd00:ec2::254]/latest/meta-data/",
	"https://[fe80::1]/hooks/T000/B000/tok",
}

func TestWebhookFormRefusesInternalAddressesBesideTheFieldAndKeepsWhatWasTyped(t *testing.T) {
	k := newCrew(t)
	adm := k.ta.F.Person(t, k.org, testfx.PersonOpts{Role: core.RoleAdmin})
	c := k.ta.Client(t)
	c.SignIn(adm.Email, testfx.Password)

	accepted := 0
	for _, addr := range internalWebhookAddresses {
		r := c.Post("/admin/webhooks", url.Values{"team_id": {itoa(k.atlas)}, "url": {addr}})
		if r.Status != 422 {
			accepted++
			t.Errorf("%s: status %d, want 422", addr, r.Status)
			continue
		}
		if !strings.Contains(r.Body, `id="f-url-error"`) || !strings.Contains(r.Body, "not allowed") {
			t.Errorf("%s: no error beside the address field", addr)
		}
		if !strings.Contains(r.Body, `value="`+html.EscapeString(addr)+`"`) {
			t.Errorf("%s: the typed address is not kept in the field", addr)
		}
	}
	t.Logf("%d of %d internal addresses accepted", accepted, len(internalWebhookAddresses))
	if n := k.ta.F.Count(t, `SELECT count(*) FROM team_webhooks WHERE org_id = $1`, k.org); n != 0 {
		t.Errorf("%d webhooks stored after refused addresses, want 0", n)
	}
}

// A saved address is stored sealed: no column of the row holds any part of its
// token, and the page shows the host only.
func TestSavedWebhookAddressIsStoredSealedAndShownAsItsHost(t *testing.T) {
	k := newCrew(t)
	adm := k.ta.F.Person(t, k.org, testfx.PersonOpts{Role: core.RoleAdmin})
	c := k.ta.Client(t)
	c.SignIn(adm.Email, testfx.Password)
	if r := c.Post("/admin/webhooks", url.Values{"team_id": {itoa(k.atlas)}, "url": {"https://hooks.example.com/services/T0AB/B0CD/s3cr3tT0ken"}}); r.Status != 303 {
		t.Fatalf("save: %d", r.Status)
	}
	var row string
	if err := k.ta.Pool.QueryRow(t.Context(), `SELECT w::text FROM team_webhooks w WHERE team_id = $1`, k.atlas).Scan(&row); err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"s3cr3tT0ken", "T0AB", "B0CD", "services", "733363723374"} { // last: hex of "s3cr3t"
		if strings.Contains(row, part) {
			t.Errorf("the stored row holds %q: %s", part, row)
		}
	}
	page := c.Get("/admin/webhooks")
	if !strings.Contains(page.Body, "https://hooks.example.com/…") || strings.Contains(page.Body, "T0AB") {
		t.Errorf("the page does not show just the host")
	}
}

// The operator's allow-list lets an on-premise receiver's address be saved.
func TestAllowedPrivateRangeCanBeSaved(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{WebhookAllowPrivate: []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16")}})
	org := ta.F.Org(t, "Onprem")
	adm := ta.F.Person(t, org, testfx.PersonOpts{Role: core.RoleAdmin})
	team := ta.F.Team(t, org, "Ops")
	c := ta.Client(t)
	c.SignIn(adm.Email, testfx.Password)
	if r := c.Post("/admin/webhooks", url.Values{"team_id": {itoa(team)}, "url": {"https://10.20.1.5:8065/hooks/abcdefghijk"}}); r.Status != 303 {
		t.Errorf("an address in the allowed range: %d, want 303", r.Status)
	}
	if r := c.Post("/admin/webhooks", url.Values{"team_id": {itoa(team)}, "url": {"https://10.21.1.5:8065/hooks/abcdefghijk"}}); r.Status != 422 {
		t.Errorf("an address outside the allowed range: %d, want 422", r.Status)
	}
}
