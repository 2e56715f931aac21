package e2e

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// chromiumNames are the executables looked for on PATH, in order.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// findChromium returns the browser to drive: $CHROME_PATH when set, else the
// first of chromiumNames on PATH. Without one, the error says how to install
// it on this system.
func findChromium(getenv func(string) string, lookPath func(string) (string, error), osRelease string) (string, error) {
	if p := getenv("CHROME_PATH"); p != "" {
		if fi, err := os.Stat(p); err != nil || fi.IsDir() {
			return "", fmt.Errorf("CHROME_PATH=%s is not a browser executable", p)
		}
		return p, nil
	}
	for _, name := range chromiumNames {
		if p, err := lookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no Chromium for the browser tests: CHROME_PATH is empty and none of %s is on PATH. "+
		"Install it with `%s`, or set CHROME_PATH to a Chromium or Chrome executable",
		strings.Join(chromiumNames, ", "), chromiumInstall(osRelease))
}

// chromiumInstall returns the command that installs Chromium on the system
// /etc/os-release (at osRelease) describes.
func chromiumInstall(osRelease string) string {
	if runtime.GOOS == "darwin" {
		return "brew install --cask chromium"
	}
	ids := map[string]bool{}
	if f, err := os.Open(osRelease); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), "="); ok && (k == "ID" || k == "ID_LIKE") {
				for _, w := range strings.Fields(strings.Trim(v, `"'`)) {
					ids[w] = true
				}
			}
		}
		f.Close()
	}
	switch {
	case ids["ubuntu"]:
		return "snap install chromium" // Ubuntu's apt package only installs the snap
	case ids["debian"]:
		return "apt-get install -y --no-install-recommends chromium"
	case ids["fedora"] || ids["rhel"] || ids["centos"]:
		return "dnf install chromium"
	case ids["alpine"]:
		return "apk add chromium"
	case ids["arch"]:
		return "pacman -S chromium"
	}
	return "apt-get install -y --no-install-recommends chromium"
}

func TestFindChromiumLooksWhereSystemsPutIt(t *testing.T) {
	dir := t.TempDir()
	exe := func(name string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	browser := exe("chromium-browser")
	explicit := exe("my-chrome")
	debian := filepath.Join(dir, "os-release")
	if err := os.WriteFile(debian, []byte("ID=debian\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	onPath := func(name string) (string, error) {
		return exec.LookPath(filepath.Join(dir, name))
	}
	nothing := func(string) (string, error) { return "", exec.ErrNotFound }
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	if got, err := findChromium(env(nil), onPath, debian); err != nil || got != browser {
		t.Errorf("on PATH: got %q, %v; want %s", got, err, browser)
	}
	if got, err := findChromium(env(map[string]string{"CHROME_PATH": explicit}), onPath, debian); err != nil || got != explicit {
		t.Errorf("CHROME_PATH: got %q, %v; want %s", got, err, explicit)
	}
	if _, err := findChromium(env(map[string]string{"CHROME_PATH": filepath.Join(dir, "gone")}), onPath, debian); err == nil {
		t.Error("a CHROME_PATH that does not exist was accepted")
	}
	_, err := findChromium(env(nil), nothing, debian)
	if err == nil {
		t.Fatal("found a browser where there is none")
	}
	if runtime.GOOS != "darwin" && !strings.Contains(err.Error(), "`apt-get install -y --no-install-recommends chromium`") {
		t.Errorf("error does not say how to install Chromium on Debian: %v", err)
	}
}
