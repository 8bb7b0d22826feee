package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// cli runs the command in-process against a fake.
type cli struct {
	t    *testing.T
	fake *bankhubtest.Server
}

func newCLI(t *testing.T, opts ...bankhubtest.ServerOption) *cli {
	return &cli{t: t, fake: bankhubtest.NewTestServer(t, opts...)}
}

func (c *cli) base() []string {
	return []string{"--env", c.fake.URL, "--client-id", c.fake.ClientID, "--client-secret", c.fake.ClientSecret}
}

func (c *cli) run(stdin string, args ...string) (stdout, stderr string, code int) {
	c.t.Helper()
	var out, errb bytes.Buffer
	code = Execute(append(c.base(), args...), strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

// normalise replaces what changes from run to run: the fake's URL, ids,
// times, references and tokens.
func (c *cli) normalise(s string) string {
	s = strings.ReplaceAll(s, c.fake.URL, "http://FAKE")
	for _, r := range []struct{ re, with string }{
		{`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`, "<xid>"},
		{`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\+07:00|Z)`, "<time>"},
		{`\b[0-9a-f]{40}\b`, "<token>"},
		{`logos/merchant-\d+\.png`, "logos/merchant-<n>.png"},
		{`\bFT\d{12}\b`, "FT<generated>"}, // the fake's references; the seeded ones are shorter
	} {
		s = regexp.MustCompile(r.re).ReplaceAllString(s, r.with)
	}
	// Every time but the seeded ones (January 2026) is "now".
	return regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}`).ReplaceAllStringFunc(s, func(m string) string {
		if strings.HasPrefix(m, "2026-01-1") {
			return m
		}
		return "<now>"
	})
}

// golden compares a command's output with testdata/golden/name.txt.
func (c *cli) golden(name string, args ...string) string {
	c.t.Helper()
	stdout, stderr, code := c.run("", args...)
	got := c.normalise("$ bankhub " + strings.Join(args, " ") + "\n" + stdout + "--- stderr\n" + stderr + "--- exit " + itoa(code) + "\n")
	path := filepath.Join("testdata", "golden", name+".txt")
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			c.t.Fatal(err)
		}
		return stdout
	}
	want, err := os.ReadFile(path)
	if err != nil {
		c.t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		c.t.Errorf("%s differs from %s:\n--- got\n%s--- want\n%s", name, path, got, want)
	}
	return stdout
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// seed makes the same data every run: one company, one ACB account, two
// transfers with chosen dates and references.
func (c *cli) seed() (company, account string) {
	c.t.Helper()
	company = c.fake.AddCompany(bankhubtest.CompanyParams{FullName: "Cửa hàng Minh An"})
	account, err := c.fake.AddBankAccount(company, bankhubtest.LinkParams{BrandName: "ACB", AccountNumber: "4567890123", AccountHolderName: "BUI VAN G"})
	if err != nil {
		c.t.Fatal(err)
	}
	for _, tr := range []bankhubtest.TransferParams{
		{BankAccountXID: account, Amount: 1_500_000, Content: "Thanh toan DH123456", ReferenceCode: "FT26013001",
			Date: time.Date(2026, 1, 13, 20, 55, 4, 0, bankhub.VietnamZone())},
		{BankAccountXID: account, Amount: 20_000, Content: "hoan tien", ReferenceCode: "FT26014002", TransferType: bankhub.TransferOut,
			Date: time.Date(2026, 1, 14, 9, 0, 0, 0, bankhub.VietnamZone())},
	} {
		if _, err := c.fake.SimulateTransfer(context.Background(), tr); err != nil {
			c.t.Fatal(err)
		}
	}
	return company, account
}

func TestEveryCommandGolden(t *testing.T) {
	c := newCLI(t)
	company, account := c.seed()

	c.golden("companies-list", "companies", "list")
	c.golden("companies-list-json", "companies", "list", "-o", "json")
	c.golden("companies-get", "companies", "get", company)
	c.golden("companies-create", "companies", "create", "--full-name", "Công ty TNHH ABC")
	c.golden("companies-update", "companies", "update", company, "--transaction-amount", "Unlimited", "--payment-code-prefix", "HD")
	c.golden("companies-counter", "companies", "counter", company)
	c.golden("companies-list-all-csv", "companies", "list", "--all", "-o", "csv")

	out := c.golden("link-tokens-create-json", "link-tokens", "create", "--company-xid", company, "-o", "json")
	var lt bankhub.LinkTokenCreated
	if err := json.Unmarshal([]byte(out), &lt); err != nil || lt.LinkToken == "" {
		t.Fatalf("link-tokens create -o json: %v %q", err, out)
	}
	c.golden("link-tokens-create", "link-tokens", "create", "--company-xid", company, "--language", "en")
	c.golden("link-tokens-get", "link-tokens", "get", lt.LinkToken)
	c.golden("fake-link", "fake", "link", lt.XID, "--env", c.fake.URL)
	c.golden("link-tokens-revoke-used", "link-tokens", "revoke", lt.XID)

	c.golden("bank-accounts-list", "bank-accounts", "list", "--company-xid", company)
	c.golden("bank-accounts-list-jsonl", "bank-accounts", "list", "--company-xid", company, "-o", "jsonl")
	c.golden("bank-accounts-get", "bank-accounts", "get", account)

	c.golden("transactions-list", "transactions", "list", "--bank-account-xid", account)
	c.golden("transactions-list-json", "transactions", "list", "--bank-account-xid", account, "-o", "json")
	c.golden("transactions-list-csv", "transactions", "list", "--all", "--bank-account-xid", account, "-o", "csv")
	c.golden("transactions-list-filtered", "transactions", "list", "--start-transaction-date", "2026-01-14", "--transfer-type", "out")
	out, _, _ = c.run("", "transactions", "list", "--bank-account-xid", account, "-o", "json")
	var txs []bankhub.Transaction
	if err := json.Unmarshal([]byte(out), &txs); err != nil || len(txs) != 2 {
		t.Fatalf("transactions list -o json: %v %q", err, out)
	}
	c.golden("transactions-get", "transactions", "get", txs[0].TransactionID)
	c.golden("transactions-simulate", "transactions", "simulate", "--bank-account-xid", account, "--amount", "250000", "--transaction-content", "DH654321")
	c.golden("fake-transfer", "fake", "transfer", "--env", c.fake.URL, "--bank-account-xid", account, "--amount", "1500000", "--content", "DH777777")

	c.golden("merchant-config-get", "merchant-config", "get")
	c.golden("merchant-config-update", "merchant-config", "update", "--transaction-whitelist-remark-keywords", "DH,HD")
	c.golden("merchant-config-upload-logo", "merchant-config", "upload-logo", "../../testdata/logo.png")
	c.golden("merchant-config-counter", "merchant-config", "counter", "--start-date", "2026-01-13", "--end-date", "2026-01-14")

	c.golden("webhooks-get-none", "webhooks", "get")
	c.golden("webhooks-set", "webhooks", "set", "--webhook-url", "https://shop.example.vn/hooks", "--secret-key", "whsec-golden-1234")
	c.golden("webhooks-get-json", "webhooks", "get", "-o", "json")

	c.golden("auth", "auth")
	stdout, _, code := c.run("", "auth", "--show-token", "-o", "json")
	var a map[string]string
	if json.Unmarshal([]byte(stdout), &a); code != 0 || len(a["access_token"]) != 40 {
		t.Errorf("auth --show-token: %d %q", code, stdout)
	}
}

func TestExitCodes(t *testing.T) {
	c := newCLI(t)
	company, _ := c.seed()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"invalid params, refused before sending", []string{"transactions", "list", "--transfer-type", "sideways"}, exitUsage, "transfer_type: must be in or out"},
		{"bad flag", []string{"companies", "list", "--nope"}, exitUsage, "unknown flag"},
		{"bad date", []string{"transactions", "list", "--start-transaction-date", "13/01/2026"}, exitUsage, "start-transaction-date"},
		{"missing argument", []string{"companies", "get"}, exitUsage, "accepts 1 arg"},
		{"not found", []string{"companies", "get", "no-such-company"}, exitNotFound, "404"},
		{"validation", []string{"companies", "create", "--full-name", "Cửa hàng Minh An"}, exitValidation, "400"},
		{"auth", []string{"companies", "list", "--client-secret", "wrong"}, exitAuth, "401 Unauthenticated; the credentials were refused (client id from --client-id, secret from --client-secret, for http://"},
		{"network", []string{"companies", "list", "--env", closed.URL}, exitNetwork, "connection refused"},
		{"bad output", []string{"companies", "list", "-o", "yaml"}, exitUsage, "--output"},
		{"bad env", []string{"companies", "list", "--env", "staging"}, exitUsage, `the environment "staging" (from --env) must be production, sandbox, fake or a URL`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := c.run("", tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.msg) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want %d and one line containing %q", code, stderr, tc.code, tc.msg)
			}
		})
	}
	c.fake.FailNext(bankhubtest.OpCompanyList, 10, 429, 0)
	if _, stderr, code := c.run("", "companies", "list"); code != exitRateLimit {
		t.Errorf("429: exit %d, %s", code, stderr)
	}
	c.fake.ClearFaults()
	c.fake.FailNext(bankhubtest.OpCompanyGet, 10, 503, 0)
	if _, stderr, code := c.run("", "companies", "get", company); code != exitServer {
		t.Errorf("503: exit %d, %s", code, stderr)
	}
	c.fake.ClearFaults()
	c.fake.BlockNext(bankhubtest.OpCompanyList, 1)
	if _, stderr, code := c.run("", "companies", "list"); code != exitServer || !strings.Contains(stderr, "blocked") {
		t.Errorf("block page: exit %d, %s", code, stderr)
	}
}

func TestProductionWritesAskFirst(t *testing.T) {
	var out, errb bytes.Buffer
	args := []string{"--env", "production", "--client-id", "id", "--client-secret", "secret", "companies", "create", "--full-name", "X"}
	code := Execute(args, strings.NewReader("y\n"), &out, &errb)
	if code != exitAborted || !strings.Contains(errb.String(), "without --yes") {
		t.Errorf("no terminal to ask: exit %d, %q; want %d and nothing sent", code, errb.String(), exitAborted)
	}
	// --dry-run shows what would be sent instead, and sends nothing.
	out.Reset()
	errb.Reset()
	code = Execute([]string{"--env", "production", "--dry-run", "webhooks", "set", "--webhook-url", "https://shop.example.vn/hooks",
		"--secret-key", "whsec-dry-run-secret"}, strings.NewReader(""), &out, &errb)
	if code != exitOK {
		t.Fatalf("dry run: exit %d, %s", code, errb.String())
	}
	want := "POST https://bankhub-api.sepay.vn/v1/webhook\nAuthorization: Bearer [redacted]\nContent-Type: application/json\nAccept: application/json\n"
	if !strings.HasPrefix(out.String(), want) || !strings.Contains(out.String(), `"secret_key": "[redacted]"`) ||
		strings.Contains(out.String(), "whsec-dry-run-secret") || strings.Contains(out.String(), "dry-run-token") {
		t.Errorf("dry run printed:\n%s", out.String())
	}
}

func TestProfiles(t *testing.T) {
	c := newCLI(t)
	c.seed()
	dir := t.TempDir()
	path := filepath.Join(dir, "profiles.json")
	body, _ := json.Marshal(map[string]any{"profiles": map[string]any{"fake": map[string]string{
		"env": c.fake.URL, "client_id": c.fake.ClientID, "client_secret": c.fake.ClientSecret}}})
	t.Setenv("BANKHUB_CONFIG", path)
	for _, env := range []string{"BANKHUB_ENV", "BANKHUB_BASE_URL", "BANKHUB_CLIENT_ID", "BANKHUB_CLIENT_SECRET"} {
		t.Setenv(env, "")
	}
	run := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Execute(args, strings.NewReader(""), &out, &errb)
		return out.String(), errb.String(), code
	}
	if err := os.WriteFile(path, body, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := run("--profile", "fake", "companies", "list"); code != exitUsage || !strings.Contains(stderr, "chmod 600") {
		t.Errorf("a world-readable profile file: exit %d, %q", code, stderr)
	}
	os.Chmod(path, 0o600)
	if stdout, stderr, code := run("--profile", "fake", "companies", "list"); code != 0 || !strings.Contains(stdout, "Cửa hàng Minh An") {
		t.Errorf("profile: exit %d, %q %q", code, stdout, stderr)
	}
	if _, stderr, code := run("--profile", "other", "companies", "list"); code != exitUsage || !strings.Contains(stderr, `no profile "other"`) {
		t.Errorf("unknown profile: exit %d, %q", code, stderr)
	}
	// Exported variables never mix into a named profile; flags override
	// single values.
	t.Setenv("BANKHUB_CLIENT_SECRET", "wrong")
	if _, stderr, code := run("--profile", "fake", "companies", "list"); code != 0 {
		t.Errorf("BANKHUB_CLIENT_SECRET mixed into the profile: exit %d, %s", code, stderr)
	}
	if _, _, code := run("--profile", "fake", "--client-secret", "wrong", "companies", "list"); code != exitAuth {
		t.Errorf("--client-secret did not take precedence: exit %d", code)
	}
}

func TestListenPrintsAndForwards(t *testing.T) {
	var mu sync.Mutex
	var forwarded []*http.Request
	var bodies []string
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		forwarded, bodies = append(forwarded, r), append(bodies, string(b))
		mu.Unlock()
	}))
	defer target.Close()
	var out, errb bytes.Buffer
	o := &listenOptions{IO: &ioStreams{Out: &out, ErrOut: &errb}, WebhookSecret: "whsec-listen", IPNKey: "ipn-listen",
		ForwardIPNTo: target.URL + "/bankhub/ipn", ForwardWebhookTo: target.URL + "/bankhub/events"} // each as given, as the README lays out an app
	h := listenHandler(o)
	ipn := `{"gateway":"MBBank","transaction_date":"2026-01-13 20:55:04","account_number":"0123456789","transfer_type":"credit",` +
		`"amount":500000,"payment_code":"DH123456","content":"Thanh toan DH123456","transaction_id":"a47b6ab2-8f8b-11f0-b21a-a6006ab65aca"}`
	for _, tc := range []struct {
		req  func() (*http.Request, error)
		code int
	}{
		{func() (*http.Request, error) { return bankhub.NewIPNTestRequest("/ipn", "ipn-listen", []byte(ipn)) }, 200},
		{func() (*http.Request, error) { return bankhub.NewIPNTestRequest("/ipn", "wrong-key", []byte(ipn)) }, 401},
		{func() (*http.Request, error) {
			return bankhub.NewWebhookTestRequest("/webhook", "whsec-listen", []byte(`{"timestamp":1768312023,"xid":"e343bdec-97dc-4c60-b953-f81b183e0096",`+
				`"version":"1.0","event":"BANK_ACCOUNT_LINKED","metadata":{"bank_account_xid":"587eabfb"}}`))
		}, 200},
	} {
		req, err := tc.req()
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.code {
			t.Errorf("%s: %d, want %d", req.URL.Path, rec.Code, tc.code)
		}
	}
	o.forwards.Wait()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "a47b6ab2-8f8b-11f0-b21a-a6006ab65aca  in  500,000 VND  DH123456") ||
		!strings.Contains(lines[1], "BANK_ACCOUNT_LINKED  e343bdec-97dc-4c60-b953-f81b183e0096  2026-01-13 20:47:03") {
		t.Errorf("printed %q", out.String())
	}
	mu.Lock()
	defer mu.Unlock()
	byPath := map[string]int{} // forwards run after the answer, in any order
	for i, r := range forwarded {
		byPath[r.URL.Path] = i
	}
	i, j := byPath["/bankhub/ipn"], byPath["/bankhub/events"]
	if len(forwarded) != 2 || len(byPath) != 2 || forwarded[i].Header.Get("Authorization") != "Apikey ipn-listen" ||
		bodies[i] != ipn || forwarded[j].Header.Get("X-Secret-Key") != "whsec-listen" {
		t.Errorf("forwarded %d: %v", len(forwarded), bodies)
	}
	for _, want := range []string{"forwarded ipn to " + target.URL + "/bankhub/ipn → 200 OK", "forwarded webhook to " + target.URL + "/bankhub/events → 200 OK"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr %q, want the line %q", errb.String(), want)
		}
	}
	if strings.Contains(out.String()+errb.String(), "whsec-listen") {
		t.Error("the webhook secret was printed")
	}
}

// listen checks its forward URLs before it serves, and the deprecated
// --forward-to (a base URL) still appends each kind's path, saying so.
func TestListenForwardFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--ipn-key", "k", "--forward-ipn-to", "127.0.0.1:8080/bankhub/ipn"}, "--forward-ipn-to: want an http:// or https:// URL"},
		{[]string{"--ipn-key", "k", "--forward-ipn-to", "ftp://127.0.0.1/ipn"}, "--forward-ipn-to: want an http:// or https:// URL"},
		{[]string{"--ipn-key", "k", "--forward-webhook-to", "http://127.0.0.1:1/events"}, "--forward-webhook-to needs --webhook-secret"},
		{[]string{"--ipn-key", "k", "--forward-ipn-to", "http://user:hunter2@/x"}, "want an http:// or https:// URL"},
		{[]string{"reconcile", "--ipn-key", "k", "--forward-ipn-to", "localhost:8080/ipn"}, "--forward-ipn-to: want an http:// or https:// URL"},
		{[]string{"reconcile", "--forward-to", "http://127.0.0.1:1/ipn"}, "--forward-ipn-to needs --ipn-key"},
	} {
		var out, errb bytes.Buffer
		args := append([]string{"listen", "--addr", "127.0.0.1:0"}, tc.args...)
		if tc.args[0] == "reconcile" {
			args = append([]string{"--env", "fake"}, tc.args...)
		}
		code := Execute(args, strings.NewReader(""), &out, &errb)
		if code != exitUsage || !strings.Contains(errb.String(), tc.want) || strings.Contains(errb.String(), "hunter2") {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, errb.String(), tc.want)
		}
	}
	o := &listenOptions{IPNKey: "k", WebhookSecret: "s", ForwardTo: "http://127.0.0.1:3000/", ForwardWebhookTo: "http://127.0.0.1:3000/bankhub/events"}
	ipn, webhook, err := o.targets()
	if err != nil || ipn != "http://127.0.0.1:3000/ipn" || webhook != "http://127.0.0.1:3000/bankhub/events" {
		t.Errorf("targets: %q %q %v", ipn, webhook, err)
	}
	var out, errb bytes.Buffer
	code := Execute([]string{"listen", "--ipn-key", "k", "--forward-to", "http://127.0.0.1:3000", "--addr", "127.0.0.1:65536"}, strings.NewReader(""), &out, &errb)
	if code != exitError || strings.Count(errb.String(), "--forward-to is deprecated: it appends /ipn or /webhook to the URL; give --forward-ipn-to URL and --forward-webhook-to URL") != 1 {
		t.Errorf("--forward-to: exit %d, stderr %q", code, errb.String())
	}
}

func TestReconcileListsWhatIPNMissed(t *testing.T) {
	c := newCLI(t, bankhubtest.WithDeliveryRetries(0, 0))
	company := c.fake.AddCompany(bankhubtest.CompanyParams{})
	account, _ := c.fake.AddBankAccount(company, bankhubtest.LinkParams{})
	var got []string
	var mu sync.Mutex
	shop := httptest.NewServer(bankhub.NewIPNHandler("shop-key", func(_ context.Context, n *bankhub.IPN) error {
		mu.Lock()
		got = append(got, n.Content)
		mu.Unlock()
		return nil
	}))
	defer shop.Close()
	c.fake.SetIPN(shop.URL, "shop-key")
	c.fake.SimulateTransfer(context.Background(), bankhubtest.TransferParams{BankAccountXID: account, Amount: 100_000, Content: "DH000001"})
	c.fake.SetIPN("http://127.0.0.1:1/down", "shop-key")
	c.fake.SimulateTransfer(context.Background(), bankhubtest.TransferParams{BankAccountXID: account, Amount: 200_000, Content: "DH000002"})
	c.fake.SimulateTransfer(context.Background(), bankhubtest.TransferParams{BankAccountXID: account, Amount: 300_000, Content: "DH000003"})

	stdout, stderr, code := c.run("", "reconcile", "--forward-ipn-to", shop.URL, "--ipn-key", "shop-key")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "DH000002") || !strings.Contains(stdout, "DH000003") || strings.Contains(stdout, "DH000001") ||
		!strings.Contains(stdout, "200 OK") || !strings.Contains(stdout, "2 of the last 24h missed by IPN") ||
		!regexp.MustCompile(`\bin +200,000 VND`).MatchString(stdout) || strings.Contains(stdout, "credit") { // in/out, as transactions list prints them
		t.Errorf("reconcile printed:\n%s", stdout)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(got, ",") != "DH000001,DH000003,DH000002" {
		t.Errorf("the shop received %v: the IPN, then the two it missed", got)
	}
}

// Notifications arriving at once print whole lines, one each.
func TestListenPrintsConcurrentNotificationsWhole(t *testing.T) {
	var out, errb bytes.Buffer
	o := &listenOptions{IO: &ioStreams{Out: &out, ErrOut: &errb}, WebhookSecret: "", IPNKey: "ipn-k", ForwardTo: ""}
	h := listenHandler(o)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := `{"transfer_type":"credit","amount":1000,"content":"c","transaction_id":"tx-` + itoa(i) + `"}`
			req, err := bankhub.NewIPNTestRequest("/ipn", "ipn-k", []byte(body))
			if err != nil {
				t.Error(err)
				return
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 20 {
		t.Fatalf("%d lines, want 20:\n%s", len(lines), out.String())
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "ipn  tx-") || !strings.HasSuffix(l, "  c") {
			t.Errorf("line %q is not one whole notification", l)
		}
	}
}
