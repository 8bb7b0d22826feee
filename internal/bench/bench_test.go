package bench

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bankhub-go/bankhub"
)

const (
	token       = "36483db493b10304eb3abc143b3593fa1473eb9b"
	pageItems   = 100
	allPages    = 1000
	webhookKey  = "whsec-bench-secret"
	companyXID  = "d3dafd01-e06b-11f0-b29e-52c7e9b4f41b"
	eventSample = `{"timestamp":1768312023,"xid":"e343bdec-97dc-4c60-b953-f81b183e0096","version":"1.0","event":"BANK_ACCOUNT_LINKED","metadata":{"bank_account_xid":"587eabfb-f086-11f0-b16e-52c7e9b4f41b","brand_name":"MBBank","account_type":"personal","account_number":"0000000000011111","link_token_xid":"ef4cb765-c297-4a51-a9eb-6f7a751978ae","link_session_xid":"0e296f70-cf41-4e8f-a89f-00cee248b887"}}`
)

var vn = time.FixedZone("ICT", 7*3600)

func txJSON(i int) string {
	return fmt.Sprintf(`{"transaction_id":"a47b6ab2-8f8b-11f0-b21a-%012d","transaction_date":"2026-01-13 20:%02d:%02d","bank_account_xid":"587eabfb-f086-11f0-b16e-52c7e9b4f41b","company_xid":"d3dafd01-e06b-11f0-b29e-52c7e9b4f41b","brand_name":"MBBank","account_number":"0123456789","va":"VQRQ00012345","va_xid":"9b1c7e2a-f087-11f0-b16e-52c7e9b4f41b","reference_number":"FT2601312345%04d","transfer_type":"in","amount":%d,"transaction_content":"Thanh toan don hang DH%06d","payment_code":"DH%06d","webhook_success":1}`,
		i, i%60, i%60, i%10000, 10000+i*100, i, i)
}

func pageBody(page, pages int) []byte {
	items := make([]string, pageItems)
	for i := range items {
		items[i] = txJSON(page*pageItems + i)
	}
	return []byte(fmt.Sprintf(`{"data":[%s],"meta":{"page":%d,"per_page":%d,"total":%d,"total_pages":%d}}`,
		strings.Join(items, ","), page, pageItems, pages*pageItems, pages))
}

const companyBody = `{"data":{"xid":"d3dafd01-e06b-11f0-b29e-52c7e9b4f41b","full_name":"Công ty TNHH ABC","status":"Active","active":"1","configuration":{"payment_code":"on","payment_code_prefix":"DH","payment_code_suffix_from":6,"payment_code_suffix_to":8,"payment_code_suffix_character_type":"NumberOnly","data_storage_time":"30","transaction_amount":"Unlimited"},"created_at":"2026-01-10 09:15:00","updated_at":"2026-01-12 14:02:31"}}`

// server serves pre-built bodies on loopback.
type server struct {
	*httptest.Server
	pages [][]byte // index = page number
}

var (
	srvOnce sync.Once
	srv     *server
)

func getServer() *server {
	srvOnce.Do(func() {
		s := &server{pages: make([][]byte, allPages+1)}
		for p := 1; p <= allPages; p++ {
			s.pages[p] = pageBody(p, allPages)
		}
		tokenBody := []byte(`{"code":201,"access_token":"` + token + `","ttl":60000}`)
		company := []byte(companyBody)
		s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var body []byte
			switch {
			case r.URL.Path == "/v1/token":
				body = tokenBody
			case r.URL.Path == "/v1/company/"+companyXID:
				body = company
			case r.URL.Path == "/v1/transaction":
				p, _ := strconv.Atoi(r.URL.Query().Get("page"))
				if p < 1 || p > allPages {
					p = 1
				}
				body = s.pages[p]
			default:
				w.WriteHeader(404)
				return
			}
			h := w.Header()
			h["Content-Type"] = []string{"application/json"}
			h["Content-Length"] = []string{strconv.Itoa(len(body))}
			w.Write(body)
		}))
		srv = s
	})
	return srv
}

// transport gives every client the same settings.
func transport() *http.Transport {
	return &http.Transport{MaxIdleConns: 100, MaxIdleConnsPerHost: 32, IdleConnTimeout: 90 * time.Second, DisableCompression: true}
}

func sdkClient(b *testing.B) *bankhub.Client {
	c, err := bankhub.NewClient("bench-id", "bench-secret", bankhub.WithBaseURL(getServer().URL),
		bankhub.WithHTTPClient(&http.Client{Transport: transport(), Timeout: time.Minute}))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.TokenSource().Token(); err != nil { // hold a token before timing
		b.Fatal(err)
	}
	return c
}

// Plain structs the hand-written clients decode into: the same fields, the
// same timestamp parsing.
type rawTx struct {
	TransactionID      string `json:"transaction_id"`
	TransactionDate    string `json:"transaction_date"`
	BankAccountXID     string `json:"bank_account_xid"`
	CompanyXID         string `json:"company_xid"`
	BrandName          string `json:"brand_name"`
	AccountNumber      string `json:"account_number"`
	VA                 string `json:"va"`
	VAXID              string `json:"va_xid"`
	ReferenceNumber    string `json:"reference_number"`
	TransferType       string `json:"transfer_type"`
	Amount             int64  `json:"amount"`
	TransactionContent string `json:"transaction_content"`
	PaymentCode        string `json:"payment_code"`
	WebhookSuccess     int    `json:"webhook_success"`
	Date               time.Time
}

type rawTxPage struct {
	Data []rawTx `json:"data"`
	Meta struct {
		Page       int `json:"page"`
		PerPage    int `json:"per_page"`
		Total      int `json:"total"`
		TotalPages int `json:"total_pages"`
	} `json:"meta"`
}

type rawCompany struct {
	Data struct {
		XID           string `json:"xid"`
		FullName      string `json:"full_name"`
		Status        string `json:"status"`
		Active        string `json:"active"`
		Configuration struct {
			PaymentCode       string `json:"payment_code"`
			Prefix            string `json:"payment_code_prefix"`
			SuffixFrom        int    `json:"payment_code_suffix_from"`
			SuffixTo          int    `json:"payment_code_suffix_to"`
			SuffixType        string `json:"payment_code_suffix_character_type"`
			DataStorageTime   string `json:"data_storage_time"`
			TransactionAmount string `json:"transaction_amount"`
		} `json:"configuration"`
		CreatedAt string `json:"created_at"`
		UpdatedAt string `json:"updated_at"`
		Created   time.Time
		Updated   time.Time
	} `json:"data"`
}

func parseDates(p *rawTxPage) error {
	for i := range p.Data {
		t, err := time.ParseInLocation("2006-01-02 15:04:05", p.Data[i].TransactionDate, vn)
		if err != nil {
			return err
		}
		p.Data[i].Date = t
	}
	return nil
}

// rawClient is what a user would write by hand.
type rawClient struct {
	hc   *http.Client
	base string
	pool sync.Pool
}

func newRaw() *rawClient {
	return &rawClient{hc: &http.Client{Transport: transport(), Timeout: time.Minute}, base: getServer().URL,
		pool: sync.Pool{New: func() any { return new(bytes.Buffer) }}}
}

func (c *rawClient) get(ctx context.Context, path string, pooled bool, out any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	if !pooled {
		return json.NewDecoder(resp.Body).Decode(out)
	}
	buf := c.pool.Get().(*bytes.Buffer)
	buf.Reset()
	defer c.pool.Put(buf)
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return err
	}
	return json.Unmarshal(buf.Bytes(), out)
}

func (c *rawClient) listPage(ctx context.Context, page int, pooled bool) (*rawTxPage, error) {
	var p rawTxPage
	if err := c.get(ctx, "/v1/transaction?page="+strconv.Itoa(page)+"&per_page=100", pooled, &p); err != nil {
		return nil, err
	}
	return &p, parseDates(&p)
}

// (a) one 100-item page of transactions.
func BenchmarkList100(b *testing.B) {
	ctx := context.Background()
	b.Run("sdk", func(b *testing.B) {
		c := sdkClient(b)
		params := &bankhub.TransactionListParams{Page: 1, PerPage: 100}
		b.ReportAllocs()
		for b.Loop() {
			p, err := c.Transactions.List(ctx, params)
			if err != nil || len(p.Data) != pageItems {
				b.Fatal(err)
			}
		}
	})
	for _, pooled := range []bool{false, true} {
		b.Run(map[bool]string{false: "raw", true: "rawpool"}[pooled], func(b *testing.B) {
			c := newRaw()
			b.ReportAllocs()
			for b.Loop() {
				p, err := c.listPage(ctx, 1, pooled)
				if err != nil || len(p.Data) != pageItems {
					b.Fatal(err)
				}
			}
		})
	}
}

// (b) one small GET: the fixed cost per call.
func BenchmarkGetCompany(b *testing.B) {
	ctx := context.Background()
	b.Run("sdk", func(b *testing.B) {
		c := sdkClient(b)
		b.ReportAllocs()
		for b.Loop() {
			co, err := c.Companies.Get(ctx, companyXID)
			if err != nil || co.XID != companyXID {
				b.Fatal(err)
			}
		}
	})
	for _, pooled := range []bool{false, true} {
		b.Run(map[bool]string{false: "raw", true: "rawpool"}[pooled], func(b *testing.B) {
			c := newRaw()
			b.ReportAllocs()
			for b.Loop() {
				var co rawCompany
				if err := c.get(ctx, "/v1/company/"+companyXID, pooled, &co); err != nil {
					b.Fatal(err)
				}
				var err error
				if co.Data.Created, err = time.ParseInLocation("2006-01-02 15:04:05", co.Data.CreatedAt, vn); err != nil {
					b.Fatal(err)
				}
				if co.Data.Updated, err = time.ParseInLocation("2006-01-02 15:04:05", co.Data.UpdatedAt, vn); err != nil {
					b.Fatal(err)
				}
				if co.Data.XID != companyXID {
					b.Fatal("wrong company")
				}
			}
		})
	}
}

// peakLive runs f once, untimed, with the collector running often, and
// returns the largest live heap (as marked by a GC) above the live heap at
// the start: what f holds at once, not the garbage it leaves behind.
func peakLive(b *testing.B, f func()) float64 {
	b.StopTimer()
	defer b.StartTimer()
	defer debug.SetGCPercent(debug.SetGCPercent(5))
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	runtime.GC()
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	f()
	close(done)
	wg.Wait()
	if p := peak.Load(); p > base {
		return float64(p-base) / (1 << 20)
	}
	return 0
}

// (c) every transaction of 1,000 pages (100,000 items).
func BenchmarkAll100k(b *testing.B) {
	ctx := context.Background()
	b.Run("sdk", func(b *testing.B) {
		c := sdkClient(b)
		walk := func() {
			n := 0
			var sum bankhub.VND
			for tx, err := range c.Transactions.All(ctx, &bankhub.TransactionListParams{PerPage: 100}) {
				if err != nil {
					b.Fatal(err)
				}
				n++
				sum += tx.Amount
			}
			if n != pageItems*allPages || sum == 0 {
				b.Fatalf("got %d items", n)
			}
		}
		b.ReportAllocs()
		for b.Loop() {
			walk()
		}
		b.ReportMetric(peakLive(b, walk), "peak-live-MiB")
	})
	for _, pooled := range []bool{false, true} {
		b.Run(map[bool]string{false: "raw", true: "rawpool"}[pooled], func(b *testing.B) {
			c := newRaw()
			walk := func() {
				n := 0
				var sum int64
				for page := 1; ; page++ {
					p, err := c.listPage(ctx, page, pooled)
					if err != nil {
						b.Fatal(err)
					}
					for _, tx := range p.Data {
						n++
						sum += tx.Amount
					}
					if len(p.Data) == 0 || p.Meta.Page >= p.Meta.TotalPages {
						break
					}
				}
				if n != pageItems*allPages || sum == 0 {
					b.Fatalf("got %d items", n)
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				walk()
			}
			b.ReportMetric(peakLive(b, walk), "peak-live-MiB")
		})
	}
}

type rawEvent struct {
	Timestamp int64           `json:"timestamp"`
	XID       string          `json:"xid"`
	Version   string          `json:"version"`
	Event     string          `json:"event"`
	Metadata  json.RawMessage `json:"metadata"`
	Time      time.Time
}

// rawHandler is a hand-written event handler: check the header, decode,
// answer.
func rawHandler(fn func(*rawEvent)) http.Handler {
	want := []byte(webhookKey)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || subtle.ConstantTimeCompare([]byte(r.Header.Get("X-Secret-Key")), want) != 1 {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev rawEvent
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&ev); err != nil || ev.XID == "" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		ev.Time = time.Unix(ev.Timestamp, 0)
		fn(&ev)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"success":true}`)
	})
}

// discardWriter is a reusable ResponseWriter.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

// (d) a webhook handler serving a docs event.
func BenchmarkWebhookHandler(b *testing.B) {
	body := []byte(eventSample)
	run := func(b *testing.B, h http.Handler) {
		req, _ := http.NewRequest("POST", "/hooks", nil)
		req.Header.Set("X-Secret-Key", webhookKey)
		req.Header.Set("Content-Type", "application/json")
		rd := bytes.NewReader(body)
		w := &discardWriter{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			rd.Reset(body)
			req.Body = io.NopCloser(rd)
			clear(w.h)
			w.code = 0
			h.ServeHTTP(w, req)
			if w.code != 0 && w.code != 200 {
				b.Fatalf("status %d", w.code)
			}
		}
	}
	var seen int
	b.Run("sdk", func(b *testing.B) {
		run(b, bankhub.NewWebhookHandler(webhookKey, func(_ context.Context, ev *bankhub.Event) error {
			seen += len(ev.XID)
			return nil
		}))
	})
	b.Run("raw", func(b *testing.B) {
		run(b, rawHandler(func(ev *rawEvent) { seen += len(ev.XID) }))
	})
}

// (e) the IPN handler with an in-memory dedupe store: every request is a
// new transaction, so each one is claimed, handled and remembered.
func BenchmarkIPNHandlerDedupe(b *testing.B) {
	const apiKey = "ipn-bench-key"
	prefix := []byte(`{"gateway":"MBBank","transaction_date":"2026-01-13 20:55:04","account_number":"0123456789","bank_account_xid":"587eabfb-f086-11f0-b16e-52c7e9b4f41b","va":null,"payment_code":"DH123456","content":"Thanh toan DH123456","transfer_type":"credit","amount":500000,"reference_code":"FT26013123456","accumulated":0,"transaction_id":"tx-`)
	var seen int
	h := bankhub.NewIPNHandler(apiKey, func(_ context.Context, n *bankhub.IPN) error {
		seen += int(n.Amount)
		return nil
	}, bankhub.WithDedupe(bankhub.NewMemoryDedupe(0, 0)))
	req, _ := http.NewRequest("POST", "/ipn", nil)
	req.Header.Set("Authorization", "Apikey "+apiKey)
	req.Header.Set("Content-Type", "application/json")
	body := make([]byte, 0, len(prefix)+32)
	rd := bytes.NewReader(nil)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		body = append(strconv.AppendInt(append(body[:0], prefix...), int64(i), 10), `"}`...)
		rd.Reset(body)
		req.Body = io.NopCloser(rd)
		clear(w.h)
		w.code = 0
		h.ServeHTTP(w, req)
		if w.code != 0 && w.code != 200 {
			b.Fatalf("status %d", w.code)
		}
	}
}
