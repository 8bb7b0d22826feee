package sqlinbox_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
	"github.com/bankhub-go/bankhub/sqlinbox"
	"github.com/bankhub-go/bankhub/sqlinbox/internal/inboxtest"
	"github.com/bankhub-go/bankhub/sqlinbox/pgxinbox"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The chaos test of the money path with a function that is NOT idempotent.
// The test process plays SePay and the bank: a bankhubtest fake books
// transfers and delivers their IPNs through a front proxy to merchant
// replicas, separate processes (this test binary, re-executed) sharing one
// database. Each replica's one function, for the IPN handler and the
// Reconciler alike, does `UPDATE orders SET paid = paid + amount` and
// appends a ledger row with no unique key, in sqlinbox's transaction. The
// function fails 20 % of the time after its writes, the IPN receiver is
// unreachable for a stretch, replicas are SIGKILLed between the function's
// writes and the commit, and one replica's function sometimes hangs for
// ever. At the end every transaction must be in the ledger exactly once and
// every order's paid sum must be the bank's.
//
// CHAOS_TRANSFERS sets the number of transfers (default 2000 on PostgreSQL,
// 500 on SQLite; 300 and 150 with -short); CHAOS_REPORT names a file the
// figures are appended to.

const (
	chaosIPNKey    = "chaos-ipn-key"
	chaosFailRate  = 0.2
	chaosHangEvery = 40 // the hanging replica's 3rd call hangs, then one in 40
	chaosOrders    = 50
)

// chaosStacks are the stacks the chaos test runs on, by name: the
// replica process opens its database as its stack does.
var chaosStacks = map[string]inboxtest.Stack{"postgres": postgresStack, "pgbouncer": pgbouncerStack, "mariadb": mariadbStack,
	"sqlite": sqliteStack, "pgx": pgxStack}

// chaosReplica is one merchant process: an IPN endpoint and a reconciler
// calling one function that credits orders in the shared database.
func chaosReplica() int {
	dialect := chaosStacks[os.Getenv("CHAOS_STACK")].Dialect
	prefix := os.Getenv("CHAOS_PREFIX")
	orders, ledger := prefix+"orders", prefix+"ledger"
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	opts := []sqlinbox.Option{sqlinbox.WithTable(os.Getenv("CHAOS_INBOX")), sqlinbox.WithMaxHold(3 * time.Second)}
	var inbox inboxtest.Inbox
	switch os.Getenv("CHAOS_STACK") {
	case "pgx":
		pool, err := pgxpool.New(ctx, os.Getenv("CHAOS_DSN"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		defer pool.Close()
		in, err := pgxinbox.New(ctx, pool, opts...)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		inbox = inboxtest.PgxInbox(in)
	default:
		db, err := sql.Open(os.Getenv("CHAOS_DRIVER"), os.Getenv("CHAOS_DSN"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		defer db.Close()
		in, err := sqlinbox.New(ctx, db, dialect, opts...)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		inbox = inboxtest.SQLInbox(in)
	}
	client, err := bankhub.NewClient(os.Getenv("FAKE_ID"), os.Getenv("FAKE_SECRET"), bankhub.WithBaseURL(os.Getenv("FAKE_URL")),
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
	// SIGUSR1 asks the next call to stop after its writes, before the
	// commit, and say so: the harness's SIGKILL lands in that window.
	var hold atomic.Bool
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	go func() {
		for range usr1 {
			hold.Store(true)
		}
	}()
	hangs := os.Getenv("CHAOS_HANGS") == "1"
	var calls atomic.Int64
	credit := func(path string) func(context.Context, *bankhub.IPN) error {
		return inbox.Func(func(ctx context.Context, tx inboxtest.Tx, n *bankhub.IPN) error {
			if !n.TransferType.Incoming() {
				return nil
			}
			say("CALL %s %s", n.TransactionID, path)
			if _, err := tx.Exec(ctx, rebind(dialect, `UPDATE `+orders+` SET paid = paid + $1 WHERE code = $2`), int64(n.Amount), n.PaymentCode); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, rebind(dialect, `INSERT INTO `+ledger+` (transaction_id, code, amount, path) VALUES ($1, $2, $3, '`+path+`')`),
				n.TransactionID, n.PaymentCode, int64(n.Amount)); err != nil {
				return err
			}
			if hold.CompareAndSwap(true, false) {
				say("HOLD %s", n.TransactionID)
				time.Sleep(time.Minute) // killed here: written, not committed
			}
			if hangs && calls.Add(1)%chaosHangEvery == 3 {
				say("HANG %s %s", n.TransactionID, path)
				select {} // a stuck connection that ignores its context
			}
			if rand.Float64() < chaosFailRate {
				return errors.New("order service unavailable")
			}
			return nil
		})
	}
	var hs bankhub.HandlerStats
	handler := bankhub.NewIPNHandler(chaosIPNKey, credit("ipn"), bankhub.WithDedupe(inbox), bankhub.WithHandlerStats(&hs))
	rec := bankhub.NewReconciler(client, credit("reconciler"), bankhub.WithReconcileDedupe(inbox),
		bankhub.WithReconcileInterval(150*time.Millisecond), bankhub.WithReconcileTimeout(time.Second))

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(l)
	say("LISTEN %s", l.Addr())
	rec.Run(ctx)
	shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	srv.Shutdown(shut) // a hung handler is cut off here
	st := rec.Stats()
	say("STATS ipn_handled=%d ipn_duplicates=%d ipn_failed=%d rec_handled=%d rec_failed=%d rec_passes=%d rec_requests=%d",
		hs.Handled.Load(), hs.Duplicates.Load(), hs.Failed.Load(), st.Handled, st.Failed, st.Passes, st.Requests)
	return 0
}

// merchantProc is a running merchant process, seen from the harness.
type merchantProc struct {
	hangs  bool
	cmd    *exec.Cmd
	addr   string
	killed atomic.Bool
	done   chan struct{}
	mu     sync.Mutex
	stats  map[string]int64
	victim string
}

type chaosHarness struct {
	t       *testing.T
	env     []string
	mu      sync.Mutex
	live    []*merchantProc
	all     []*merchantProc
	next    atomic.Uint64
	forward *http.Client
	calls   atomic.Int64
	hangs   atomic.Int64
}

// start runs one replica. It returns an error rather than failing the test,
// since kill calls it from another goroutine.
func (h *chaosHarness) start(extra ...string) (*merchantProc, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), h.env...), extra...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	r := &merchantProc{cmd: cmd, done: make(chan struct{}), stats: map[string]int64{}, hangs: slices.Contains(extra, "CHAOS_HANGS=1")}
	listening := make(chan string, 1)
	go func() {
		defer close(r.done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "HOLD "):
				cmd.Process.Kill() // between the function's writes and the commit
				r.victim = strings.TrimPrefix(line, "HOLD ")
				r.killed.Store(true)
			case strings.HasPrefix(line, "CALL "):
				h.calls.Add(1)
			case strings.HasPrefix(line, "HANG "):
				h.hangs.Add(1)
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

// kill SIGKILLs one live replica between its next call's writes and the
// commit, and starts another in its place.
func (h *chaosHarness) kill() {
	h.mu.Lock()
	candidates := h.live
	if len(h.live) > 1 && h.live[0].hangs { // keep the hanging one: its hangs are the point
		candidates = h.live[1:]
	}
	r := candidates[rand.IntN(len(candidates))]
	h.mu.Unlock()
	r.cmd.Process.Signal(syscall.SIGUSR1)
	select {
	case <-r.done:
	case <-time.After(60 * time.Second):
		h.t.Error("the replica to kill never reached the window")
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
// replica, round robin, and answers 502 when the replica dies or does not
// answer within SePay's 8 seconds; SePay takes that as final.
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

// The chaos test on each stack: 2,000 transfers (300 with -short) to 4
// replica processes sharing one server; SQLite: one process on one file,
// killed 3 times, 500 transfers (150 with -short).
func TestChaosPostgresNonIdempotentLedgerExact(t *testing.T)  { chaosOn(t, "postgres", 4, 2000, 300) }
func TestChaosPgBouncerNonIdempotentLedgerExact(t *testing.T) { chaosOn(t, "pgbouncer", 4, 2000, 300) }
func TestChaosMariaDBNonIdempotentLedgerExact(t *testing.T)   { chaosOn(t, "mariadb", 4, 2000, 300) }
func TestChaosPgxNonIdempotentLedgerExact(t *testing.T)       { chaosOn(t, "pgx", 4, 2000, 300) }
func TestChaosSQLiteSingleProcessLedgerExact(t *testing.T)    { chaosOn(t, "sqlite", 1, 500, 150) }

func chaosOn(t *testing.T, stack string, replicas, transfers, short int) {
	st := chaosStacks[stack]
	if testing.Short() {
		transfers = short
	}
	data := st.NewDatabase(t)
	var driver, dsn string
	switch d := data.(type) {
	case interface{ DriverDSN() (string, string) }:
		driver, dsn = d.DriverDSN()
	default:
		t.Fatalf("stack %s names no DSN", stack)
	}
	chaos(t, chaosConfig{stack: stack, dialect: st.Dialect, driver: driver, dsn: dsn, db: data.Open(t), replicas: replicas,
		kills: 3, hang: replicas > 1, transfers: chaosTransfers(transfers)})
}

func chaosTransfers(def int) int {
	if v, err := strconv.Atoi(os.Getenv("CHAOS_TRANSFERS")); err == nil && v > 0 {
		return v
	}
	return def
}

type chaosConfig struct {
	stack           string
	dialect         sqlinbox.Dialect
	driver, dsn     string
	db              *sql.DB
	replicas, kills int
	hang            bool
	transfers       int
}

func chaos(t *testing.T, cfg chaosConfig) {
	begin := time.Now()
	ctx := context.Background()
	prefix := uniqueName("chaos") + "_"
	orders, ledger := prefix+"orders", prefix+"ledger"
	made, err := sqlinbox.New(ctx, cfg.db, cfg.dialect, sqlinbox.WithTable(prefix+"inbox")) // the replicas find it made
	require.NoError(t, err)
	inboxTable := made.Table()
	for _, q := range []string{
		`CREATE TABLE ` + orders + ` (code VARCHAR(64) PRIMARY KEY, paid BIGINT NOT NULL DEFAULT 0)`,
		`CREATE TABLE ` + ledger + ` (transaction_id VARCHAR(128) NOT NULL, code VARCHAR(64) NOT NULL, amount BIGINT NOT NULL, path VARCHAR(16) NOT NULL)`,
	} {
		_, err := cfg.db.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	for i := range chaosOrders {
		_, err := cfg.db.ExecContext(ctx, rebind(cfg.dialect, `INSERT INTO `+orders+` (code) VALUES ($1)`), fmt.Sprintf("DH%06d", i))
		require.NoError(t, err)
	}

	fake := bankhubtest.NewServer(bankhubtest.WithDeliveryRetries(2, 5*time.Millisecond))
	defer fake.Close()
	company := fake.AddCompany(bankhubtest.CompanyParams{FullName: "Cửa hàng Minh An"})
	var accounts []string
	for i := range 4 {
		acct, err := fake.AddBankAccount(company, bankhubtest.LinkParams{AccountNumber: fmt.Sprintf("01234567%02d", i)})
		require.NoError(t, err)
		accounts = append(accounts, acct)
	}
	h := &chaosHarness{t: t, forward: &http.Client{Timeout: 8 * time.Second}, env: []string{
		"SQLINBOX_CHAOS_HELPER=1", "CHAOS_STACK=" + cfg.stack, "CHAOS_DRIVER=" + cfg.driver, "CHAOS_DSN=" + cfg.dsn,
		"CHAOS_PREFIX=" + prefix, "CHAOS_INBOX=" + inboxTable,
		"FAKE_URL=" + fake.URL, "FAKE_ID=" + fake.ClientID, "FAKE_SECRET=" + fake.ClientSecret,
	}}
	for i := range cfg.replicas {
		var extra []string
		if cfg.hang && i == 0 {
			extra = []string{"CHAOS_HANGS=1"} // this replica's function sometimes never returns
		}
		_, err := h.start(extra...)
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

	// Book the transfers from 8 goroutines: money in, with a refund (money
	// out, never credited) every 25th. The IPN receiver is unreachable from
	// 30 % to 45 % of them, and a replica is killed in the window at 20 %,
	// 55 % and 90 %.
	var bookedIn, bookedInSum atomic.Int64
	var wg sync.WaitGroup
	jobs := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range jobs {
				code := fmt.Sprintf("DH%06d", i%chaosOrders)
				p := bankhubtest.TransferParams{BankAccountXID: accounts[i%len(accounts)], Amount: bankhub.VND(1_000 + rand.IntN(5_000_000)),
					Content: "Thanh toan " + code}
				if i%25 == 24 {
					p.TransferType, p.Content = bankhub.TransferOut, "Hoan tien "+code
				}
				if _, err := fake.SimulateTransfer(context.Background(), p); err != nil {
					t.Errorf("transfer %d: %v", i, err)
					continue
				}
				if p.TransferType != bankhub.TransferOut {
					bookedIn.Add(1)
					bookedInSum.Add(int64(p.Amount))
				}
			}
		})
	}
	kills := 0
	killAt := map[int]bool{}
	for k := range cfg.kills {
		killAt[cfg.transfers*(20+35*k)/100] = true // 20 %, 55 %, 90 %
	}
	killq := make(chan struct{}, cfg.kills) // one kill at a time
	var killers sync.WaitGroup
	killers.Go(func() {
		for range killq {
			h.kill()
		}
	})
	for i := range cfg.transfers {
		switch {
		case i == cfg.transfers*30/100:
			fake.SetIPN("http://127.0.0.1:1/ipn", chaosIPNKey)
		case i == cfg.transfers*45/100:
			fake.SetIPN(front.URL, chaosIPNKey)
		}
		if killAt[i] {
			killq <- struct{}{}
			kills++
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(killq)
	killers.Wait()
	bookedAt := time.Since(begin)

	// Wait until every transaction is done in the inbox.
	countDone := func() int64 {
		var n int64
		cfg.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+inboxTable+` WHERE state = 'done'`).Scan(&n)
		return n
	}
	total := int64(cfg.transfers)
	deadline := time.Now().Add(4 * time.Minute)
	for countDone() < total && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	caughtUpAt := time.Since(begin)
	h.mu.Lock()
	live := append([]*merchantProc(nil), h.live...)
	h.mu.Unlock()
	for _, r := range live {
		r.cmd.Process.Signal(syscall.SIGTERM)
		<-r.done
	}

	// The ledger against the bank.
	type entry struct {
		rows   int
		amount int64
	}
	book := map[string]entry{}
	rows, err := cfg.db.QueryContext(ctx, `SELECT transaction_id, amount FROM `+ledger)
	require.NoError(t, err)
	for rows.Next() {
		var id string
		var amount int64
		require.NoError(t, rows.Scan(&id, &amount))
		e := book[id]
		e.rows++
		e.amount += amount
		book[id] = e
	}
	require.NoError(t, rows.Err())
	rows.Close()
	bankByOrder := map[string]int64{}
	var bankIn, bankInSum int64
	var missing, twice int
	for tx, err := range fake.Client().Transactions.All(ctx, &bankhub.TransactionListParams{PerPage: 100}) {
		require.NoError(t, err)
		if !tx.TransferType.Incoming() {
			if book[tx.TransactionID].rows != 0 {
				t.Errorf("refund %s credited", tx.TransactionID)
			}
			continue
		}
		bankIn++
		bankInSum += int64(tx.Amount)
		bankByOrder[tx.PaymentCode] += int64(tx.Amount)
		switch e := book[tx.TransactionID]; {
		case e.rows == 0:
			missing++
			t.Errorf("transaction %s never credited", tx.TransactionID)
		case e.rows > 1:
			twice++
			t.Errorf("transaction %s credited %d times", tx.TransactionID, e.rows)
		case e.amount != int64(tx.Amount):
			t.Errorf("transaction %s credited %d, booked %d", tx.TransactionID, e.amount, tx.Amount)
		}
	}
	var ledgerRows int
	var ledgerSum int64
	for _, e := range book {
		ledgerRows += e.rows
		ledgerSum += e.amount
	}
	paid := map[string]int64{}
	orows, err := cfg.db.QueryContext(ctx, `SELECT code, paid FROM `+orders)
	require.NoError(t, err)
	for orows.Next() {
		var code string
		var p int64
		require.NoError(t, orows.Scan(&code, &p))
		if p != 0 {
			paid[code] = p
		}
	}
	orows.Close()
	assert.Equal(t, bookedIn.Load(), bankIn)
	assert.Equal(t, bookedInSum.Load(), bankInSum)
	assert.Equal(t, 0, missing, "transactions never credited")
	assert.Equal(t, 0, twice, "transactions credited twice")
	assert.Equal(t, int(bankIn), ledgerRows, "one ledger row per incoming transaction")
	assert.Equal(t, bankInSum, ledgerSum, "the ledger's sum is the bank's")
	assert.Equal(t, bankByOrder, paid, "each order's paid sum is the bank's")
	assert.Equal(t, total, countDone(), "every transaction, refunds too, is done in the inbox")

	var killed int
	for _, r := range h.all {
		if r.killed.Load() {
			killed++
			assert.Equal(t, 1, book[r.victim].rows, "the write a replica died before committing was rolled back; the transaction was credited once")
		}
	}
	assert.Equal(t, cfg.kills, killed, "replicas killed between write and commit")
	if cfg.hang {
		assert.Positive(t, h.hangs.Load(), "the hanging replica's function hung")
	}
	sum := map[string]int64{}
	for _, r := range h.all {
		r.mu.Lock()
		for k, v := range r.stats {
			sum[k] += v
		}
		r.mu.Unlock()
	}
	byPath := map[string]int{}
	prow, err := cfg.db.QueryContext(ctx, `SELECT path, COUNT(*) FROM `+ledger+` GROUP BY path`)
	require.NoError(t, err)
	for prow.Next() {
		var p string
		var n int
		require.NoError(t, prow.Scan(&p, &n))
		byPath[p] = n
	}
	prow.Close()
	failedDeliveries := 0
	for _, d := range fake.Deliveries() {
		if d.Status != 200 {
			failedDeliveries++
		}
	}
	report := fmt.Sprintf(`sqlinbox chaos on %v, a function that is not idempotent:
transfers booked:             %d (%d in, sum %d VND; %d refunds), in %v
replicas:                     %d at a time, %d killed with SIGKILL between the function's writes and the commit (%d started)
functions that hung for ever: %d
calls of the function:        %d (every attempt, rolled back or committed)
IPN deliveries not answered 200: %d (receiver unreachable, function failed or hung, replica died)
credited by the IPN handler:  %d
credited by the reconciler:   %d
reconcile passes:             %d, with %d transaction list requests (in replicas that exited normally)
transaction list requests:    %d in all; token requests: %d
ledger:                       %d rows for %d incoming transactions; each once: %v; sums equal: %v
caught up after:              %v
`, cfg.stack, cfg.transfers, bankIn, bankInSum, int64(cfg.transfers)-bankIn, bookedAt.Round(time.Millisecond),
		cfg.replicas, killed, len(h.all), h.hangs.Load(), h.calls.Load(), failedDeliveries, byPath["ipn"], byPath["reconciler"],
		sum["rec_passes"], sum["rec_requests"], fake.Count(bankhubtest.OpTransactionList), fake.Count(bankhubtest.OpToken),
		ledgerRows, bankIn, missing == 0 && twice == 0, bankInSum == ledgerSum, caughtUpAt.Round(time.Millisecond))
	t.Log("\n" + report)
	if path := os.Getenv("CHAOS_REPORT"); path != "" {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			f.WriteString(report + "\n")
			f.Close()
		}
	}
}
