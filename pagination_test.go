package bankhub

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pagedCompanies serves total companies, perPage per page, in the
// companies meta shape; meta lets a case distort what the server says.
func pagedCompanies(total, perPage int, meta func(page int, m map[string]any)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if page == 0 {
			page = 1
		}
		pages := (total + perPage - 1) / perPage
		var data []map[string]any
		for i := (page - 1) * perPage; i < min(page*perPage, total); i++ {
			data = append(data, map[string]any{"xid": fmt.Sprintf("c%03d", i), "full_name": fmt.Sprintf("Company %d", i), "status": "Active", "active": "1"})
		}
		m := map[string]any{"per_page": perPage, "total": total, "current_page": page, "page_count": pages, "has_more": page < pages}
		if meta != nil {
			meta(page, m)
		}
		body, _ := json.Marshal(map[string]any{"data": data, "meta": m})
		writeJSON(w, 200, string(body))
	}
}

func collect[T any](t *testing.T, seq func(func(T, error) bool)) ([]T, error) {
	t.Helper()
	var items []T
	for item, err := range seq {
		if err != nil {
			return items, err
		}
		items = append(items, item)
	}
	return items, nil
}

func xids(cs []Company) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.XID
	}
	return out
}

func wantXIDs(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("c%03d", i))
	}
	return out
}

func TestAllWalksEveryPageOnce(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("GET /v1/company", pagedCompanies(23, 5, nil))
	params := &CompanyListParams{Status: CompanyActive, PerPage: 5}
	items, err := collect(t, api.client.Companies.All(context.Background(), params))
	require.NoError(t, err)
	assert.Equal(t, wantXIDs(0, 23), xids(items))
	assert.Equal(t, 5, api.requestsTo("GET /v1/company"))
	assert.Equal(t, &CompanyListParams{Status: CompanyActive, PerPage: 5}, params, "params are copied, not modified")
}

func TestAllStartsAtGivenPage(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("GET /v1/company", pagedCompanies(12, 5, nil))
	items, err := collect(t, api.client.Companies.All(context.Background(), &CompanyListParams{Page: 2, PerPage: 5}))
	require.NoError(t, err)
	assert.Equal(t, wantXIDs(5, 12), xids(items))
}

func TestAllStopConditions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		meta     func(page int, m map[string]any)
		want     []string
		requests int
		err      string // "" for a clean end
	}{
		{"has_more false stops even if pages remain", func(page int, m map[string]any) {
			if page == 2 {
				m["has_more"] = false
			}
		}, wantXIDs(0, 10), 2, ""},
		{"has_more true on the last page is an error", func(page int, m map[string]any) {
			m["has_more"] = true
		}, wantXIDs(0, 23), 5, "has_more is true on page 5 of 5"},
		{"page_count 1 with has_more true is an error", func(page int, m map[string]any) {
			m["page_count"] = 1
			m["has_more"] = true
		}, wantXIDs(0, 5), 1, "has_more is true on page 1 of 1"},
		{"has_more true after the total is an error", func(page int, m map[string]any) {
			m["has_more"] = true
			m["total"] = 10
			delete(m, "page_count")
		}, wantXIDs(0, 10), 2, "has_more is true after all 10 items"},
		{"page number that does not advance is an error", func(page int, m map[string]any) {
			m["current_page"] = min(page, 2)
			m["has_more"] = true
			m["page_count"] = 99
		}, wantXIDs(0, 10), 3, "asked for page 3, the server answered page 2"},
		{"no page number: the page asked for stands in", func(page int, m map[string]any) {
			delete(m, "current_page")
		}, wantXIDs(0, 23), 5, ""},
		{"page number 0: the page asked for stands in", func(page int, m map[string]any) {
			m["current_page"] = 0
		}, wantXIDs(0, 23), 5, ""},
		{"no meta at all: one page", func(page int, m map[string]any) {
			clear(m)
		}, wantXIDs(0, 5), 1, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := setup(t)
			api.handle("GET /v1/company", pagedCompanies(23, 5, tc.meta))
			items, err := collect(t, api.client.Companies.All(context.Background(), &CompanyListParams{PerPage: 5}))
			if tc.err == "" {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, ErrPagination)
				assert.ErrorContains(t, err, tc.err)
			}
			assert.Equal(t, tc.want, xids(items))
			assert.Equal(t, tc.requests, api.requestsTo("GET /v1/company"))
		})
	}
}

func TestAllStopsOnEmptyPage(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("GET /v1/company", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "3" {
			writeJSON(w, 200, `{"data":[],"meta":{"current_page":3,"page_count":9,"has_more":true}}`)
			return
		}
		pagedCompanies(45, 5, nil)(w, r)
	})
	items, err := collect(t, api.client.Companies.All(context.Background(), &CompanyListParams{PerPage: 5}))
	require.NoError(t, err)
	assert.Equal(t, wantXIDs(0, 10), xids(items))
	assert.Equal(t, 3, api.requestsTo("GET /v1/company"))
}

func TestAllServerRepeatingSamePageForever(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("GET /v1/company", func(w http.ResponseWriter, r *http.Request) {
		// Ignores ?page= and always claims more.
		writeJSON(w, 200, `{"data":[{"xid":"c000"}],"meta":{"current_page":1,"page_count":1000,"has_more":true}}`)
	})
	items, err := collect(t, api.client.Companies.All(context.Background(), nil))
	require.ErrorIs(t, err, ErrPagination)
	assert.ErrorContains(t, err, "asked for page 2, the server answered page 1")
	assert.Equal(t, []string{"c000"}, xids(items))
	assert.Equal(t, 2, api.requestsTo("GET /v1/company"))
}

// Regression: a server that sends no page number, ignores ?page= and keeps
// saying has_more made All loop forever.
func TestAllNoPageNumberAndHasMoreForeverEnds(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("GET /v1/company", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"data":[{"xid":"c000"},{"xid":"c001"}],"meta":{"per_page":2,"has_more":true}}`)
	})
	items, err := collect(t, api.client.Companies.All(context.Background(), nil))
	require.ErrorIs(t, err, ErrPagination)
	assert.ErrorContains(t, err, "brought nothing new")
	assert.Equal(t, []string{"c000", "c001"}, xids(items))
	assert.Equal(t, 1+maxStalls+1, api.requestsTo("GET /v1/company"))
}

// liveTransactions serves a newest-first transaction list to which n new
// transactions are added before every request but the first (or as
// addBefore says), like a busy account during a walk.
type liveTransactions struct {
	mu        sync.Mutex
	ids       []string // newest first
	amounts   map[string]int64
	removed   map[string]bool
	seq       int
	requests  int
	addBefore func(request int) int
	remove    func(request int, ids []string) []string
}

func newLiveTransactions(existing int, addBefore func(request int) int) *liveTransactions {
	l := &liveTransactions{amounts: map[string]int64{}, removed: map[string]bool{}, addBefore: addBefore}
	l.add(existing)
	return l
}

func (l *liveTransactions) add(n int) {
	for range n {
		id := fmt.Sprintf("tx%05d", l.seq)
		l.amounts[id] = int64(1000 + l.seq)
		l.seq++
		l.ids = append([]string{id}, l.ids...)
	}
}

func (l *liveTransactions) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests++
	l.add(l.addBefore(l.requests))
	if l.remove != nil {
		l.ids = l.remove(l.requests, l.ids)
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	var data []string
	for i := (page - 1) * per; i < min(page*per, len(l.ids)); i++ {
		data = append(data, fmt.Sprintf(`{"transaction_id":%q,"amount":%d,"transfer_type":"in"}`, l.ids[i], l.amounts[l.ids[i]]))
	}
	pages := (len(l.ids) + per - 1) / per
	writeJSON(w, 200, fmt.Sprintf(`{"data":[%s],"meta":{"page":%d,"per_page":%d,"total":%d,"total_pages":%d}}`,
		strings.Join(data, ","), page, per, len(l.ids), pages))
}

// walkLive walks l and checks that every transaction that existed before
// the walk was yielded exactly once.
func walkLive(t *testing.T, l *liveTransactions, existing, perPage int) {
	t.Helper()
	api := setup(t)
	api.handle("GET /v1/transaction", l.ServeHTTP)
	counts := map[string]int{}
	var total, want VND // over the transactions that existed before the walk
	for tx, err := range api.client.Transactions.All(context.Background(), &TransactionListParams{PerPage: perPage}) {
		require.NoError(t, err)
		counts[tx.TransactionID]++
		if n, _ := strconv.Atoi(strings.TrimPrefix(tx.TransactionID, "tx")); n < existing {
			total += tx.Amount
		}
	}
	for i := range existing {
		id := fmt.Sprintf("tx%05d", i)
		if l.removed[id] { // removed during the walk: at most once
			assert.LessOrEqual(t, counts[id], 1, "transaction %s", id)
		} else {
			assert.Equal(t, 1, counts[id], "transaction %s", id)
		}
		want += VND(int64(counts[id]) * l.amounts[id])
	}
	for id, n := range counts {
		assert.Equal(t, 1, n, "transaction %s yielded %d times", id, n)
	}
	assert.Equal(t, want, total, "the sum is exact")
}

// Regression: 200 transactions, 3 new ones before each page of 20: All
// yielded 233 items, 33 of them twice.
func TestAllLiveListNoDuplicates(t *testing.T) {
	t.Parallel()
	l := newLiveTransactions(200, func(request int) int {
		if request == 1 {
			return 0
		}
		return 3
	})
	walkLive(t, l, 200, 20)
	// Request k sees 200+3(k-1) items; the oldest is on page k once
	// 20k >= 200+3(k-1), at k = 12: one request a page, none repeated.
	assert.Equal(t, 12, l.requests)
}

func TestAllLiveListBurstLargerThanTwoPages(t *testing.T) {
	t.Parallel()
	l := newLiveTransactions(100, func(request int) int {
		if request == 3 {
			return 57 // nearly three pages arrive at once
		}
		return 0
	})
	walkLive(t, l, 100, 20)
}

func TestAllLiveListEveryRequestAddsMoreThanAPage(t *testing.T) {
	t.Parallel()
	l := newLiveTransactions(60, func(request int) int {
		if request == 1 {
			return 0
		}
		return 25
	})
	walkLive(t, l, 60, 20)
}

func TestAllLiveListRemovalsAheadAndBehind(t *testing.T) {
	t.Parallel()
	l := newLiveTransactions(100, func(int) int { return 1 })
	l.remove = func(request int, ids []string) []string {
		if request != 3 {
			return ids
		}
		// One already yielded (near the front) and one not yet reached.
		out := make([]string, 0, len(ids))
		for _, id := range ids {
			if id != "tx00090" && id != "tx00010" {
				out = append(out, id)
			}
		}
		l.removed["tx00090"], l.removed["tx00010"] = true, true
		return out
	}
	walkLive(t, l, 100, 20)
}

func TestAllYieldsFirstErrorAndStops(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("GET /v1/company", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "2" {
			writeJSON(w, 404, `{"code":404,"message":"Resource not found"}`)
			return
		}
		pagedCompanies(23, 5, nil)(w, r)
	})
	var got []string
	var errs []error
	for c, err := range api.client.Companies.All(context.Background(), &CompanyListParams{PerPage: 5}) {
		if err != nil {
			errs = append(errs, err)
			continue // keep ranging: the iterator itself must stop
		}
		got = append(got, c.XID)
	}
	assert.Equal(t, wantXIDs(0, 5), got)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrNotFound)
	assert.Equal(t, 2, api.requestsTo("GET /v1/company"))
}

func TestAllInvalidParamsYieldsError(t *testing.T) {
	t.Parallel()
	api := setup(t)
	_, err := collect(t, api.client.Transactions.All(context.Background(), &TransactionListParams{TransferType: "sideways"}))
	assert.ErrorIs(t, err, ErrInvalidParams)
	assert.Equal(t, 0, api.requestCount())
}

func TestAllBreakStopsFetching(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("GET /v1/company", pagedCompanies(100, 5, nil))
	n := 0
	for _, err := range api.client.Companies.All(context.Background(), &CompanyListParams{PerPage: 5}) {
		require.NoError(t, err)
		n++
		if n == 7 {
			break
		}
	}
	assert.Equal(t, 2, api.requestsTo("GET /v1/company"), "lazy: only the pages needed")
}

func TestAllTransactionsMetaShape(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("GET /v1/transaction", func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		assert.Equal(t, "MBBank", r.URL.Query().Get("brand_name"))
		items := []string{}
		for i := 0; i < 3 && (page-1)*3+i < 7; i++ {
			items = append(items, fmt.Sprintf(`{"transaction_id":"t%d","amount":%d,"transfer_type":"in"}`, (page-1)*3+i, 1000*((page-1)*3+i+1)))
		}
		writeJSON(w, 200, fmt.Sprintf(`{"data":[%s],"meta":{"page":%d,"per_page":3,"total":7,"total_pages":3}}`, strings.Join(items, ","), page))
	})
	var ids []string
	var sum VND
	for tx, err := range api.client.Transactions.All(context.Background(), &TransactionListParams{BrandName: "MBBank", PerPage: 3}) {
		require.NoError(t, err)
		ids = append(ids, tx.TransactionID)
		sum += tx.Amount
	}
	assert.Equal(t, []string{"t0", "t1", "t2", "t3", "t4", "t5", "t6"}, ids)
	assert.Equal(t, VND(28000), sum)
	assert.Equal(t, 3, api.requestsTo("GET /v1/transaction"))
}

func TestAllBankAccounts(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("GET /v1/bank-account", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, fixture(t, "bank-account-list.json"))
	})
	items, err := collect(t, api.client.BankAccounts.All(context.Background(), nil))
	require.NoError(t, err)
	require.Len(t, items, 1)
	assert.Equal(t, "587eabfb-f086-11f0-b16e-52c7e9b4f41b", items[0].XID)
	assert.Equal(t, 1, api.requestsTo("GET /v1/bank-account"))
}

func TestPageMetaShapes(t *testing.T) {
	t.Parallel()
	cases := map[string]PageMeta{
		`{"per_page":20,"total":45,"has_more":true,"current_page":2,"page_count":3}`: {Page: 2, PerPage: 20, Total: 45, TotalPages: 3, HasMore: true},
		`{"page":3,"per_page":20,"total":45,"total_pages":3}`:                        {Page: 3, PerPage: 20, Total: 45, TotalPages: 3, HasMore: false},
		`{"page":"1","per_page":"20","total":"45","total_pages":"3"}`:                {Page: 1, PerPage: 20, Total: 45, TotalPages: 3, HasMore: true},
		`{"current_page":1,"page_count":1,"has_more":"0"}`:                           {Page: 1, TotalPages: 1},
		`{}`: {},
	}
	for in, want := range cases {
		var m PageMeta
		require.NoError(t, json.Unmarshal([]byte(in), &m), in)
		assert.Equal(t, want, m, in)
	}
	var m PageMeta
	assert.Error(t, json.Unmarshal([]byte(`{"page":"x"}`), &m))
}

// A list answer must carry "data": absent or null is a DecodeError; an
// empty array is an empty page.
func TestListAnswerWithoutData(t *testing.T) {
	t.Parallel()
	api := setup(t)
	var body atomic.Value
	api.handle("GET /v1/company", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, body.Load().(string)) })
	// In this order: an empty array first, so that a slice it leaves
	// behind is reused for the answers after it.
	for _, c := range []struct {
		body    string
		wantErr bool
	}{
		{`{"data":[]}`, false},
		{`{}`, true},
		{`{"data":[],"meta":{"total":0,"per_page":20}}`, false},
		{`{"meta":{"total":0}}`, true},
		{`{"data":null}`, true},
	} {
		body.Store(c.body)
		page, err := api.client.Companies.List(context.Background(), nil)
		if c.wantErr {
			var de *DecodeError
			require.ErrorAs(t, err, &de, c.body)
			assert.ErrorContains(t, err, `response has no "data"`, c.body)
			continue
		}
		require.NoError(t, err, c.body)
		assert.Equal(t, []Company{}, page.Data, c.body)
	}
}

// Pages are decoded into reused slices: a later page never changes the
// items of an earlier one, nor inherits fields its own items lack.
func TestPagesDoNotShareItems(t *testing.T) {
	t.Parallel()
	api := setup(t)
	api.handle("GET /v1/company", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "2" {
			writeJSON(w, 200, `{"data":[{"xid":"c2"}],"meta":{"current_page":2,"page_count":2,"per_page":1,"total":2}}`)
			return
		}
		writeJSON(w, 200, `{"data":[{"xid":"c1","full_name":"One","active":"1","configuration":{"payment_code_prefix":"DH","payment_code_suffix_from":"6"}}],"meta":{"current_page":1,"page_count":2,"per_page":1,"total":2}}`)
	})
	ctx := context.Background()
	first, err := api.client.Companies.List(ctx, &CompanyListParams{Page: 1, PerPage: 1})
	require.NoError(t, err)
	second, err := api.client.Companies.List(ctx, &CompanyListParams{Page: 2, PerPage: 1})
	require.NoError(t, err)
	assert.Equal(t, []Company{{XID: "c1", FullName: "One", Active: true,
		Configuration: &CompanyConfiguration{PaymentCodePrefix: "DH", PaymentCodeSuffixFrom: 6}}}, first.Data)
	assert.Equal(t, []Company{{XID: "c2"}}, second.Data)
	// And concurrently.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := api.client.Companies.List(ctx, &CompanyListParams{Page: 1 + i%2, PerPage: 1})
			if err != nil {
				t.Error(err)
				return
			}
			if want := map[int]string{0: "c1", 1: "c2"}[i%2]; len(p.Data) != 1 || p.Data[0].XID != want || (want == "c2") != (p.Data[0].Configuration == nil) {
				t.Errorf("page %d: %+v", 1+i%2, p.Data)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, "DH", first.Data[0].Configuration.PaymentCodePrefix, "untouched by the later pages")
}
