package leakcheck

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestLeakedFindsABlockedGoroutine(t *testing.T) {
	release := make(chan struct{})
	go func() { <-release }()
	leaked := Leaked(100 * time.Millisecond)
	if len(leaked) != 1 {
		t.Fatalf("want the blocked goroutine, got %d: %v", len(leaked), leaked)
	}
	close(release)
	if leaked := Leaked(2 * time.Second); len(leaked) != 0 {
		t.Fatalf("want none after release, got %v", leaked)
	}
}

func TestLeakedFindsAnOpenServer(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(Leaked(100*time.Millisecond)) == 0 {
		t.Fatal("an open server with a keep-alive connection went unnoticed")
	}
	srv.Close()
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	if leaked := Leaked(2 * time.Second); len(leaked) != 0 {
		t.Fatalf("want none after Close, got %v", leaked)
	}
}
