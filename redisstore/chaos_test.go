package redisstore_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
	"github.com/bankhub-go/bankhub/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The chaos test of the money path. The test process plays SePay and the
// bank: a bankhubtest fake books transfers and delivers their IPNs through
// a front proxy to merchant replicas, which are separate processes (this
// test binary, re-executed) sharing one redis-server for the token, the
// dedupe store, the reconcile lock and the ledger. The merchant's function
// fails at random, the IPN receiver is unreachable for a stretch, and
// replicas are killed with SIGKILL while inside the function. At the end
// every transaction must be in the ledger exactly once.
//
// CHAOS_TRANSFERS sets the number of transfers (default 2000; 300 with
// -short); CHAOS_REPORT names a file to write the figures to.

const (
	chaosIPNKey   = "chaos-ipn-key"
	chaosFailRate = 0.2
	chaosLease    = time.Second
)

// creditScript is the merchant's write, idempotent on the transaction id as
// the README asks (a unique key in a payments table): it credits a
// transaction only once, and counts every call so that the test can see
// how often the SDK handed one over again.
var creditScript = redis.NewScript(`
redis.call('HINCRBY', KEYS[4], ARGV[1], 1)
if redis.call('HSETNX', KEYS[1], ARGV[1], 1) == 1 then
  redis.call('HINCRBY', KEYS[2], ARGV[1], ARGV[2])
  redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
end
return 1`)

// chaosReplica is one merchant process: an IPN endpoint and a reconciler
// calling one function that credits a ledger in Redis.
func chaosReplica() int {
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("REDIS_ADDR")})
	defer rdb.Close()
	prefix := os.Getenv("CHAOS_PREFIX")
	client, err := redisstore.NewClient(rdb, os.Getenv("FAKE_ID"), os.Getenv("FAKE_SECRET"),
		bankhub.WithBaseURL(os.Getenv("FAKE_URL")),
		bankhub.WithRetryPolicy(bankhub.RetryPolicy{MaxRetries: 3, MinWait: 10 * time.Millisecond, MaxWait: 100 * time.Millisecond, MaxRetryAfter: time.Second}))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var out sync.Mutex
	say := func(format string, args ...any) {
		out.Lock()
		fmt.Fprintf(os.Stdout, format+"\n", args...)
		out.Unlock()
	}
	// The merchant's one function; path only labels the credit for the
	// figures (counted in the same transaction as the credit).
	// SIGUSR1 asks for the next call to stop in the middle of its work and
	// say so, so that the harness's SIGKILL lands inside the function,
	// before its write.
	var hold atomic.Bool
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	go func() {
		for range usr1 {
			hold.Store(true)
		}
	}()
	credit := func(path string) func(context.Context, *bankhub.IPN) error {
		return func(ctx context.Context, n *bankhub.IPN) error {
			time.Sleep(time.Duration(5+rand.IntN(20)) * time.Millisecond) // the work
			if hold.CompareAndSwap(true, false) {
				say("HOLD %s", n.TransactionID)
				time.Sleep(time.Minute) // killed here
			}
			if rand.Float64() < chaosFailRate {
				return fmt.Errorf("order service unavailable")
			}
			err := creditScript.Run(ctx, rdb, []string{prefix + "ledger", prefix + "amount", prefix + "by", prefix + "calls"},
				n.TransactionID, int64(n.Amount), path).Err()
			say("CREDIT %s %s %v", n.TransactionID, path, err)
			return err
		}
	}
	store := redisstore.NewDedupe(rdb, redisstore.WithPrefix(prefix+"dedupe:"))
	var hs bankhub.HandlerStats
	handler := bankhub.NewIPNHandler(chaosIPNKey, credit("ipn"), bankhub.WithDedupe(store), bankhub.WithDedupeLease(chaosLease),
		bankhub.WithHandlerStats(&hs))
	rec := bankhub.NewReconciler(client, credit("reconciler"), bankhub.WithReconcileDedupe(store), bankhub.WithReconcileLease(chaosLease),
		bankhub.WithReconcileLock(redisstore.NewReconcileLock(rdb, redisstore.WithLockKey(prefix+"lock"), redisstore.WithLockLease(chaosLease))),
		bankhub.WithReconcileInterval(150*time.Millisecond))

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(l)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	say("LISTEN %s", l.Addr())
	rec.Run(ctx)
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(shut)
	st := rec.Stats()
	say("STATS ipn_handled=%d ipn_duplicates=%d ipn_failed=%d ipn_in_progress=%d rec_handled=%d rec_failed=%d rec_passes=%d rec_skipped=%d rec_requests=%d",
		hs.Handled.Load(), hs.Duplicates.Load(), hs.Failed.Load(), hs.InProgress.Load(),
		st.Handled, st.Failed, st.Passes, st.Skipped, st.Requests)
	return 0
}

// replica is a running merchant process, seen from the harness.
type merchantProc struct {
	cmd    *exec.Cmd
	addr   string
	killed atomic.Bool
	done   chan struct{}
	mu     sync.Mutex
	stats  map[string]int64
	victim string // transaction it was killed in
}

type chaosHarness struct {
	t       *testing.T
	histMu  sync.Mutex
	hist    map[string][]string // transaction → credit lines, for a failure's report
	env     []string
	mu      sync.Mutex
	live    []*merchantProc
	all     []*merchantProc
	next    atomic.Uint64
	forward *http.Client
}

func (h *chaosHarness) history(line string, r *merchantProc) {
	f := strings.Fields(line)
	h.histMu.Lock()
	defer h.histMu.Unlock()
	if h.hist == nil {
		h.hist = map[string][]string{}
	}
	h.hist[f[1]] = append(h.hist[f[1]], fmt.Sprintf("pid %d %s", r.cmd.Process.Pid, strings.Join(f[2:], " ")))
}

// start runs one replica. It returns an error rather than failing the test,
// since kill calls it from another goroutine.
func (h *chaosHarness) start() (*merchantProc, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), h.env...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	r := &merchantProc{cmd: cmd, done: make(chan struct{}), stats: map[string]int64{}}
	listening := make(chan string, 1)
	go func() {
		defer close(r.done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "HOLD "):
				cmd.Process.Kill() // inside the function, before its write
				r.victim = strings.TrimPrefix(line, "HOLD ")
				r.killed.Store(true)
			case strings.HasPrefix(line, "CREDIT "):
				h.history(line, r)
			case strings.HasPrefix(line, "LISTEN "):
				listening <- strings.TrimPrefix(line, "LISTEN ")
			case strings.HasPrefix(line, "STATS "):
				r.mu.Lock()
				for _, f := range strings.Fields(strings.TrimPrefix(line, "STATS ")) {
					k, v, _ := strings.Cut(f, "=")
					r.stats[k], _ = strconv.ParseInt(v, 10, 64)
				}
				r.mu.Unlock()
			}
		}
		io.Copy(io.Discard, stdout)
		cmd.Wait()
	}()
	select {
	case r.addr = <-listening:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		return nil, fmt.Errorf("replica did not start")
	}
	h.mu.Lock()
	h.live = append(h.live, r)
	h.all = append(h.all, r)
	h.mu.Unlock()
	return r, nil
}

// kill SIGKILLs one live replica in the middle of its next call of the
// function, and starts another in its place.
func (h *chaosHarness) kill() {
	h.mu.Lock()
	r := h.live[rand.IntN(len(h.live))]
	h.mu.Unlock()
	r.cmd.Process.Signal(syscall.SIGUSR1)
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		h.t.Error("the replica to kill never entered the function")
		return
	}
	h.mu.Lock()
	for i, x := range h.live {
		if x == r {
			h.live = append(h.live[:i], h.live[i+1:]...)
			break
		}
	}
	h.mu.Unlock()
	if _, err := h.start(); err != nil {
		h.t.Errorf("replacing a killed replica: %v", err)
	}
}

// ServeHTTP is the merchant's front proxy: it forwards each IPN to a live
// replica, round robin. When the replica dies mid-request the front answers
// 502, which SePay takes as final: only the reconciler can save that payment.
func (h *chaosHarness) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	if len(h.live) == 0 {
		h.mu.Unlock()
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	target := h.live[h.next.Add(1)%uint64(len(h.live))]
	h.mu.Unlock()
	req, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, "http://"+target.addr+"/", bytes.NewReader(body))
	req.Header = r.Header.Clone()
	resp, err := h.forward.Do(req)
	if err != nil {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

func TestChaosEveryPaymentExactlyOnce(t *testing.T) {
	transfers := 2000
	if testing.Short() {
		transfers = 300
	}
	if v, err := strconv.Atoi(os.Getenv("CHAOS_TRANSFERS")); err == nil && v > 0 {
		transfers = v
	}
	chaos(t, transfers, true)
}

// Without crashes the SDK hands each transaction to the function exactly
// once, failures and the outage notwithstanding: the function's writes are
// counted, and none is repeated.
func TestChaosWithoutCrashesEveryCallOnce(t *testing.T) {
	transfers := 1000
	if testing.Short() {
		transfers = 200
	}
	chaos(t, transfers, false)
}

func chaos(t *testing.T, transfers int, crashes bool) {
	rdb := newRedis(t)
	begin := time.Now()
	fake := bankhubtest.NewServer(bankhubtest.WithDeliveryRetries(2, 5*time.Millisecond))
	defer fake.Close()
	company := fake.AddCompany(bankhubtest.CompanyParams{FullName: "Cửa hàng Minh An"})
	var accounts []string
	for i := range 4 {
		acct, err := fake.AddBankAccount(company, bankhubtest.LinkParams{AccountNumber: fmt.Sprintf("01234567%02d", i)})
		require.NoError(t, err)
		accounts = append(accounts, acct)
	}
	prefix := uniqueKey(t) + ":"
	h := &chaosHarness{t: t, forward: &http.Client{Timeout: 10 * time.Second}, env: []string{
		"BANKHUB_REDIS_HELPER=chaos", "REDIS_ADDR=" + redisAddr, "CHAOS_PREFIX=" + prefix,
		"FAKE_URL=" + fake.URL, "FAKE_ID=" + fake.ClientID, "FAKE_SECRET=" + fake.ClientSecret,
	}}
	const replicas = 4
	for range replicas {
		_, err := h.start()
		require.NoError(t, err)
	}
	defer func() { // nothing outlives the test
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, r := range h.all {
			r.cmd.Process.Kill()
		}
	}()
	front := httptest.NewServer(h)
	defer front.Close()
	fake.SetIPN(front.URL, chaosIPNKey)

	// Book the transfers from 8 goroutines; the IPN receiver is unreachable
	// from 30% to 45% of them, and a replica is killed in the function at
	// 20%, 55% and 80%.
	var booked atomic.Int64
	var bookedSum atomic.Int64
	var wg sync.WaitGroup
	jobs := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				amount := bankhub.VND(1_000 + rand.IntN(5_000_000))
				_, err := fake.SimulateTransfer(context.Background(), bankhubtest.TransferParams{
					BankAccountXID: accounts[i%len(accounts)], Amount: amount, Content: fmt.Sprintf("DH%06d", i)})
				if err != nil {
					t.Errorf("transfer %d: %v", i, err)
					continue
				}
				booked.Add(1)
				bookedSum.Add(int64(amount))
			}
		}()
	}
	kills := 0
	for i := range transfers {
		switch i {
		case transfers * 30 / 100:
			fake.SetIPN("http://127.0.0.1:1/ipn", chaosIPNKey)
		case transfers * 45 / 100:
			fake.SetIPN(front.URL, chaosIPNKey)
		case transfers * 20 / 100, transfers * 55 / 100, transfers * 80 / 100:
			if crashes {
				go h.kill()
				kills++
			}
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	bookedAt := time.Since(begin)

	// Wait until the replicas' reconcilers have caught up with everything.
	ledgerKey, amountKey := prefix+"ledger", prefix+"amount"
	deadline := time.Now().Add(3 * time.Minute)
	for rdb.HLen(context.Background(), ledgerKey).Val() < booked.Load() && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	caughtUpAt := time.Since(begin)
	time.Sleep(2 * chaosLease) // let any claim still in flight settle: nothing may be credited twice
	h.mu.Lock()
	live := append([]*merchantProc(nil), h.live...)
	h.mu.Unlock()
	for _, r := range live {
		r.cmd.Process.Signal(syscall.SIGTERM)
		<-r.done
	}

	// The ledger against the bank.
	ledger := rdb.HGetAll(context.Background(), ledgerKey).Val()
	amounts := rdb.HGetAll(context.Background(), amountKey).Val()
	calls := rdb.HGetAll(context.Background(), prefix+"calls").Val()
	var fakeSum, ledgerSum int64
	var fakeCount, missing, handedAgain int
	for tx, err := range fake.Client().Transactions.All(context.Background(), &bankhub.TransactionListParams{PerPage: 100}) {
		require.NoError(t, err)
		fakeCount++
		fakeSum += int64(tx.Amount)
		if ledger[tx.TransactionID] != "1" {
			missing++
			t.Errorf("transaction %s never credited", tx.TransactionID)
			continue
		}
		if a := amounts[tx.TransactionID]; a != strconv.FormatInt(int64(tx.Amount), 10) {
			t.Errorf("transaction %s credited %s, booked %d", tx.TransactionID, a, tx.Amount)
		}
		if calls[tx.TransactionID] != "1" {
			handedAgain++
			h.histMu.Lock()
			t.Logf("transaction %s reached the write %s times: %q", tx.TransactionID, calls[tx.TransactionID], h.hist[tx.TransactionID])
			h.histMu.Unlock()
		}
	}
	for _, a := range amounts {
		n, _ := strconv.ParseInt(a, 10, 64)
		ledgerSum += n
	}
	assert.Equal(t, int(booked.Load()), fakeCount)
	assert.Equal(t, bookedSum.Load(), fakeSum)
	assert.Equal(t, 0, missing, "transactions never credited")
	assert.Len(t, ledger, fakeCount, "no transaction credited that the bank does not have")
	assert.Equal(t, fakeSum, ledgerSum, "the ledger's sum is the bank's")
	// A transaction reaches the write again only when a replica died
	// between another call's write and its done mark: at most the calls in
	// flight in the killed replicas (8 deliveries and a reconcile pass).
	assert.LessOrEqual(t, handedAgain, kills*9, "transactions handed to the function again")
	if !crashes {
		assert.Equal(t, 0, handedAgain, "without crashes, no transaction reaches the function twice")
	}

	// The figures. Stats of killed replicas are lost with them; the
	// credits per path are counted in Redis.
	by := rdb.HGetAll(context.Background(), prefix+"by").Val()
	byIPN, _ := strconv.Atoi(by["ipn"])
	byRec, _ := strconv.Atoi(by["reconciler"])
	assert.Equal(t, fakeCount, byIPN+byRec, "every credit came by one of the two paths")
	var killed int
	var victims []string
	sum := map[string]int64{}
	for _, r := range h.all {
		if r.killed.Load() {
			killed++
			victims = append(victims, r.victim)
		}
		r.mu.Lock()
		for k, v := range r.stats {
			sum[k] += v
		}
		r.mu.Unlock()
	}
	if crashes {
		assert.GreaterOrEqual(t, killed, 2, "replicas killed in the function")
	}
	for _, v := range victims {
		assert.Equal(t, "1", calls[v], "the call a replica died in never wrote; the transaction was written once")
	}
	failedDeliveries := 0
	for _, d := range fake.Deliveries() {
		if d.Status != 200 {
			failedDeliveries++
		}
	}
	report := fmt.Sprintf(`transfers booked:             %d (sum %d VND), in %v
replicas:                     %d at a time, %d killed with SIGKILL inside the function (%d started)
IPN deliveries not answered 200: %d (receiver unreachable, function failed, replica died)
credited by the IPN handler:  %d
credited by the reconciler:   %d
function failures:            %d by IPN, %d by the reconciler, in replicas that exited normally (each retried later)
reconcile passes:             %d (%d skipped: another replica held the lock)
transaction list requests:    %d (by the reconcilers %d)
token requests:               %d
ledger:                       %d transactions, each credited once: %v; sum equal: %v
handed to the function again: %d (in flight in a killed replica between its write and the done mark)
caught up after:              %v
`, booked.Load(), bookedSum.Load(), bookedAt.Round(time.Millisecond), replicas, killed, len(h.all), failedDeliveries,
		byIPN, byRec, sum["ipn_failed"], sum["rec_failed"], sum["rec_passes"], sum["rec_skipped"],
		fake.Count(bankhubtest.OpTransactionList), sum["rec_requests"], fake.Count(bankhubtest.OpToken),
		len(ledger), missing == 0 && len(ledger) == fakeCount, fakeSum == ledgerSum, handedAgain, caughtUpAt.Round(time.Millisecond))
	t.Log("\n" + report)
	if path := os.Getenv("CHAOS_REPORT"); path != "" {
		os.WriteFile(path, []byte(report), 0o644)
	}
}
