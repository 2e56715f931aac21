// Package pgembed decides which PostgreSQL `rapport serve` uses when no
// DATABASE_URL is configured.
//
// It first tries the machine's own server at 127.0.0.1:5432 (user postgres,
// no password). When that does not answer it starts a private PostgreSQL
// cluster with its data under a directory of the caller's choosing, using the
// machine's PostgreSQL binaries when they are installed and downloaded ones
// otherwise.
package pgembed

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	embeddedpostgres "github.com/fergusstrange/embedded-postgres"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Defaults used when the matching Options field is empty.
const (
	DefaultLocalAddr = "127.0.0.1:5432"
	DefaultDatabase  = "rapport"
	DefaultDataDir   = "./data/postgres"
	DefaultPort      = 5433
)

// Credentials of the private cluster. It listens on localhost only, so a
// fixed password is enough; it must stay the same across restarts because
// the data directory is reused.
const (
	privateUser     = "rapport"
	privatePassword = "rapport"
)

// probeTimeout bounds the attempt to reach the local server.
const probeTimeout = 3 * time.Second

// Where installed PostgreSQL binaries are looked for (Debian/Ubuntu layout).
// Variables so tests can point them elsewhere.
var (
	binGlob       = "/usr/lib/postgresql/*/bin"
	brewGlobs     = []string{"/opt/homebrew/opt/postgresql@*/bin", "/usr/local/opt/postgresql@*/bin"}
	lookPath      = exec.LookPath
	clusterConfig = "/etc/postgresql"
	osRelease     = "/etc/os-release"
	geteuid       = os.Geteuid

	// Where embedded-postgres downloads binaries from, and caches them
	// ("" is its default, ~/.embedded-postgres-go).
	binaryRepository = "https://repo1.maven.org/maven2"
	binaryCache      = ""
)

// Options configures Resolve. The zero value is usable.
type Options struct {
	// DataDir is where a private cluster keeps its data, e.g. ./data/postgres.
	DataDir string
	// Port is the port of the private cluster, e.g. 5433.
	Port uint32
	// Logger receives progress messages; nil discards them.
	Logger *slog.Logger

	// LocalAddr is the host:port of the machine's server that is tried
	// first. Default 127.0.0.1:5432.
	LocalAddr string
	// Database is the database rapport uses. Default "rapport".
	Database string
	// Settings are extra server settings for a private cluster, e.g.
	// fsync=off for a throwaway one.
	Settings map[string]string
}

func (o Options) withDefaults() Options {
	if o.DataDir == "" {
		o.DataDir = DefaultDataDir
	}
	if o.Port == 0 {
		o.Port = DefaultPort
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.LocalAddr == "" {
		o.LocalAddr = DefaultLocalAddr
	}
	if o.Database == "" {
		o.Database = DefaultDatabase
	}
	return o
}

// Resolve returns a DSN for rapport to use, a sentence describing it for the
// log, and a function that shuts down anything Resolve started.
//
// The order is:
//  1. the local server at Options.LocalAddr as user postgres, if it accepts a
//     connection; database Options.Database is created when missing;
//  2. otherwise a private cluster on Options.Port with its data in
//     Options.DataDir, run with the newest PostgreSQL installed (Debian's
//     /usr/lib/postgresql/*/bin, Homebrew's postgresql@N, or pg_ctl on
//     PATH), or, for a user who is not root, with binaries that
//     embedded-postgres downloads when none are installed.
//
// PostgreSQL refuses to run as root, so as root the private cluster runs as
// the system's postgres user, else nobody, and owns its data directory. As
// root without installed binaries, or where root cannot switch users, the
// error says what to do instead.
//
// stop is never nil when err is nil; it is a no-op for the local server and
// safe to call more than once.
func Resolve(ctx context.Context, opts Options) (dsn string, desc string, stop func() error, err error) {
	opts = opts.withDefaults()
	log := opts.Logger

	dsn, probeErr := useLocal(ctx, opts)
	if probeErr == nil {
		desc = fmt.Sprintf("local PostgreSQL at %s, database %s", opts.LocalAddr, opts.Database)
		return dsn, desc, func() error { return nil }, nil
	}
	var createErr *createError
	if errors.As(probeErr, &createErr) {
		// The server answered but the database cannot be set up: starting
		// a second server would only hide the problem.
		return "", "", nil, probeErr
	}
	if ctx.Err() != nil {
		return "", "", nil, ctx.Err()
	}
	log.Info("local PostgreSQL not usable, will use a private cluster",
		"addr", opts.LocalAddr, "reason", probeErr.Error())
	return startPrivate(ctx, opts)
}

// createError reports that the local server answered but the database could
// not be checked or created.
type createError struct{ err error }

func (e *createError) Error() string { return e.err.Error() }
func (e *createError) Unwrap() error { return e.err }

// localDSN builds a URL for user postgres (no password) at addr.
func localDSN(addr, database string, extra url.Values) string {
	q := url.Values{"sslmode": {"disable"}}
	for k, v := range extra {
		q[k] = v
	}
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User("postgres"),
		Host:     addr,
		Path:     "/" + database,
		RawQuery: q.Encode(),
	}
	return u.String()
}

// useLocal connects to the postgres database of the local server, makes sure
// opts.Database exists, and returns a DSN for it.
func useLocal(ctx context.Context, opts Options) (string, error) {
	if _, _, err := net.SplitHostPort(opts.LocalAddr); err != nil {
		return "", fmt.Errorf("local address %q: %w", opts.LocalAddr, err)
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()

	probe := localDSN(opts.LocalAddr, "postgres", url.Values{"connect_timeout": {"2"}})
	conn, err := pgx.Connect(ctx, probe)
	if err != nil {
		return "", err
	}
	defer closeConn(conn)

	if err := ensureDatabase(ctx, conn, opts.Database); err != nil {
		return "", &createError{fmt.Errorf("local PostgreSQL at %s answered, but database %q could not be prepared: %w",
			opts.LocalAddr, opts.Database, err)}
	}
	return localDSN(opts.LocalAddr, opts.Database, nil), nil
}

// closeConn closes conn without waiting long for a server that went away.
func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = conn.Close(ctx)
}

// ensureDatabase creates database name unless it exists.
func ensureDatabase(ctx context.Context, conn *pgx.Conn, name string) error {
	var exists bool
	err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	if err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database: created concurrently
		return nil
	}
	return err
}

// rootError explains what to do when no server answered and a private one
// cannot be started as an unprivileged user although the process runs as
// root.
func rootError(opts Options, cause error) error {
	start := "start the machine's PostgreSQL server, e.g. `apt-get install postgresql` then `pg_ctlcluster <version> main start`"
	if v := installedCluster(); v != "" {
		start = fmt.Sprintf("start the machine's PostgreSQL server, e.g. `pg_ctlcluster %s main start`", v)
	}
	return fmt.Errorf("no usable PostgreSQL at %s, and rapport cannot start its own private PostgreSQL "+
		"as an unprivileged user although it is running as root (PostgreSQL's initdb and server refuse to run as root): %w. Do one of:\n"+
		"  - set DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/%s?sslmode=disable to use an existing server;\n"+
		"  - %s (user postgres must be able to connect over TCP without a password);\n"+
		"  - run rapport as a non-root user, and it will start a private PostgreSQL with its data in %s",
		opts.LocalAddr, cause, opts.Database, start, opts.DataDir)
}

// installedCluster returns the version of a Debian cluster configured under
// /etc/postgresql, newest first, or "".
func installedCluster() string {
	entries, err := os.ReadDir(clusterConfig)
	if err != nil {
		return ""
	}
	best, bestN := "", -1
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil || !e.IsDir() {
			continue
		}
		if n > bestN {
			best, bestN = e.Name(), n
		}
	}
	return best
}

// installation is a PostgreSQL found on the machine.
type installation struct {
	major int
	root  string // parent of bin, e.g. /usr/lib/postgresql/15
}

// installedBinaries lists complete PostgreSQL installations, newest major
// version first: those matching binGlob (Debian and Ubuntu), then
// Homebrew's, then the one whose pg_ctl is on PATH (Fedora, and others).
func installedBinaries() []installation {
	var found []installation
	seen := map[string]bool{}
	add := func(bin string, major int) {
		root := filepath.Dir(bin)
		if seen[root] || !complete(bin) {
			return
		}
		if major == 0 {
			major = versionOf(filepath.Join(bin, "postgres"))
		}
		if major == 0 {
			return
		}
		seen[root] = true
		found = append(found, installation{major: major, root: root})
	}
	dirs, _ := filepath.Glob(binGlob)
	for _, bin := range dirs {
		if major, err := strconv.Atoi(filepath.Base(filepath.Dir(bin))); err == nil {
			add(bin, major)
		}
	}
	for _, pattern := range brewGlobs {
		dirs, _ := filepath.Glob(pattern)
		for _, bin := range dirs {
			_, v, _ := strings.Cut(filepath.Base(filepath.Dir(bin)), "@")
			if major, err := strconv.Atoi(v); err == nil {
				add(bin, major)
			}
		}
	}
	if exe, err := lookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			add(filepath.Dir(real), 0)
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].major > found[j].major })
	return found
}

// complete reports whether bin holds the three programs a cluster needs.
func complete(bin string) bool {
	for _, exe := range []string{"initdb", "pg_ctl", "postgres"} {
		if fi, err := os.Stat(filepath.Join(bin, exe)); err != nil || fi.IsDir() {
			return false
		}
	}
	return true
}

// versionOf returns the major version a postgres executable reports, e.g. 15
// for "postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)", or 0.
func versionOf(postgres string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, postgres, "--version").Output()
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(out))
	if len(fields) < 3 {
		return 0
	}
	major, _, _ := strings.Cut(fields[2], ".")
	n, _ := strconv.Atoi(major)
	return n
}

// knownVersions maps a major version to the full version embedded-postgres
// downloads for it.
var knownVersions = map[int]embeddedpostgres.PostgresVersion{
	18: embeddedpostgres.V18,
	17: embeddedpostgres.V17,
	16: embeddedpostgres.V16,
	15: embeddedpostgres.V15,
	14: embeddedpostgres.V14,
	13: embeddedpostgres.V13,
	12: embeddedpostgres.V12,
}

// downloadMajor is the version downloaded when nothing is installed.
const downloadMajor = 17

// existingMajor reads the major version of an initialized data directory, or
// returns 0 when there is none.
func existingMajor(dataDir string) (int, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, "PG_VERSION"))
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("%s/PG_VERSION: unexpected content %q", dataDir, b)
	}
	return n, nil
}

// choice is the PostgreSQL a private cluster will run.
type choice struct {
	major    int
	version  embeddedpostgres.PostgresVersion
	binaries string // "" means download
}

// choose picks the binaries for a private cluster. An existing data
// directory must be run by the same major version, or embedded-postgres
// would wipe it and start over.
func choose(dataDir string) (choice, error) {
	have, err := existingMajor(dataDir)
	if err != nil {
		return choice{}, err
	}
	installed := installedBinaries()
	for _, in := range installed {
		if have == 0 || in.major == have {
			return choice{major: in.major, version: versionFor(in.major), binaries: in.root}, nil
		}
	}
	want := have
	if want == 0 {
		want = downloadMajor
	}
	v, ok := knownVersions[want]
	if !ok {
		return choice{}, fmt.Errorf("data directory %s holds a PostgreSQL %d cluster, but PostgreSQL %d is neither installed "+
			"nor downloadable; install it or move the directory away", dataDir, have, have)
	}
	return choice{major: want, version: v}, nil
}

// versionFor returns a version whose major part matches major. With
// installed binaries it only serves the data directory check, so an unknown
// major version gets a synthetic one.
func versionFor(major int) embeddedpostgres.PostgresVersion {
	if v, ok := knownVersions[major]; ok {
		return v
	}
	return embeddedpostgres.PostgresVersion(fmt.Sprintf("%d.0.0", major))
}

// startPrivate starts a private cluster in opts.DataDir.
func startPrivate(ctx context.Context, opts Options) (string, string, func() error, error) {
	log := opts.Logger
	dataDir, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return "", "", nil, err
	}
	c, err := choose(dataDir)
	if err != nil {
		return "", "", nil, err
	}
	asRoot := geteuid() == 0
	if c.binaries == "" && asRoot {
		// Root can install the system's package in one command, which
		// also keeps the binaries up to date; downloading is for users
		// who cannot.
		return "", "", nil, noBinariesError(nil)
	}
	// The runtime directory is deleted and recreated by every start, so it
	// must not contain the data directory.
	runtimeDir := dataDir + ".runtime"
	if err := os.MkdirAll(filepath.Dir(dataDir), 0o755); err != nil {
		return "", "", nil, fmt.Errorf("private PostgreSQL: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return "", "", nil, err
	}

	settings := map[string]string{
		"listen_addresses": "localhost",
		// Debian's binaries default to /var/run/postgresql, which
		// other users cannot write to; TCP is all rapport needs.
		"unix_socket_directories": "",
	}
	for k, v := range opts.Settings {
		settings[k] = v
	}

	logw := newLogWriter(log)
	source := "downloaded binaries"
	if c.binaries != "" {
		source = c.binaries
	}
	began := time.Now()
	var stopServer func() error
	if asRoot {
		acct, err := serverAccount()
		if err != nil {
			return "", "", nil, rootError(opts, err)
		}
		log.Info("starting private PostgreSQL as an unprivileged user", "user", acct.name,
			"version", c.major, "port", opts.Port, "data", dataDir, "binaries", source)
		cl := &unprivilegedCluster{acct: acct, binaries: c.binaries, dataDir: dataDir, runtimeDir: runtimeDir,
			port: opts.Port, settings: settings, log: log, logw: logw}
		if err := cl.start(ctx); err != nil {
			logw.Flush()
			err = fmt.Errorf("start private PostgreSQL %d as user %s on port %d with data in %s: %w",
				c.major, acct.name, opts.Port, opts.DataDir, err)
			if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EINVAL) {
				// E.g. a container whose root may not switch users.
				return "", "", nil, rootError(opts, err)
			}
			return "", "", nil, err
		}
		stopServer = cl.stop
	} else {
		cfg := embeddedpostgres.DefaultConfig().
			Version(c.version).
			Port(opts.Port).
			Username(privateUser).
			Password(privatePassword).
			Database(opts.Database).
			DataPath(dataDir).
			RuntimePath(runtimeDir).
			Encoding("UTF8").
			Locale("C").
			StartTimeout(30 * time.Second).
			StartParameters(settings).
			Logger(logw)
		if c.binaries != "" {
			cfg = cfg.BinariesPath(c.binaries)
		} else {
			cfg = cfg.BinaryRepositoryURL(binaryRepository)
			if binaryCache != "" {
				cfg = cfg.CachePath(binaryCache)
			}
			log.Info("no PostgreSQL binaries installed; downloading them", "version", c.version, "from", binaryRepository)
		}
		log.Info("starting private PostgreSQL", "version", c.major, "port", opts.Port, "data", dataDir, "binaries", source)
		pg := embeddedpostgres.NewDatabase(cfg)
		if err := pg.Start(); err != nil {
			logw.Flush()
			if c.binaries == "" {
				return "", "", nil, noBinariesError(fmt.Errorf("downloading PostgreSQL %s from %s failed: %w",
					c.version, binaryRepository, err))
			}
			return "", "", nil, fmt.Errorf("start private PostgreSQL %d on port %d with data in %s: %w",
				c.major, opts.Port, opts.DataDir, err)
		}
		stopServer = pg.Stop
	}

	var once sync.Once
	var stopErr error
	stop := func() error {
		once.Do(func() {
			stopErr = stopServer()
			logw.Flush()
			if stopErr == nil {
				_ = os.RemoveAll(runtimeDir)
			}
		})
		return stopErr
	}

	dsn := privateDSN(opts.Port, opts.Database)
	// A data directory reused from an earlier run may predate opts.Database.
	if err := ensurePrivateDatabase(ctx, opts); err != nil {
		_ = stop()
		return "", "", nil, fmt.Errorf("private PostgreSQL on port %d: %w", opts.Port, err)
	}
	log.Info("private PostgreSQL ready", "took", time.Since(began).Round(time.Millisecond))

	desc := fmt.Sprintf("private PostgreSQL %d on port %d, data in %s", c.major, opts.Port, opts.DataDir)
	return dsn, desc, stop, nil
}

// privateDSN is the URL of database on the private cluster.
func privateDSN(port uint32, database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(privateUser, privatePassword),
		Host:     net.JoinHostPort("localhost", strconv.FormatUint(uint64(port), 10)),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

func ensurePrivateDatabase(ctx context.Context, opts Options) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, privateDSN(opts.Port, "postgres"))
	if err != nil {
		return err
	}
	defer closeConn(conn)
	return ensureDatabase(ctx, conn, opts.Database)
}

// logWriter turns PostgreSQL's output into debug log lines.
type logWriter struct {
	mu  sync.Mutex
	log *slog.Logger
	buf bytes.Buffer
}

var _ io.Writer = (*logWriter)(nil)

func newLogWriter(log *slog.Logger) *logWriter { return &logWriter{log: log} }

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		i := bytes.IndexByte(w.buf.Bytes(), '\n')
		if i < 0 {
			break
		}
		w.emit(string(w.buf.Next(i + 1)))
	}
	return len(p), nil
}

// Flush logs a trailing partial line.
func (w *logWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	sc := bufio.NewScanner(&w.buf)
	for sc.Scan() {
		w.emit(sc.Text())
	}
	w.buf.Reset()
}

func (w *logWriter) emit(line string) {
	line = strings.TrimRight(line, "\r\n")
	if strings.TrimSpace(line) == "" {
		return
	}
	w.log.Debug(line, "component", "postgres")
}
