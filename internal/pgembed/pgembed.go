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
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
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
	clusterConfig = "/etc/postgresql"
	geteuid       = os.Geteuid
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
//     Options.DataDir, run with the newest PostgreSQL found under
//     /usr/lib/postgresql/*/bin, or with binaries downloaded by
//     embedded-postgres when none are installed.
//
// PostgreSQL refuses to run as root, so as root step 2 is replaced by an
// error that explains the ways out.
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
	if geteuid() == 0 {
		return "", "", nil, rootError(opts, probeErr)
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
// cannot be started because the process runs as root.
func rootError(opts Options, probeErr error) error {
	start := "start the machine's PostgreSQL server, e.g. `apt-get install postgresql` then `pg_ctlcluster <version> main start`"
	if v := installedCluster(); v != "" {
		start = fmt.Sprintf("start the machine's PostgreSQL server, e.g. `pg_ctlcluster %s main start`", v)
	}
	return fmt.Errorf("no usable PostgreSQL at %s (%v), and rapport cannot start its own private PostgreSQL "+
		"because it is running as root (PostgreSQL's initdb and server refuse to run as root). Do one of:\n"+
		"  - set DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/%s?sslmode=disable to use an existing server;\n"+
		"  - %s (user postgres must be able to connect over TCP without a password);\n"+
		"  - run rapport as a non-root user, and it will start a private PostgreSQL with its data in %s",
		opts.LocalAddr, probeErr, opts.Database, start, opts.DataDir)
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

// installedBinaries lists complete PostgreSQL installations matching
// binGlob, newest major version first.
func installedBinaries() []installation {
	dirs, _ := filepath.Glob(binGlob)
	var found []installation
	for _, bin := range dirs {
		root := filepath.Dir(bin)
		major, err := strconv.Atoi(filepath.Base(root))
		if err != nil {
			continue
		}
		complete := true
		for _, exe := range []string{"initdb", "pg_ctl", "postgres"} {
			if fi, err := os.Stat(filepath.Join(bin, exe)); err != nil || fi.IsDir() {
				complete = false
				break
			}
		}
		if complete {
			found = append(found, installation{major: major, root: root})
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].major > found[j].major })
	return found
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
	// The runtime directory is deleted and recreated by every start, so it
	// must not contain the data directory.
	runtimeDir := dataDir + ".runtime"
	if err := os.MkdirAll(filepath.Dir(dataDir), 0o755); err != nil {
		return "", "", nil, fmt.Errorf("private PostgreSQL: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return "", "", nil, err
	}

	logw := newLogWriter(log)
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
		StartParameters(map[string]string{
			"listen_addresses": "localhost",
			// Debian's binaries default to /var/run/postgresql, which
			// other users cannot write to; TCP is all rapport needs.
			"unix_socket_directories": "",
		}).
		Logger(logw)
	source := "downloaded binaries"
	if c.binaries != "" {
		cfg = cfg.BinariesPath(c.binaries)
		source = c.binaries
	}

	log.Info("starting private PostgreSQL", "version", c.major, "port", opts.Port, "data", dataDir, "binaries", source)
	began := time.Now()
	pg := embeddedpostgres.NewDatabase(cfg)
	if err := pg.Start(); err != nil {
		logw.Flush()
		return "", "", nil, fmt.Errorf("start private PostgreSQL %d on port %d with data in %s: %w",
			c.major, opts.Port, opts.DataDir, err)
	}

	var once sync.Once
	var stopErr error
	stop := func() error {
		once.Do(func() {
			stopErr = pg.Stop()
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
