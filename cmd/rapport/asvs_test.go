package main

import "testing"

// V6.3.2, V13.4.2: with nothing configured, serve seeds no accounts (the
// first visit creates the first admin), sends Secure cookies, trusts no
// proxy headers, logs at info and traces nothing; each comes on only when
// asked for.
func TestServeDefaultsAreTheSafeOnes(t *testing.T) {
	for _, name := range []string{"RAPPORT_DEMO", "RAPPORT_INSECURE_COOKIES", "RAPPORT_TRUST_PROXY", "RAPPORT_TRACE_QUERIES", "RAPPORT_LOG_LEVEL"} {
		t.Setenv(name, "")
	}
	c, err := parseServe(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Demo || c.InsecureCookies || c.TrustProxy || c.TraceQueries || c.LogLevel != "info" {
		t.Fatalf("unsafe default: %+v", c)
	}
	c, err = parseServe([]string{"--demo", "--insecure-cookies", "--trust-proxy", "--trace-queries"})
	if err != nil || !c.Demo || !c.InsecureCookies || !c.TrustProxy || !c.TraceQueries {
		t.Fatalf("flags not honoured: %+v %v", c, err)
	}
}
