package inboxtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The benchmarks' deliveries: the same payments, to the SDK's handler and
// to one written by hand, timed alike (sqlinbox's and pgxinbox's
// bench_test.go).

// RunOne delivers b.N payments to h from 64 goroutines.
func RunOne(b *testing.B, h http.Handler, key string) {
	var seq atomic.Int64
	deliver := newDeliver(key)
	b.ReportAllocs()
	b.ResetTimer()
	b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			deliver(b, h, seq.Add(1))
		}
	})
}

// RunPair delivers b.N payments to each of sdk and hand, in turns, timing
// each, and reports their mean times and the ratio.
func RunPair(b *testing.B, sdk, hand http.Handler, key string, parallel bool) {
	var seq atomic.Int64
	var sdkNS, handNS atomic.Int64
	deliver := newDeliver(key)
	pair := func(b *testing.B) {
		i := seq.Add(1)
		if i%2 == 0 {
			sdkNS.Add(int64(deliver(b, sdk, i)))
			handNS.Add(int64(deliver(b, hand, i)))
		} else {
			handNS.Add(int64(deliver(b, hand, i)))
			sdkNS.Add(int64(deliver(b, sdk, i)))
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	if parallel {
		b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				pair(b)
			}
		})
	} else {
		for range b.N {
			pair(b)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(sdkNS.Load())/1e3/float64(b.N), "sdk-µs")
	b.ReportMetric(float64(handNS.Load())/1e3/float64(b.N), "hand-µs")
	b.ReportMetric(float64(sdkNS.Load())/float64(handNS.Load()), "sdk/hand")
}

// newDeliver returns a function that delivers payment i to a handler, as
// SePay would, and times it.
func newDeliver(key string) func(b *testing.B, h http.Handler, i int64) time.Duration {
	prefix := Unique("t")
	return func(b *testing.B, h http.Handler, i int64) time.Duration {
		code := "DH" + strconv.Itoa(100000+int(i%64))
		body := `{"gateway":"MBBank","transaction_date":"2026-01-13 20:55:04","account_number":"0123456789","va":"",` +
			`"payment_code":"` + code + `","content":"Thanh toan ` + code + `","transfer_type":"credit","amount":500000,` +
			`"reference_code":"FT26013","accumulated":0,"transaction_id":"` + prefix + strconv.FormatInt(i, 10) + `"}`
		// A request's context as net/http's server gives one: cancelled
		// when the request ends, so that drivers watch it (both handlers).
		ctx, cancel := context.WithCancel(b.Context())
		defer cancel()
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/ipn", strings.NewReader(body))
		req.Header.Set("Authorization", "Apikey "+key)
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		took := time.Since(start)
		if rec.Code != http.StatusOK {
			b.Errorf("answered %d: %s", rec.Code, rec.Body)
		}
		return took
	}
}
