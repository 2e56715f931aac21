package pgembed

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// closedAddr returns a local address that nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// freePort returns a TCP port that is free on localhost right now.
func freePort(t *testing.T) uint32 {
	t.Helper()
	l, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return uint32(l.Addr().(*net.TCPAddr).Port)
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func mustConnect(t *testing.T, ctx context.Context, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	t.Cleanup(func() { closeConn(conn) })
	return conn
}

func TestResolveLocalServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if conn, err := pgx.Connect(ctx, localDSN(DefaultLocalAddr, "postgres", nil)); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no PostgreSQL at %s: %v", DefaultLocalAddr, err)
		}
		t.Skipf("no PostgreSQL at %s: %v", DefaultLocalAddr, err)
	} else {
		closeConn(conn)
	}

	// A database of its own, so the test neither depends on nor disturbs
	// the one rapport uses.
	const db = "rapport_pgembed_test"
	admin := mustConnect(t, ctx, localDSN(DefaultLocalAddr, "postgres", nil))
	drop := func() {
		// Also runs as a cleanup, after ctx is cancelled.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{db}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Fatal(err)
		}
	}
	drop()
	t.Cleanup(drop)

	for range 2 { // the second run finds the database already there
		dsn, desc, stop, err := Resolve(ctx, Options{Database: db, DataDir: t.TempDir(), Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		if want := "local PostgreSQL at 127.0.0.1:5432, database " + db; desc != want {
			t.Errorf("desc = %q, want %q", desc, want)
		}
		conn := mustConnect(t, ctx, dsn)
		var got string
		if err := conn.QueryRow(ctx, "SELECT current_database()").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != db {
			t.Errorf("connected to database %q, want %q", got, db)
		}
		closeConn(conn)
		if err := stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	}
}

// fakeInstall points the binary search at a fake PostgreSQL 15 that is never
// run, and hides the real ones.
func fakeInstall(t *testing.T) {
	t.Helper()
	hideInstalled(t)
	root := t.TempDir()
	binGlob = filepath.Join(root, "*", "bin")
	bin := filepath.Join(root, "15", "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, exe := range []string{"initdb", "pg_ctl", "postgres"} {
		if err := os.WriteFile(filepath.Join(bin, exe), nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// hideInstalled makes the machine look as if no PostgreSQL were installed.
func hideInstalled(t *testing.T) {
	t.Helper()
	oldGlob, oldBrew, oldLook := binGlob, brewGlobs, lookPath
	t.Cleanup(func() { binGlob, brewGlobs, lookPath = oldGlob, oldBrew, oldLook })
	binGlob = filepath.Join(t.TempDir(), "*", "bin")
	brewGlobs = nil
	lookPath = func(string) (string, error) { return "", os.ErrNotExist }
}

// actAs makes Resolve believe it runs with effective user id uid.
func actAs(t *testing.T, uid int) {
	t.Helper()
	old := geteuid
	t.Cleanup(func() { geteuid = old })
	geteuid = func() int { return uid }
}

// onSystem makes the machine look like the one /etc/os-release describes.
func onSystem(t *testing.T, release string) {
	t.Helper()
	old := osRelease
	t.Cleanup(func() { osRelease = old })
	osRelease = filepath.Join(t.TempDir(), "os-release")
	if err := os.WriteFile(osRelease, []byte(release), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestResolveAsRootWithoutUserToRunAsExplains(t *testing.T) {
	// Act as root whoever runs the test: the message is what matters.
	actAs(t, 0)
	fakeInstall(t)
	defer func(a []string) { serverAccounts = a }(serverAccounts)
	serverAccounts = []string{"rapport-no-such-user"}
	defer func(s string) { clusterConfig = s }(clusterConfig)
	clusterConfig = t.TempDir()
	if err := os.Mkdir(filepath.Join(clusterConfig, "15"), 0o755); err != nil {
		t.Fatal(err)
	}

	dataDir := filepath.Join(t.TempDir(), "postgres")
	addr := closedAddr(t)
	_, _, stop, err := Resolve(context.Background(), Options{LocalAddr: addr, DataDir: dataDir, Port: freePort(t)})
	if err == nil {
		_ = stop()
		t.Fatal("Resolve succeeded as root with no local server and no user to run PostgreSQL as")
	}
	msg := err.Error()
	t.Log(msg)
	for _, want := range []string{
		addr,
		"running as root",
		"rapport-no-such-user",
		"DATABASE_URL=postgres://",
		"pg_ctlcluster 15 main start",
		"non-root user",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not mention %q", want)
		}
	}
	if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
		t.Errorf("data directory was created: %v", err)
	}
}

func TestResolveWithoutBinariesSaysHowToInstallThem(t *testing.T) {
	hideInstalled(t)
	onSystem(t, "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n")

	t.Run("root", func(t *testing.T) {
		actAs(t, 0)
		_, _, stop, err := Resolve(context.Background(), Options{
			LocalAddr: closedAddr(t), DataDir: filepath.Join(t.TempDir(), "postgres"), Port: freePort(t)})
		if err == nil {
			_ = stop()
			t.Fatal("Resolve succeeded without PostgreSQL binaries")
		}
		t.Log(err)
		want := "no PostgreSQL server binaries on this machine: install them with `apt-get install postgresql`, or set DATABASE_URL"
		if err.Error() != want {
			t.Errorf("error = %q, want %q", err, want)
		}
	})

	t.Run("download fails", func(t *testing.T) {
		actAs(t, 1000)
		defer func(r, c string) { binaryRepository, binaryCache = r, c }(binaryRepository, binaryCache)
		binaryRepository = "http://" + closedAddr(t) + "/maven2"
		binaryCache = t.TempDir()
		_, _, stop, err := Resolve(context.Background(), Options{
			LocalAddr: closedAddr(t), DataDir: filepath.Join(t.TempDir(), "postgres"), Port: freePort(t)})
		if err == nil {
			_ = stop()
			t.Fatal("Resolve succeeded without PostgreSQL binaries or a place to download them from")
		}
		msg := err.Error()
		t.Log(msg)
		for _, want := range []string{
			"no PostgreSQL server binaries on this machine",
			"downloading PostgreSQL 17.",
			binaryRepository,
			"install them with `apt-get install postgresql`",
		} {
			if !strings.Contains(msg, want) {
				t.Errorf("error does not mention %q", want)
			}
		}
	})
}

func TestInstallCommandFitsTheSystem(t *testing.T) {
	if runtime.GOOS == "darwin" {
		t.Skip("macOS always gets brew")
	}
	for _, tc := range []struct{ release, want string }{
		{"ID=debian\n", "apt-get install postgresql"},
		{"ID=ubuntu\nID_LIKE=debian\n", "apt-get install postgresql"},
		{"ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n", "apt-get install postgresql"},
		{"ID=fedora\n", "dnf install postgresql-server"},
		{"ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n", "dnf install postgresql-server"},
		{"ID=plan9\n", ""},
	} {
		onSystem(t, tc.release)
		if got := installCommand(); got != tc.want {
			t.Errorf("%q: installCommand() = %q, want %q", tc.release, got, tc.want)
		}
	}
}

// TestResolvePrivateCluster runs as whoever runs the tests; as root (CI,
// containers) the cluster runs as an unprivileged user.
func TestResolvePrivateCluster(t *testing.T) {
	if len(installedBinaries()) == 0 {
		t.Skip("no PostgreSQL installed under " + binGlob + "; not downloading one in a test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	opts := Options{
		LocalAddr: closedAddr(t),
		// t.TempDir is closed to other users: as root, the path must be
		// opened for the server's user.
		DataDir: filepath.Join(t.TempDir(), "data", "postgres"),
		Port:    freePort(t),
		Logger:  testLogger(t),
	}
	dsn, desc, stop, err := Resolve(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stop() })
	if !strings.HasPrefix(desc, "private PostgreSQL ") || !strings.Contains(desc, opts.DataDir) {
		t.Errorf("desc = %q", desc)
	}
	conn := mustConnect(t, ctx, dsn)
	if _, err := conn.Exec(ctx, "CREATE TABLE kept (id int)"); err != nil {
		t.Fatal(err)
	}
	// The contrib extensions the migrations create (citext, and unaccent
	// with pg_trgm for finding people) are there.
	for _, ext := range []string{"citext", "unaccent", "pg_trgm"} {
		if _, err := conn.Exec(ctx, "CREATE EXTENSION "+ext); err != nil {
			t.Fatalf("extension %s on the private server: %v", ext, err)
		}
	}
	var folded string
	if err := conn.QueryRow(ctx, `SELECT lower(unaccent('Élodie Łukasz')) || ' ' || similarity('elodie', 'elodi')::text`).Scan(&folded); err != nil {
		t.Fatalf("extensions on the private server: %v", err)
	} else if !strings.HasPrefix(folded, "elodie lukasz 0.") {
		t.Errorf("unaccent and pg_trgm answer %q", folded)
	}
	closeConn(conn)
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if err := stop(); err != nil {
		t.Errorf("second stop: %v", err)
	}

	// A restart reuses the data directory.
	dsn, _, stop2, err := Resolve(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stop2() })
	conn = mustConnect(t, ctx, dsn)
	if _, err := conn.Exec(ctx, "SELECT * FROM kept"); err != nil {
		t.Errorf("data did not survive a restart: %v", err)
	}
	closeConn(conn)
	if err := stop2(); err != nil {
		t.Errorf("stop: %v", err)
	}
}

func TestChooseKeepsDataDirectoryVersion(t *testing.T) {
	defer func(s string) { binGlob = s }(binGlob)
	root := t.TempDir()
	binGlob = filepath.Join(root, "*", "bin")
	for _, v := range []string{"14", "16", "notaversion"} {
		bin := filepath.Join(root, v, "bin")
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, exe := range []string{"initdb", "pg_ctl", "postgres"} {
			if err := os.WriteFile(filepath.Join(bin, exe), nil, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Incomplete installation: ignored.
	if err := os.MkdirAll(filepath.Join(root, "17", "bin"), 0o755); err != nil {
		t.Fatal(err)
	}

	fresh := t.TempDir()
	c, err := choose(fresh)
	if err != nil || c.major != 16 || c.binaries != filepath.Join(root, "16") {
		t.Errorf("fresh: got %+v, %v; want newest installed (16)", c, err)
	}

	old := t.TempDir()
	if err := os.WriteFile(filepath.Join(old, "PG_VERSION"), []byte("14\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = choose(old)
	if err != nil || c.major != 14 || c.binaries != filepath.Join(root, "14") || !strings.HasPrefix(string(c.version), "14.") {
		t.Errorf("existing 14: got %+v, %v", c, err)
	}

	ancient := t.TempDir()
	if err := os.WriteFile(filepath.Join(ancient, "PG_VERSION"), []byte("9.6\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := choose(ancient); err == nil {
		t.Error("choose accepted a data directory no binaries can run")
	}
}

func TestLogWriterSplitsLines(t *testing.T) {
	var buf bytes.Buffer
	w := newLogWriter(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	_, _ = w.Write([]byte("one\ntw"))
	_, _ = w.Write([]byte("o\n\nthree"))
	w.Flush()
	got := buf.String()
	for _, want := range []string{"msg=one", "msg=two", "msg=three"} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "\n"); n != 3 {
		t.Errorf("%d log lines, want 3:\n%s", n, got)
	}
}
