package web

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// Every block of the style sheet is closed where it should be: a missing
// brace silently puts every later rule inside the block before it (a
// dark-mode media query once swallowed the pickers' styles and all after).
func TestStyleSheetBlocksAreClosed(t *testing.T) {
	b, err := os.ReadFile("static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	css := regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllStringFunc(string(b), func(c string) string {
		return strings.Repeat("\n", strings.Count(c, "\n"))
	})
	var open []int
	for i, line := range strings.Split(css, "\n") {
		for _, ch := range line {
			switch ch {
			case '{':
				open = append(open, i+1)
			case '}':
				if len(open) == 0 {
					t.Fatalf("line %d closes a block that was never opened", i+1)
				}
				open = open[:len(open)-1]
			}
		}
		// A top-level rule never starts inside a block that opened many
		// lines above a blank line and a section comment.
		if strings.TrimSpace(line) == "" && len(open) > 0 && i+1-open[0] > 40 {
			t.Fatalf("the block opened on line %d is still open at line %d", open[0], i+1)
		}
	}
	if len(open) > 0 {
		t.Fatalf("blocks opened on lines %v are never closed", open)
	}
}
