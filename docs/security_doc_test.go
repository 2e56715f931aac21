package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestSecurityDocNamesOnlyTestsThatExist keeps docs/security.md honest: every
// `pkg.TestName` or `pkg.FuzzName` it cites must be a function defined in one
// of the module's _test.go files.
func TestSecurityDocNamesOnlyTestsThatExist(t *testing.T) {
	doc, err := os.ReadFile("security.md")
	if err != nil {
		t.Fatal(err)
	}
	cited := regexp.MustCompile("`([a-z][a-z0-9]*)\\.((?:Test|Fuzz)[A-Za-z0-9_]+)`").FindAllStringSubmatch(string(doc), -1)
	if len(cited) == 0 {
		t.Fatal("security.md cites no tests; has the reference format changed?")
	}

	defined := map[string]bool{} // "pkg.Name", pkg being the package clause
	funcRE := regexp.MustCompile(`(?m)^func ((?:Test|Fuzz)[A-Za-z0-9_]+)\(`)
	pkgRE := regexp.MustCompile(`(?m)^package ([a-z][a-z0-9_]*)`)
	root := ".." // docs sits at the module root
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		m := pkgRE.FindSubmatch(src)
		if m == nil {
			return nil
		}
		pkg := strings.TrimSuffix(string(m[1]), "_test")
		if pkg == "main" {
			pkg = filepath.Base(filepath.Dir(path)) // cmd/rapport cites as rapport
		}
		for _, f := range funcRE.FindAllSubmatch(src, -1) {
			defined[pkg+"."+string(f[1])] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	seen := map[string]bool{}
	for _, c := range cited {
		ref := c[1] + "." + c[2]
		if c[1] == "package" || seen[ref] { // `package.TestName` describes the format

			continue
		}
		seen[ref] = true
		if !defined[ref] {
			t.Errorf("security.md cites %s, which no _test.go file defines", ref)
		}
	}
	t.Logf("%d distinct tests cited", len(seen))
}
