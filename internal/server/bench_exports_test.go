package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"rapport/internal/server"
	"rapport/internal/testapp"
)

// exportLimitBytes is the most an export may grow the process's resident
// memory, whatever its size.
const exportLimitBytes = 64 << 20

// BenchmarkExportCycle exports review cycles of 2,000 and 10,000 people
// (× the framework's 10 competencies) from the 10,000-person demo
// organisation as CSV and XLSX. Each export runs in a child process (this
// test binary again, TestExportChildProcess) so its peak resident memory
// is its own: the child resets its high-water mark, downloads the export
// through the real server into a file, and reports the peak.
//
//	go test ./internal/server/ -run '^$' -bench ExportCycle -benchtime 1x
func BenchmarkExportCycle(b *testing.B) {
	dsn, res := seedBigOrg(b)
	ta := startBench(b, dsn)
	ctx := context.Background()
	var admin string
	if err := ta.Pool.QueryRow(ctx, `SELECT email FROM users WHERE org_id = $1 AND role = 'admin' ORDER BY id LIMIT 1`, res.OrgID).Scan(&admin); err != nil {
		b.Fatal(err)
	}
	for _, size := range []int{2000, 10000} {
		start := time.Now()
		cycle := seedExportCycle(b, ta, res.OrgID, size)
		b.Logf("cycle of %d people seeded in %v", size, time.Since(start).Round(time.Millisecond))
		for _, format := range []string{"csv", "xlsx"} {
			b.Run(fmt.Sprintf("%s-%d-people", format, size), func(b *testing.B) {
				for range b.N {
					m := runExportChild(b, dsn, admin, fmt.Sprintf("/exports/cycles/%d/%s", cycle, format))
					b.ReportMetric(float64(m.Rows)/m.Seconds, "rows/s")
					b.ReportMetric(float64(m.GrowthKB)/1024, "MB-rss-growth")
					b.ReportMetric(float64(m.MaxRSSKB)/1024, "MB-maxrss")
					b.ReportMetric(float64(m.Bytes)/(1<<20), "MB-file")
					b.ReportMetric(m.Figures, "s-figures")
					b.Logf("%s %d people: %d rows in %.2fs (%.0f rows/s; %.2fs of it waiting for cues and evidence), %.1f MB file; RSS before %.1f MB, peak during export %.1f MB (+%.1f MB); process maxrss %.1f MB",
						format, size, m.Rows, m.Seconds, float64(m.Rows)/m.Seconds, m.Figures, float64(m.Bytes)/(1<<20),
						float64(m.BeforeKB)/1024, float64(m.PeakKB)/1024, float64(m.GrowthKB)/1024, float64(m.MaxRSSKB)/1024)
					if m.GrowthKB*1024 >= exportLimitBytes {
						b.Errorf("export grew resident memory by %d KB, limit %d MB", m.GrowthKB, exportLimitBytes>>20)
					}
					if want := size * 10; m.Rows != want {
						b.Errorf("%d rows, want %d", m.Rows, want)
					}
				}
			})
		}
	}
}

// seedExportCycle makes a cycle of the first size active people of the
// organisation, every one rated on every competency with comments, in a
// few set-based statements.
func seedExportCycle(b *testing.B, ta *testapp.TestApp, orgID int64, size int) int64 {
	ctx := context.Background()
	var id int64
	err := ta.Pool.QueryRow(ctx, `
		INSERT INTO review_cycles (org_id, name, period_start, period_end, framework_version_id, self_due, manager_due)
		SELECT $1, 'Benchmark ' || $2::int || ' ' || clock_timestamp(), current_date - 180, current_date - 1,
			(SELECT id FROM framework_versions WHERE org_id = $1 ORDER BY number DESC LIMIT 1), current_date, current_date + 14
		RETURNING id`, orgID, size).Scan(&id)
	if err != nil {
		b.Fatal(err)
	}
	steps := []string{`
		INSERT INTO review_participants (cycle_id, org_id, person_id, manager_id, state)
		SELECT $1, $2, u.id, u.manager_id,
			(ARRAY['draft', 'self_submitted', 'manager_submitted', 'acknowledged', 'finalised']::review_state[])[1 + u.id % 5]
		FROM users u WHERE u.org_id = $2 AND u.active ORDER BY u.id LIMIT $3`, `
		INSERT INTO review_ratings (cycle_id, org_id, person_id, competency_id, self_rating, self_comment, manager_rating, manager_comment)
		SELECT p.cycle_id, p.org_id, p.person_id, e.competency_id, 1 + (p.person_id + e.competency_id) % 4,
			'Kept a steady rhythm with the partner team, and said so in the retro (' || p.person_id || ').',
			1 + (p.person_id * 7 + e.competency_id) % 4,
			'Clear progress since the last cycle; next: bring "the quiet ones" in, earlier.'
		FROM review_participants p
		JOIN review_cycles c ON c.id = p.cycle_id
		JOIN framework_entries e ON e.version_id = c.framework_version_id
		WHERE p.cycle_id = $1 AND $2::bigint > 0 AND $3::int > 0`,
	}
	for _, q := range steps {
		if _, err := ta.Pool.Exec(ctx, q, id, orgID, size); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := ta.Pool.Exec(ctx, "ANALYZE review_participants; ANALYZE review_ratings"); err != nil {
		b.Fatal(err)
	}
	return id
}

// exportMeasure is what the child process reports.
type exportMeasure struct {
	Rows     int     `json:"rows"`
	Bytes    int64   `json:"bytes"`
	Seconds  float64 `json:"seconds"`
	BeforeKB int64   `json:"before_kb"` // VmRSS just before the export
	PeakKB   int64   `json:"peak_kb"`   // VmHWM after the export (reset just before it)
	GrowthKB int64   `json:"growth_kb"`
	Figures  float64 `json:"figures_seconds"` // waiting for cues and evidence counts
	MaxRSSKB int64   `json:"-"`               // the child's whole-life peak, from rusage
}

func runExportChild(b *testing.B, dsn, email, path string) exportMeasure {
	cmd := exec.Command(os.Args[0], "-test.run=^TestExportChildProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "EXPORT_CHILD_DSN="+dsn, "EXPORT_CHILD_EMAIL="+email,
		"EXPORT_CHILD_PASSWORD="+benchPassword(), "EXPORT_CHILD_PATH="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("export child: %v\n%s", err, out)
	}
	var m exportMeasure
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "EXPORT_MEASURE "); ok {
			if err := json.Unmarshal([]byte(rest), &m); err != nil {
				b.Fatal(err)
			}
		}
	}
	if m.Rows == 0 {
		b.Fatalf("export child reported nothing:\n%s", out)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.MaxRSSKB = ru.Maxrss
	}
	return m
}

// procStatus reads a kB figure (VmRSS, VmHWM) of this process.
func procStatus(key string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), key+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return -1
}

// TestExportChildProcess is the child side of BenchmarkExportCycle; it does
// nothing in an ordinary test run.
func TestExportChildProcess(t *testing.T) {
	childDSN := os.Getenv("EXPORT_CHILD_DSN")
	if childDSN == "" {
		t.Skip("runs only as BenchmarkExportCycle's child process")
	}
	ta := testapp.Start(t, childDSN, testapp.Options{PlainHTTP: true, Config: func(c *server.Config) { c.SecureCookies = false }})
	c := ta.Client(t)
	c.SignIn(os.Getenv("EXPORT_CHILD_EMAIL"), os.Getenv("EXPORT_CHILD_PASSWORD"))
	out, err := os.CreateTemp("", "export-*")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(out.Name())
	defer out.Close()
	req, _ := http.NewRequest("GET", ta.URL+os.Getenv("EXPORT_CHILD_PATH"), nil)
	// Reset the high-water mark so the peak below is the export's own.
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Fatalf("reset peak RSS: %v", err)
	}
	before := procStatus("VmRSS")
	start := time.Now()
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(out, resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("export: %d %v", resp.StatusCode, err)
	}
	secs := time.Since(start).Seconds()
	peak := procStatus("VmHWM")
	// Count the rows: the audit entry the export wrote has them.
	var rows int
	if err := ta.Pool.QueryRow(context.Background(), `SELECT (detail->>'rows')::int FROM audit_log WHERE action = 'export.cycle' ORDER BY id DESC LIMIT 1`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	// The server logs how long the export waited for cues and evidence.
	var figures float64
	if m := regexp.MustCompile(`figures_seconds=([0-9.]+)`).FindStringSubmatch(ta.Logs.String()); m != nil {
		figures, _ = strconv.ParseFloat(m[1], 64)
	}
	b, _ := json.Marshal(exportMeasure{Rows: rows, Bytes: n, Seconds: secs, BeforeKB: before, PeakKB: peak, GrowthKB: peak - before, Figures: figures})
	fmt.Println("EXPORT_MEASURE " + string(b))
}
