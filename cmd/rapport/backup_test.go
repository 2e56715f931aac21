package main

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rapport/internal/testdb"
)

// The backup procedure of docs/operations.md, run for real: a seeded
// organisation takes writes, pg_dump saves it in custom format, pg_restore
// loads it into a new database, and `rapport serve` on the restored
// database serves the same data to the same people, has every write that
// was acknowledged before the dump (rapport loadtest verify), and takes
// new writes.

// pgTool finds a PostgreSQL client program: on PATH, else the newest
// Debian/Ubuntu install under /usr/lib/postgresql.
func pgTool(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	sort.Slice(found, func(i, j int) bool { return pgMajor(found[i]) > pgMajor(found[j]) })
	if len(found) > 0 {
		return found[0]
	}
	return ""
}

func pgMajor(path string) int {
	var n int
	fmt.Sscanf(strings.TrimPrefix(path, "/usr/lib/postgresql/"), "%d", &n)
	return n
}

// libpqURL is dsn with only what pg_dump/pg_restore understand (pgx-only
// parameters removed).
func libpqURL(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{}
	for k, v := range u.Query() {
		if strings.HasPrefix(k, "ssl") || k == "connect_timeout" || k == "application_name" {
			q[k] = v
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// tableCounts is the row count of every table of Rapport's and River's
// schemas.
func tableCounts(t *testing.T, dsn string) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT schemaname, tablename FROM pg_tables WHERE schemaname IN ('public', 'river') ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pgx.Identifier, error) {
		var s, n string
		err := r.Scan(&s, &n)
		return pgx.Identifier{s, n}, err
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, id := range names {
		var n int64
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+id.Sanitize()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[strings.Join(id, ".")] = n
	}
	return out
}

var objectLink = regexp.MustCompile(`href="/(?:oneonones|meetings|kudos|retros|reviews)/[0-9]+[^"]*"`)

// links GETs path and returns the sorted object links on it.
func links(t *testing.T, base, email, path string) []string {
	t.Helper()
	c := signIn(t, base, email)
	p := get(c, base+path)
	if p.err != nil || p.status != 200 {
		t.Fatalf("GET %s as %s: %d %v", path, email, p.status, p.err)
	}
	l := objectLink.FindAllString(p.body, -1)
	sort.Strings(l)
	return slices.Compact(l)
}

func TestBackupWithPgDumpRestoresIntoAWorkingInstance(t *testing.T) {
	pgDump, pgRestore := pgTool("pg_dump"), pgTool("pg_restore")
	if pgDump == "" || pgRestore == "" {
		t.Skip("pg_dump/pg_restore not found on PATH or under /usr/lib/postgresql/*/bin: install the PostgreSQL client (apt-get install postgresql-client)")
	}
	src, res := overloadEnv(t, nil)
	var manager, leader, employee string
	for _, s := range res.SignIns {
		switch string(s.Role) {
		case "manager":
			manager = s.Email
		case "leader":
			leader = s.Email
		case "employee":
			employee = s.Email
		}
	}

	// Writes through the app, each acknowledged one in a ledger.
	orig := startReplica(t)
	ledger := filepath.Join(t.TempDir(), "ledger.jsonl")
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"loadtest", "--target", orig.base, "--manager", manager, "--leader", leader,
		"--password", demoPassword, "--pages", "none", "--writes", "10", "--max-duration", "5s", "--ledger", ledger}, nil, &out, &errOut)
	if err != nil {
		t.Fatalf("write load: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	t.Logf("write load before the backup:%s", out.String())
	pages := []struct{ who, path string }{
		{manager, "/oneonones"}, {employee, "/oneonones"}, {manager, "/kudos"}, {leader, "/kudos"}, {employee, "/"},
		{leader, "/reviews"},
	}
	before := map[string][]string{}
	for _, p := range pages {
		before[p.who+" "+p.path] = links(t, orig.base, p.who, p.path)
	}
	orig.stop()
	orig.waitExit(t, 30*time.Second)
	want := tableCounts(t, src)

	// pg_dump, custom format: compressed, restorable table by table.
	dump := filepath.Join(t.TempDir(), "rapport.dump")
	start := time.Now()
	if b, err := exec.Command(pgDump, "--format=custom", "--no-owner", "--no-privileges", "--file", dump, "--dbname", libpqURL(t, src)).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, b)
	}
	dumped := time.Since(start)
	st, err := os.Stat(dump)
	if err != nil {
		t.Fatal(err)
	}

	// pg_restore into a new, empty database.
	dst := testdb.EmptyDatabase(t)
	start = time.Now()
	if b, err := exec.Command(pgRestore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
		"--dbname", libpqURL(t, dst), dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, b)
	}
	restored := time.Since(start)
	t.Logf("pg_dump %s (%d KiB), pg_restore %s", dumped.Round(time.Millisecond), st.Size()/1024, restored.Round(time.Millisecond))
	// A dump carries no planner statistics: gather them, as the restore
	// steps in docs/operations.md say, before the app takes load.
	if b, err := exec.Command(filepath.Join(filepath.Dir(pgRestore), "vacuumdb"), "--analyze-only", "--dbname", libpqURL(t, dst)).CombinedOutput(); err != nil {
		t.Fatalf("vacuumdb --analyze-only: %v\n%s", err, b)
	}

	if got := tableCounts(t, dst); fmt.Sprint(got) != fmt.Sprint(want) {
		for k, n := range want {
			if got[k] != n {
				t.Errorf("%s: %d rows restored, %d dumped", k, got[k], n)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%d tables restored, %d dumped", len(got), len(want))
		}
	}

	// The app on the restored database: serve migrates (nothing to do),
	// the same people see the same 1:1s, kudos and reviews.
	t.Setenv("DATABASE_URL", dst)
	back := startReplica(t)
	for _, p := range pages {
		after := links(t, back.base, p.who, p.path)
		b := before[p.who+" "+p.path]
		if len(b) == 0 && p.path != "/" {
			t.Errorf("%s as %s showed nothing before the backup: the comparison proves nothing", p.path, p.who)
		}
		t.Logf("%s as %s: %d object links before the backup, %d after restoring", p.path, p.who, len(b), len(after))
		if !slices.Equal(after, b) {
			t.Errorf("%s as %s: %d links before the backup, %d after restoring\nbefore %v\nafter  %v", p.path, p.who, len(b), len(after), b, after)
		}
	}
	var verifyOut bytes.Buffer
	if err := run(context.Background(), []string{"loadtest", "verify", "--ledger", ledger}, nil, &verifyOut, &errOut); err != nil {
		t.Errorf("loadtest verify on the restored database: %v\n%s", err, verifyOut.String())
	}
	t.Logf("loadtest verify on the restored database:\n%s", verifyOut.String())

	// New writes work: sequences and constraints came back too. The budget
	// leaves room for signing in (argon2, under the race detector) on a busy
	// machine before the first write.
	out.Reset()
	ledger2 := filepath.Join(t.TempDir(), "after.jsonl")
	if err := run(context.Background(), []string{"loadtest", "--target", back.base, "--manager", manager, "--leader", leader,
		"--password", demoPassword, "--pages", "none", "--writes", "5", "--max-duration", "6s", "--ledger", ledger2}, nil, &out, &errOut); err != nil {
		t.Fatalf("writes on the restored instance: %v\n%s", err, out.String())
	}
	// Every write is acknowledged or, when the busy test machine makes them
	// overlap, answered 503 "come back" by the per-person limit; nothing
	// else, and at least one goes through.
	m := regexp.MustCompile(`statuses map\[([^\]]*)\]`).FindStringSubmatch(out.String())
	ok := 0
	if m != nil {
		for _, kv := range strings.Fields(m[1]) {
			code, n, _ := strings.Cut(kv, ":")
			switch code {
			case "303":
				fmt.Sscan(n, &ok)
			case "503":
			default:
				t.Errorf("a write on the restored instance was answered %s", code)
			}
		}
	}
	if ok == 0 {
		t.Errorf("no write on the restored instance was acknowledged:\n%s", out.String())
	}
}
