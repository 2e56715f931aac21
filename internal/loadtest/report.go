package loadtest

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Ratio is a page's throughput over the baseline's, 0 when unknown.
func (r *Report) Ratio(res Result) float64 {
	if r.Fixed > 0 || r.Fortunes == nil || r.Fortunes.Throughput <= 0 || !res.Found {
		return 0
	}
	return res.Throughput / r.Fortunes.Throughput
}

// Markdown writes the report, ready to paste into docs/performance.md.
func (r *Report) Markdown(w io.Writer) {
	fmt.Fprintf(w, "Run at %s UTC, %s, against %s.\n", r.Started.Format("2006-01-02 15:04"), r.Elapsed.Round(time.Second), r.Target)
	fmt.Fprintf(w, "Load generator: GOMAXPROCS=%d of %d CPUs, %s.", r.Env.GOMAXPROCS, r.Env.NumCPU, r.Env.GoVersion)
	if len(r.Env.Postgres) > 0 {
		var parts []string
		for _, s := range r.Env.Postgres {
			parts = append(parts, s.Name+"="+s.Value)
		}
		fmt.Fprintf(w, " PostgreSQL: %s.", strings.Join(parts, ", "))
	}
	fmt.Fprintln(w)
	if r.Fixed > 0 {
		fmt.Fprintf(w, "Fixed rate: %d req/s per target, one after the other.\n\n", r.Fixed)
	} else {
		fmt.Fprintf(w, "Each target: the highest constant rate with p99 under %s and no errors (doubling, then bisecting).\n\n", ms(r.P99))
	}
	fmt.Fprintln(w, "| Page | Path | Rate (req/s) | Achieved (req/s) | p50 | p95 | p99 | Errors | vs Fortunes | Queries/request |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	row := func(res Result, baseline bool) {
		rate := fmt.Sprint(res.Rate)
		if !res.Found && r.Fixed == 0 {
			rate = "none within bound (tried " + rate + ")"
		}
		ratio := "–"
		if baseline && r.Fixed == 0 {
			ratio = "100 %"
		} else if x := r.Ratio(res); x > 0 {
			ratio = fmt.Sprintf("%.1f %%", 100*x)
		}
		fmt.Fprintf(w, "| %s | `%s` | %s | %.0f | %s | %s | %s | %d | %s | %s |\n", res.Name, res.Path, rate, res.Throughput,
			ms(res.P50), ms(res.P95), ms(res.P99), res.Errors, ratio, res.Queries)
	}
	if r.Fortunes != nil {
		row(*r.Fortunes, true)
	}
	for _, res := range r.Pages {
		row(res, false)
	}
	if wr := r.Writes; wr != nil {
		kinds := make([]string, 0, len(wr.Acked))
		for k, n := range wr.Acked {
			kinds = append(kinds, fmt.Sprintf("%d %s", n, k))
		}
		sort.Strings(kinds)
		fmt.Fprintf(w, "\nWrites at %d/s: %d sent, acknowledged %s, %d not acknowledged (statuses %v); ledger %s.\n",
			wr.Rate, wr.Sent, strings.Join(kinds, " and "), wr.Failed, wr.Statuses, wr.Ledger)
	}
	if r.Stopped != "" {
		fmt.Fprintf(w, "\nThe run ended on its budget: %s.\n", r.Stopped)
	}
	fmt.Fprintf(w, "\n%d requests in all.\n", r.Requests)
}
