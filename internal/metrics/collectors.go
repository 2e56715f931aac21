package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// PoolCollector reports pgxpool statistics of named pools, read at scrape
// time from pool.Stat().
type PoolCollector struct {
	pools map[string]*pgxpool.Pool

	acquired, idle, total, max, constructing *prometheus.Desc
	acquires, emptyAcquires, canceled        *prometheus.Desc
	acquireSeconds, emptyWaitSeconds         *prometheus.Desc
}

// NewPoolCollector reports each pool under its name (label "pool"). Nil
// pools are left out.
func NewPoolCollector(pools map[string]*pgxpool.Pool) *PoolCollector {
	l := []string{"pool"}
	c := &PoolCollector{pools: map[string]*pgxpool.Pool{},
		acquired:         prometheus.NewDesc("rapport_db_pool_acquired_connections", "Connections in use.", l, nil),
		idle:             prometheus.NewDesc("rapport_db_pool_idle_connections", "Idle connections.", l, nil),
		total:            prometheus.NewDesc("rapport_db_pool_total_connections", "Open connections (acquired, idle and being opened).", l, nil),
		max:              prometheus.NewDesc("rapport_db_pool_max_connections", "The pool's size.", l, nil),
		constructing:     prometheus.NewDesc("rapport_db_pool_constructing_connections", "Connections being opened.", l, nil),
		acquires:         prometheus.NewDesc("rapport_db_pool_acquires_total", "Connections handed out.", l, nil),
		emptyAcquires:    prometheus.NewDesc("rapport_db_pool_empty_acquires_total", "Acquires that had to wait: no idle connection was free.", l, nil),
		canceled:         prometheus.NewDesc("rapport_db_pool_canceled_acquires_total", "Acquires given up (timeout or client gone) before a connection came free.", l, nil),
		acquireSeconds:   prometheus.NewDesc("rapport_db_pool_acquire_seconds_total", "Time spent acquiring connections.", l, nil),
		emptyWaitSeconds: prometheus.NewDesc("rapport_db_pool_empty_acquire_wait_seconds_total", "Time spent waiting for a connection to come free.", l, nil),
	}
	for name, p := range pools {
		if p != nil {
			c.pools[name] = p
		}
	}
	return c
}

// Describe implements prometheus.Collector.
func (c *PoolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.acquired, c.idle, c.total, c.max, c.constructing,
		c.acquires, c.emptyAcquires, c.canceled, c.acquireSeconds, c.emptyWaitSeconds} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *PoolCollector) Collect(ch chan<- prometheus.Metric) {
	for name, p := range c.pools {
		s := p.Stat()
		g := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, name)
		}
		n := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, name)
		}
		g(c.acquired, float64(s.AcquiredConns()))
		g(c.idle, float64(s.IdleConns()))
		g(c.total, float64(s.TotalConns()))
		g(c.max, float64(s.MaxConns()))
		g(c.constructing, float64(s.ConstructingConns()))
		n(c.acquires, float64(s.AcquireCount()))
		n(c.emptyAcquires, float64(s.EmptyAcquireCount()))
		n(c.canceled, float64(s.CanceledAcquireCount()))
		n(c.acquireSeconds, s.AcquireDuration().Seconds())
		n(c.emptyWaitSeconds, s.EmptyAcquireWaitTime().Seconds())
	}
}

// JobStat is the jobs of one kind in one state, and the age of the oldest
// of them: for available jobs since they were due, for running ones since
// their attempt began (0 for the other states).
type JobStat struct {
	Kind, State   string
	Jobs          int64
	OldestSeconds float64
}

// JobSource reads the job queue's counts from the database.
type JobSource func(ctx context.Context) ([]JobStat, error)

// JobCollector reports the job queue by kind and state. The database is
// asked at most once per TTL, however often and by however many servers
// the metrics are scraped.
type JobCollector struct {
	read    JobSource
	ttl     time.Duration
	timeout time.Duration
	now     func() time.Time

	mu    sync.Mutex
	at    time.Time
	stats []JobStat
	err   error

	jobs, waiting, running, errors *prometheus.Desc
}

// NewJobCollector reads through read, caching its answer for ttl.
func NewJobCollector(read JobSource, ttl time.Duration) *JobCollector {
	return &JobCollector{read: read, ttl: ttl, timeout: 2 * time.Second, now: time.Now,
		jobs:    prometheus.NewDesc("rapport_jobs", "Background jobs (River) by kind and state.", []string{"kind", "state"}, nil),
		waiting: prometheus.NewDesc("rapport_jobs_waiting_oldest_seconds", "Queue latency: how long the oldest available job of a kind has been due without a worker taking it.", []string{"kind"}, nil),
		running: prometheus.NewDesc("rapport_jobs_running_oldest_seconds", "How long the oldest running job of a kind has been running (a stuck job grows without bound).", []string{"kind"}, nil),
		errors:  prometheus.NewDesc("rapport_jobs_collect_errors", "1 when the last read of the job counts failed (the counts are then missing).", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *JobCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.jobs
	ch <- c.waiting
	ch <- c.running
	ch <- c.errors
}

// Collect implements prometheus.Collector.
func (c *JobCollector) Collect(ch chan<- prometheus.Metric) {
	stats, err := c.load()
	failed := 0.0
	if err != nil {
		failed = 1
	}
	ch <- prometheus.MustNewConstMetric(c.errors, prometheus.GaugeValue, failed)
	for _, s := range stats {
		ch <- prometheus.MustNewConstMetric(c.jobs, prometheus.GaugeValue, float64(s.Jobs), s.Kind, s.State)
		switch s.State {
		case "available":
			ch <- prometheus.MustNewConstMetric(c.waiting, prometheus.GaugeValue, s.OldestSeconds, s.Kind)
		case "running":
			ch <- prometheus.MustNewConstMetric(c.running, prometheus.GaugeValue, s.OldestSeconds, s.Kind)
		}
	}
}

func (c *JobCollector) load() ([]JobStat, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && c.now().Sub(c.at) < c.ttl {
		return c.stats, c.err
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	c.stats, c.err = c.read(ctx)
	c.at = c.now()
	return c.stats, c.err
}

// LiveCounts is what the live-update hub counts.
type LiveCounts struct {
	Open       int64  // event streams open now
	FannedOut  uint64 // events handed to streams
	StreamsCut uint64 // streams cut for falling too far behind
}

// WebhookCounts is what the notifier counts of webhook delivery attempts.
type WebhookCounts struct {
	Delivered uint64 // attempts the receiver accepted (2xx)
	Retried   uint64 // failed attempts that will be retried
	Failed    uint64 // failed last attempts: the delivery is given up
}

// funcCollector reports counters a part of the app keeps itself, read at
// scrape time.
type funcCollector struct {
	descs   []*prometheus.Desc
	collect func(ch chan<- prometheus.Metric)
}

func (c funcCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}
func (c funcCollector) Collect(ch chan<- prometheus.Metric) { c.collect(ch) }

// NewLiveCollector reports the live-update hub's streams and events.
func NewLiveCollector(read func() LiveCounts) prometheus.Collector {
	open := prometheus.NewDesc("rapport_live_streams_open", "Server-sent event streams open now.", nil, nil)
	sent := prometheus.NewDesc("rapport_live_events_fanned_out_total", "Events handed to open streams (one per stream per event).", nil, nil)
	cut := prometheus.NewDesc("rapport_live_streams_cut_total", "Streams cut for falling too far behind (their browsers reconnect and catch up).", nil, nil)
	return funcCollector{descs: []*prometheus.Desc{open, sent, cut}, collect: func(ch chan<- prometheus.Metric) {
		c := read()
		ch <- prometheus.MustNewConstMetric(open, prometheus.GaugeValue, float64(c.Open))
		ch <- prometheus.MustNewConstMetric(sent, prometheus.CounterValue, float64(c.FannedOut))
		ch <- prometheus.MustNewConstMetric(cut, prometheus.CounterValue, float64(c.StreamsCut))
	}}
}

// NewWebhookCollector reports webhook delivery attempts by result.
func NewWebhookCollector(read func() WebhookCounts) prometheus.Collector {
	d := prometheus.NewDesc("rapport_webhook_deliveries_total", "Webhook delivery attempts by result: delivered, retry (failed, will be retried), failed (failed last attempt).", []string{"result"}, nil)
	return funcCollector{descs: []*prometheus.Desc{d}, collect: func(ch chan<- prometheus.Metric) {
		c := read()
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(c.Delivered), "delivered")
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(c.Retried), "retry")
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(c.Failed), "failed")
	}}
}
