package postgres_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// statement matches a string literal that is an SQL statement.
var statement = regexp.MustCompile(`^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|EXPLAIN)\s`)

// inlineSQLAllowed are the only places outside db/queries that may hold
// SQL statements, and why: everything the product runs goes through sqlc,
// which checks it against the schema.
var inlineSQLAllowed = map[string]string{
	"cmd/fortunes":                 "the baseline server of the load test, not the product",
	"cmd/rapport/main.go":          "tooling: the demo seed's session lock and `rapport explain`'s sample ids",
	"internal/postgres/explain.go": "tooling: `rapport explain` runs EXPLAIN on the product's own statements",
	"internal/notify/migrate.go":   "River's migrator, under a session-level advisory lock on its own connection",
	"internal/demo":                "tooling: bulk seeding of the demo organisations",
	"internal/loadtest":            "tooling: the load test's ledger checks",
	"internal/testdb":              "test harness: template databases",
	"internal/testfx":              "test harness: factories",
	"internal/pgembed":             "tooling: the private PostgreSQL's own setup",
}

// TestNoInlineSQL keeps every statement the product runs in db/queries.
func TestNoInlineSQL(t *testing.T) {
	root := filepath.Join("..", "..")
	var found []string
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if (rel != "." && strings.HasPrefix(d.Name(), ".")) || rel == "internal/postgres/dbq" || d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || strings.HasSuffix(path, "_templ.go") {
			return nil
		}
		for prefix := range inlineSQLAllowed {
			if rel == prefix || strings.HasPrefix(rel, prefix+"/") {
				return nil
			}
		}
		files++
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err == nil && statement.MatchString(s) {
				found = append(found, fset.Position(lit.Pos()).String())
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("walked %d Go files; expected the whole repository", files)
	}
	sort.Strings(found)
	for _, f := range found {
		t.Errorf("%s: an SQL statement outside db/queries; write it there and call it through sqlc", f)
	}
}
