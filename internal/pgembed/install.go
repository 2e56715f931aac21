package pgembed

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"
)

// noBinariesError says that no PostgreSQL server binaries were found, with
// the one command that installs them here. cause, when not nil, is why they
// could not be downloaded either.
func noBinariesError(cause error) error {
	how := "install the PostgreSQL server with the system's package manager"
	if cmd := installCommand(); cmd != "" {
		how = "install them with `" + cmd + "`"
	}
	if cause != nil {
		return fmt.Errorf("no PostgreSQL server binaries on this machine, and %w; %s, or set DATABASE_URL", cause, how)
	}
	return fmt.Errorf("no PostgreSQL server binaries on this machine: %s, or set DATABASE_URL", how)
}

// installCommand returns the command that installs the PostgreSQL server on
// this system, or "" when the system is not one we know.
func installCommand() string {
	if runtime.GOOS == "darwin" {
		return "brew install postgresql@17"
	}
	id := osReleaseIDs()
	switch {
	case id["debian"] || id["ubuntu"]:
		return "apt-get install postgresql"
	case id["fedora"] || id["rhel"] || id["centos"]:
		return "dnf install postgresql-server"
	case id["alpine"]:
		return "apk add postgresql"
	case id["arch"]:
		return "pacman -S postgresql"
	case id["suse"] || id["opensuse"]:
		return "zypper install postgresql-server"
	}
	return ""
}

// osReleaseIDs returns the ID and ID_LIKE words of /etc/os-release, e.g.
// {"ubuntu", "debian"} on Ubuntu.
func osReleaseIDs() map[string]bool {
	ids := map[string]bool{}
	f, err := os.Open(osRelease)
	if err != nil {
		return ids
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok || (k != "ID" && k != "ID_LIKE") {
			continue
		}
		for _, w := range strings.Fields(strings.Trim(v, `"'`)) {
			ids[strings.ToLower(w)] = true
		}
	}
	return ids
}
