package e2e

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// TestLeaderDownloadsTheirPacketsAsOneZip: a leader downloads the packets
// of a cycle from its export page as one zip, which holds one PDF for each
// person in their part of the organisation and none for anyone else.
func TestLeaderDownloadsTheirPacketsAsOneZip(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	f := app.F
	org := f.Org(t, "Osprey Packets")
	n := testfx.Next()
	mk := func(name, handle string, role core.Role, mgr int64) testfx.Person {
		return f.Person(t, org, testfx.PersonOpts{Name: name, Email: fmt.Sprintf("%s%d@osprey.test", handle, n), Role: role, ManagerID: mgr})
	}
	lena := mk("Lena Okafor", "lena", core.RoleLeader, 0)
	marco := mk("Marco Rossi", "marco", core.RoleManager, lena.ID)
	zoe := mk("Zoë Park", "zoe", core.RoleEmployee, marco.ID)
	sam := mk("Sam Lee", "sam", core.RoleEmployee, marco.ID)
	otto := mk("Otto Other", "otto", core.RoleLeader, 0)
	ines := mk("Inés Outside", "ines", core.RoleEmployee, otto.ID)
	cycle := f.Cycle(t, org, testfx.CycleOpts{Name: "2026 H1", CreatedBy: lena.ID}, zoe.ID, sam.ID, ines.ID)

	b := newTab(t, app.URL)
	b.signIn(lena.Email)
	b.open(fmt.Sprintf("/exports/cycles/%d", cycle))
	// The page's zip link, fetched with the page's session.
	got := b.eval(`(async () => {
		const a = [...document.querySelectorAll('a')].find((x) => x.textContent.includes('as PDFs (zip)'));
		const r = await fetch(a.href);
		const bytes = new Uint8Array(await r.arrayBuffer());
		let s = '';
		for (const c of bytes) s += String.fromCharCode(c);
		return r.status + '|' + r.headers.get('content-type') + '|' + a.textContent.trim() + '|' + btoa(s);
	})()`)
	parts := strings.SplitN(got, "|", 4)
	if len(parts) != 4 || parts[0] != "200" || parts[1] != "application/zip" {
		t.Fatalf("zip download: %.200q", got)
	}
	if parts[2] != "Download all 2 as PDFs (zip)" {
		t.Errorf("the link says %q", parts[2])
	}
	raw, err := base64.StdEncoding.DecodeString(parts[3])
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	var names []string
	for _, file := range zr.File {
		rc, err := file.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(body, []byte("%PDF-")) || !strings.HasSuffix(file.Name, ".pdf") {
			t.Errorf("%s is not a PDF", file.Name)
		}
		names = append(names, file.Name)
	}
	sort.Strings(names)
	if len(names) != 2 || !strings.HasPrefix(names[0], "Sam-Lee") || !strings.HasPrefix(names[1], "Zoe-Park") {
		t.Errorf("the zip holds %q, want one PDF for Sam and one for Zoë", names)
	}
	for _, name := range names {
		if strings.Contains(name, "Outside") {
			t.Errorf("the zip holds %s, outside the leader's part of the organisation", name)
		}
	}
	b.assertClean()
}
