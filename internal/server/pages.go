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
	metricsOnce sync.Once
	metricsHTML string
)

// metricsPage shows docs/metrics.md, the definition of every figure, so the
// numbers on the dashboards link to their meaning. The Markdown is ours and
// rendered without raw HTML.
func (s *Server) metricsPage(w http.ResponseWriter, r *http.Request) {
	metricsOnce.Do(func() {
		var buf bytes.Buffer
		md := goldmark.New(goldmark.WithParserOptions(parser.WithAutoHeadingID()))
		if err := md.Convert(docs.Metrics, &buf); err != nil {
			s.log.Error("render metrics doc", "err", err)
		}
		metricsHTML = buf.String()
	})
	s.render(w, r, http.StatusOK, views.DocPage(s.layout(r, "How figures are counted", "checkins"), metricsHTML))
}

func (s *Server) adminPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, views.AdminPage(s.layout(r, "Admin", "admin")))
}
