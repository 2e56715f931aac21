package server

import (
	"bytes"
	"net/http"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/parser"

	"rapport/docs"
	"rapport/web/views"
)

var (
	definitionsOnce sync.Once
	definitionsHTML string
)

// definitionsPage shows docs/metrics.md, the definition of every figure, so
// the numbers on the dashboards link to their meaning. The Markdown is ours
// and rendered without raw HTML.
func (s *Server) definitionsPage(w http.ResponseWriter, r *http.Request) {
	definitionsOnce.Do(func() {
		var buf bytes.Buffer
		md := goldmark.New(goldmark.WithParserOptions(parser.WithAutoHeadingID()))
		if err := md.Convert(docs.Metrics, &buf); err != nil {
			s.log.Error("render metrics doc", "err", err)
		}
		definitionsHTML = buf.String()
	})
	s.render(w, r, http.StatusOK, views.DocPage(s.layout(r, "How figures are counted", "checkins"), definitionsHTML))
}

// definitionsMoved sends the definitions' old address, /metrics, to the
// new one. Browsers keep the #fragment of the link across the redirect.
func (s *Server) definitionsMoved(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/definitions", http.StatusMovedPermanently)
}

func (s *Server) adminPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, views.AdminPage(s.layout(r, "Admin", "admin")))
}
