package docs

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// testRef is a test named in a document: `package.TestName` or
// `package.FuzzName`, where package is the test file's directory name
// (`rapport` for cmd/rapport) or its package clause.
var testRef = regexp.MustCompile(`\b([a-z][a-z0-9_]*)\.((?:Test|Fuzz)[A-Z0-9_][A-Za-z0-9_]*)\b`)

// moduleRoot is the nearest directory above the working directory that holds
// go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the docs package")
		}
		dir = parent
	}
}

// definedTests returns "pkg.Name" for every top-level Test and Fuzz function
// in the module's *_test.go files, under both the directory's name and the
// package clause (without _test).
func definedTests(t *testing.T, root string) map[string]bool {
	t.Helper()
	defined := map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") ||
				name == "testdata" || name == "vendor" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		pkgs := []string{filepath.Base(filepath.Dir(path)), strings.TrimSuffix(f.Name.Name, "_test")}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil {
				continue
			}
			name := fn.Name.Name
			if !strings.HasPrefix(name, "Test") && !strings.HasPrefix(name, "Fuzz") {
				continue
			}
			for _, p := range pkgs {
				defined[p+"."+name] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return defined
}

// Every test docs/security.md names as proof exists, so a renamed or deleted
// test cannot leave a requirement pointing at nothing.
func TestSecurityDocNamesOnlyTestsThatExist(t *testing.T) {
	doc, err := os.ReadFile("security.md")
	if err != nil {
		t.Fatal(err)
	}
	defined := definedTests(t, moduleRoot(t))
	refs := map[string]bool{}
	for _, m := range testRef.FindAllStringSubmatch(string(doc), -1) {
		if m[2] == "TestName" || m[2] == "FuzzName" {
			continue // the page explaining its own format
		}
		refs[m[1]+"."+m[2]] = true
	}
	if len(refs) == 0 {
		t.Fatal("security.md names no tests: has the reference format changed?")
	}
	var missing []string
	for ref := range refs {
		if !defined[ref] {
			missing = append(missing, ref)
		}
	}
	sort.Strings(missing)
	for _, ref := range missing {
		t.Errorf("security.md names %s, which no *_test.go file defines", ref)
	}
	t.Logf("%d distinct tests named", len(refs))
}
