package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPanicsBecomeAGenericErrorPage(t *testing.T) {
	var logs strings.Builder
	s := &Server{log: slog.New(slog.NewTextHandler(&logs, nil))}
	h := s.recoverPanic(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("db password is hunter2")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/boom", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != 500 {
		t.Fatalf("status %d", rec.Code)
	}
	if strings.Contains(string(body), "hunter2") || strings.Contains(string(body), "goroutine") {
		t.Fatalf("panic details reached the page:\n%s", body)
	}
	if !strings.Contains(string(body), "Something went wrong") {
		t.Fatalf("no friendly message:\n%s", body)
	}
	if !strings.Contains(logs.String(), "hunter2") || !strings.Contains(logs.String(), "stack=") {
		t.Fatal("panic was not logged with its stack")
	}
}
