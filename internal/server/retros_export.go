package server

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"rapport/internal/retro"
)

// csvCell neutralises a cell a spreadsheet would read as a formula: text
// starting with = + - @, a tab or a carriage return gets a leading quote.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func exportName(r retro.Retro, ext string) string {
	return fmt.Sprintf("retro-%d-%s.%s", r.ID, r.CreatedAt.Format("2006-01-02"), ext)
}

// exportRoom loads the room for an export, as the viewer sees it: anonymous
// cards carry no author, and vote totals appear only once voting has ended.
func (s *Server) exportRoom(w http.ResponseWriter, r *http.Request) (retro.Room, bool) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return retro.Room{}, false
	}
	rm, err := s.retros.Room(r.Context(), actor(r), id, nil)
	if err != nil {
		s.renderError(w, r, err)
		return rm, false
	}
	return rm, true
}

func mdLine(s string) string {
	return strings.ReplaceAll(strings.TrimSpace(s), "\n", " ")
}

func (s *Server) retroExportMarkdown(w http.ResponseWriter, r *http.Request) {
	rm, ok := s.exportRoom(w, r)
	if !ok {
		return
	}
	rt := rm.Retro
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n%s · %s · phase: %s\n\n", mdLine(rt.Title), rt.TeamName, rt.CreatedAt.Format("2 Jan 2006"), rt.Phase.Label())
	if rt.Anonymous {
		b.WriteString("Cards were anonymous.\n\n")
	}
	b.WriteString("## Cards\n\n")
	for _, c := range rm.Columns {
		fmt.Fprintf(&b, "### %s (%d)\n\n", c.Title, rm.Counts[c.ID])
		for _, card := range rm.Cards[c.ID] {
			fmt.Fprintf(&b, "- %s", mdLine(card.Body))
			if card.AuthorName != "" {
				fmt.Fprintf(&b, " — %s", card.AuthorName)
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	if len(rm.Items) > 0 {
		b.WriteString("## Topics\n\n")
		for _, it := range rm.Items {
			fmt.Fprintf(&b, "### %s", mdLine(it.Title))
			if rm.ShowTotals {
				if it.Votes == 1 {
					b.WriteString(" — 1 vote")
				} else {
					fmt.Fprintf(&b, " — %d votes", it.Votes)
				}
			}
			b.WriteString("\n\n")
			if it.Ref.GroupID != nil {
				for _, c := range it.Cards {
					fmt.Fprintf(&b, "- %s\n", mdLine(c.Body))
				}
				b.WriteString("\n")
			}
			for _, n := range it.Notes {
				fmt.Fprintf(&b, "> %s\n", mdLine(n.Body))
			}
			if len(it.Notes) > 0 {
				b.WriteString("\n")
			}
		}
	}
	b.WriteString("## Actions\n\n")
	for _, a := range rm.Actions {
		box := " "
		if a.Status == retro.ActionDone {
			box = "x"
		}
		fmt.Fprintf(&b, "- [%s] %s — %s, due %s (%s)\n", box, mdLine(a.Body), a.OwnerName, a.DueOn.Format("2006-01-02"), a.Status)
	}
	w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+exportName(rt, "md")+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(b.String()))
}

func (s *Server) retroExportCSV(w http.ResponseWriter, r *http.Request) {
	rm, ok := s.exportRoom(w, r)
	if !ok {
		return
	}
	rt := rm.Retro
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+exportName(rt, "csv")+`"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	write := func(cells ...string) {
		for i := range cells {
			cells[i] = csvCell(cells[i])
		}
		_ = cw.Write(cells)
	}
	write("kind", "column", "topic", "text", "author", "votes", "owner", "due", "status")
	cols := map[int64]string{}
	for _, c := range rm.Columns {
		cols[c.ID] = c.Title
	}
	groups := map[int64]string{}
	for _, g := range rm.Groups {
		groups[g.ID] = g.Name
	}
	for _, c := range rm.Columns {
		for _, card := range rm.Cards[c.ID] {
			group := ""
			if card.GroupID != nil {
				group = groups[*card.GroupID]
			}
			write("card", c.Title, group, card.Body, card.AuthorName, "", "", "", "")
		}
	}
	for _, it := range rm.Items {
		votes := ""
		if rm.ShowTotals {
			votes = strconv.Itoa(it.Votes)
		}
		write("topic", "", it.Title, "", "", votes, "", "", "")
		for _, n := range it.Notes {
			write("note", "", it.Title, n.Body, "", "", "", "", "")
		}
	}
	for _, a := range rm.Actions {
		write("action", "", "", a.Body, "", "", a.OwnerName, a.DueOn.Format("2006-01-02"), string(a.Status))
	}
	cw.Flush()
}
