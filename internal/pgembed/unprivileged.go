package pgembed

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// PostgreSQL's initdb, pg_ctl and postgres refuse to run as root. As root,
// rapport therefore runs them itself as one of these accounts, the first that
// exists, with the data directory owned by it. Only these child processes
// drop their privileges; rapport keeps its own.
var serverAccounts = []string{"postgres", "nobody"}

// account is the unprivileged user a private cluster runs as.
type account struct {
	name     string
	uid, gid uint32
}

// serverAccount returns the first of serverAccounts that exists and is not
// root.
func serverAccount() (account, error) {
	for _, name := range serverAccounts {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		return account{name: name, uid: uint32(uid), gid: uint32(gid)}, nil
	}
	return account{}, fmt.Errorf("none of the accounts %s exists to run PostgreSQL as", strings.Join(serverAccounts, ", "))
}

// command builds a command that runs as a.
func (a account) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// An empty, non-nil Groups drops root's supplementary groups.
		Credential: &syscall.Credential{Uid: a.uid, Gid: a.gid, Groups: []uint32{}},
	}
	// The caller's working directory (often under /root) may be closed to a.
	cmd.Dir = "/"
	return cmd
}

// canSearch reports whether a may traverse the directory described by fi.
func (a account) canSearch(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	mode := fi.Mode().Perm()
	switch {
	case st.Uid == a.uid:
		return mode&0o100 != 0
	case st.Gid == a.gid:
		return mode&0o010 != 0
	default:
		return mode&0o001 != 0
	}
}

// openPath makes every ancestor of dir traversable by a, adding only the
// search (x) permission for others where it is missing, so that the server
// can reach its data directory. It reports the directories it changed.
func (a account) openPath(dir string) ([]string, error) {
	var changed []string
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return changed, err
		}
		if !a.canSearch(fi) {
			if err := os.Chmod(p, fi.Mode().Perm()|0o001); err != nil {
				return changed, fmt.Errorf("let %s traverse %s: %w", a.name, p, err)
			}
			changed = append(changed, p)
		}
		if p == filepath.Dir(p) {
			return changed, nil
		}
	}
}

// own creates dir when missing (mode 0700) and makes a the owner of it and
// everything in it.
func (a account) own(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid == a.uid && st.Gid == a.gid {
		return nil // created by an earlier run as a
	}
	return filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, int(a.uid), int(a.gid))
	})
}

// unprivilegedCluster is a private cluster run with installed binaries as an
// unprivileged account, for a rapport running as root.
type unprivilegedCluster struct {
	acct       account
	binaries   string // parent of bin/
	dataDir    string
	runtimeDir string
	port       uint32
	settings   map[string]string
	log        *slog.Logger
	logw       *logWriter
}

func (c *unprivilegedCluster) bin(name string) string {
	return filepath.Join(c.binaries, "bin", name)
}

// run runs a PostgreSQL program as the account, its output going to the log.
func (c *unprivilegedCluster) run(ctx context.Context, name string, args ...string) error {
	cmd := c.acct.command(ctx, c.bin(name), args...)
	cmd.Stdout = c.logw
	cmd.Stderr = c.logw
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s as user %s: %w%s", name, c.acct.name, err, c.logTail())
	}
	return nil
}

// logTail returns the end of the server's log file, for error messages.
func (c *unprivilegedCluster) logTail() string {
	b, err := os.ReadFile(c.logFile())
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return "\n" + strings.TrimSpace(string(b))
}

func (c *unprivilegedCluster) logFile() string { return filepath.Join(c.runtimeDir, "postgres.log") }

// start initializes the data directory when it is new, and starts the server.
func (c *unprivilegedCluster) start(ctx context.Context) error {
	opened, err := c.acct.openPath(c.dataDir)
	for _, dir := range opened {
		c.log.Info("made a directory traversable for the database user (o+x)", "dir", dir, "user", c.acct.name)
	}
	if err != nil {
		return err
	}
	// The runtime directory holds the log and, briefly, the password file.
	if err := os.RemoveAll(c.runtimeDir); err != nil {
		return err
	}
	for _, dir := range []string{c.runtimeDir, c.dataDir} {
		if err := c.acct.own(dir); err != nil {
			return fmt.Errorf("give %s to user %s: %w", dir, c.acct.name, err)
		}
	}

	if _, err := os.Stat(filepath.Join(c.dataDir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := c.initdb(ctx); err != nil {
			return err
		}
	}

	l, err := net.Listen("tcp", net.JoinHostPort("localhost", strconv.FormatUint(uint64(c.port), 10)))
	if err != nil {
		return fmt.Errorf("port %d is taken: %w", c.port, err)
	}
	_ = l.Close()

	opts := []string{"-p " + strconv.FormatUint(uint64(c.port), 10)}
	for k, v := range c.settings {
		// pg_ctl hands -o to a shell.
		opts = append(opts, fmt.Sprintf("-c %s='%s'", k, v))
	}
	startCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	return c.run(startCtx, "pg_ctl", "start", "-w", "-t", "30", "-s",
		"-D", c.dataDir, "-l", c.logFile(), "-o", strings.Join(opts, " "))
}

// initdb creates the cluster with the same superuser and password as
// embedded-postgres would, so a data directory works with either.
func (c *unprivilegedCluster) initdb(ctx context.Context) error {
	pwfile := filepath.Join(c.runtimeDir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(privatePassword), 0o600); err != nil {
		return err
	}
	defer os.Remove(pwfile)
	if err := os.Chown(pwfile, int(c.acct.uid), int(c.acct.gid)); err != nil {
		return err
	}
	return c.run(ctx, "initdb", "-A", "password", "-U", privateUser, "-D", c.dataDir,
		"--pwfile="+pwfile, "--locale=C", "--encoding=UTF8")
}

// stop shuts the server down, ending open sessions (fast mode).
func (c *unprivilegedCluster) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return c.run(ctx, "pg_ctl", "stop", "-w", "-s", "-m", "fast", "-D", c.dataDir)
}
