package bankhubtest

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/bankhub-go/bankhub"
)

// Regression: one request that panicked while the state was locked hung
// every later request. A panic inside a locked section now answers 500 and
// releases the lock.
func TestHandlerPanicDoesNotHangTheFake(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.mux.HandleFunc("GET /v1/boom", func(w http.ResponseWriter, r *http.Request) {
		s.locked(func() { panic("a bug in the fake") })
	})
	resp, err := http.Get(s.URL + "/v1/boom")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 500 {
		t.Errorf("status %d, want 500", resp.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := s.Client().Companies.List(ctx, nil); err != nil {
		t.Fatalf("the fake no longer answers after a panic: %v", err)
	}
	got := s.Requests()
	if got[0].Path != "/v1/boom" || got[0].Status != 500 {
		t.Errorf("the panicking request is logged as %+v", got[0])
	}
}

func TestRequestLogIsBoundedAndCountsExact(t *testing.T) {
	s := NewServer(WithLogSize(5), WithIPN("http://127.0.0.1:1/down", "k"), WithDeliveryRetries(0, 0))
	defer s.Close()
	c := s.Client()
	ctx := context.Background()
	for range 23 {
		if _, err := c.Companies.List(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.Count(OpCompanyList); n != 23 {
		t.Errorf("Count = %d, want 23", n)
	}
	if n := s.Count(OpToken); n != 1 {
		t.Errorf("Count(token) = %d, want 1", n)
	}
	got := s.Requests()
	if len(got) != 5 {
		t.Fatalf("%d requests kept, want the last 5", len(got))
	}
	for _, r := range got {
		if r.Op != OpCompanyList {
			t.Errorf("kept %v, want only the latest (company lists)", r.Op)
		}
	}
	if len(s.requests) > 10 {
		t.Errorf("%d requests held, want at most twice the log size", len(s.requests))
	}

	acct, err := s.AddBankAccount(s.AddCompany(CompanyParams{FullName: "A"}), LinkParams{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 12 {
		if _, err := s.SimulateTransfer(ctx, TransferParams{BankAccountXID: acct, Amount: bankhub.VND(i + 1), Content: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if d := s.Deliveries(); len(d) != 5 || d[4].Body == nil {
		t.Errorf("%d deliveries kept, want the last 5", len(d))
	}
	s.ResetRequests()
	if s.Count(OpCompanyList) != 0 || len(s.Requests()) != 0 {
		t.Error("ResetRequests keeps counts or log")
	}
}
