package main

// The commands without a process: each test builds a command's options
// itself (a client on a fake, buffers for the streams) and calls its run
// function, or builds the command with a run function of its own to see
// what the flags filled in.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
	"golang.org/x/oauth2"
)

// onFake is a client on a new fake, as a command's Client function.
func onFake(t *testing.T) (*bankhubtest.Server, func() (*bankhub.Client, error)) {
	t.Helper()
	fake := bankhubtest.NewTestServer(t)
	c := fake.Client(bankhub.WithRetryPolicy(bankhub.NoRetry))
	return fake, func() (*bankhub.Client, error) { return c, nil }
}

// refuse is a Confirm that says no and records what it was asked.
func refuse(asked *[]string) func(string) error {
	return func(what string) error {
		*asked = append(*asked, what)
		return &codedError{code: exitAborted, err: errors.New("aborted")}
	}
}

func TestCompaniesListRunPrintsWhatTheAPIHas(t *testing.T) {
	fake, client := onFake(t)
	fake.AddCompany(bankhubtest.CompanyParams{FullName: "Pending Co", Status: bankhub.CompanyPending})
	var out bytes.Buffer
	o := &companiesListOptions{IO: &ioStreams{Out: &out, ErrOut: &bytes.Buffer{}, Format: "json"}, Client: client,
		Params: bankhub.CompanyListParams{Status: bankhub.CompanyPending}, All: true}
	if err := companiesListRun(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	var got []bankhub.Company
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, out.Bytes())
	}
	if len(got) != 1 || got[0].FullName != "Pending Co" || got[0].Status != bankhub.CompanyPending {
		t.Errorf("got %+v, want the one pending company", got)
	}
}

// The command's context reaches the SDK call: cancelled, nothing is sent.
func TestRunUsesTheCommandsContext(t *testing.T) {
	fake, client := onFake(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	before := fake.Count(bankhubtest.OpTransactionList)
	err := transactionsListRun(ctx, &transactionsListOptions{IO: &ioStreams{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}, Client: client})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if n := fake.Count(bankhubtest.OpTransactionList) - before; n != 0 {
		t.Errorf("%d list requests sent on a cancelled context", n)
	}
}

// The flags fill the options: only the ones given are sent by update, and
// a bad value stops the command before its run function.
func TestFlagsFillOptions(t *testing.T) {
	f := newApp(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}).factory()
	var got *companiesUpdateOptions
	cmd := newCompaniesUpdateCmd(f, func(_ context.Context, o *companiesUpdateOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"co-1", "--full-name", "ABC", "--transaction-amount", "unlimited", "--payment-code-suffix-from", "6"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	p := got.Params
	if got.XID != "co-1" || p.FullName == nil || *p.FullName != "ABC" || p.TransactionAmount == nil || !p.TransactionAmount.Unlimited ||
		p.PaymentCodeSuffixFrom == nil || *p.PaymentCodeSuffixFrom != 6 {
		t.Errorf("options %+v", got)
	}
	if p.ShortName != nil || p.Status != nil || p.PaymentCode != nil || p.PaymentCodePrefix != nil || p.PaymentCodeSuffixTo != nil || p.PaymentCodeSuffixCharacterType != nil {
		t.Errorf("flags not given are set: %+v", p)
	}

	var listed *transactionsListOptions
	list := newTransactionsListCmd(f, func(_ context.Context, o *transactionsListOptions) error { listed = o; return nil })
	list.SetArgs([]string{"--start-transaction-date", "2026-01-02", "--webhook-success", "0", "--transfer-type", "in", "--all", "-q", "DH1"})
	if err := list.Execute(); err != nil {
		t.Fatal(err)
	}
	lp := listed.Params
	if lp.StartTransactionDate.String() != "2026-01-02" || lp.WebhookSuccess == nil || *lp.WebhookSuccess || lp.TransferType != bankhub.TransferIn ||
		!listed.All || lp.Query != "DH1" || !lp.EndTransactionDate.IsZero() {
		t.Errorf("options %+v", listed)
	}

	ran := false
	bad := newTransactionsListCmd(f, func(context.Context, *transactionsListOptions) error { ran = true; return nil })
	bad.SetArgs([]string{"--webhook-success", "maybe"})
	bad.SilenceErrors, bad.SilenceUsage = true, true
	if err := bad.Execute(); exitCode(err) != exitUsage || ran {
		t.Errorf("bad flag: err %v (exit %d), run called %v", err, exitCode(err), ran)
	}
}

// A write asks first; refused, nothing is sent.
func TestWriteRunsAskBeforeSending(t *testing.T) {
	fake, client := onFake(t)
	var asked []string
	before := fake.Count(bankhubtest.OpWebhookSet)
	err := webhooksSetRun(context.Background(), &webhooksSetOptions{IO: &ioStreams{Out: &bytes.Buffer{}}, Client: client, Confirm: refuse(&asked),
		Params: bankhub.WebhookConfigParams{WebhookURL: "https://shop.example.vn/hook", SecretKey: "whsec-never-sent-1234"}})
	if exitCode(err) != exitAborted {
		t.Errorf("err %v, want aborted", err)
	}
	if len(asked) != 1 || asked[0] != "set the webhook" {
		t.Errorf("asked %q", asked)
	}
	if n := fake.Count(bankhubtest.OpWebhookSet) - before; n != 0 {
		t.Errorf("%d requests sent after the refusal", n)
	}
}

// webhooks set, run directly: the secret it sent is masked in its output.
func TestWebhooksSetRunMasksTheSecret(t *testing.T) {
	_, client := onFake(t)
	for _, format := range []string{"table", "json", "csv"} {
		var out bytes.Buffer
		err := webhooksSetRun(context.Background(), &webhooksSetOptions{IO: &ioStreams{Out: &out, Format: format}, Client: client,
			Confirm: func(string) error { return nil },
			Params:  bankhub.WebhookConfigParams{WebhookURL: "https://shop.example.vn/hook", SecretKey: "whsec-abcdefgh-9876"}})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out.String(), "whsec-abcdefgh") || !strings.Contains(out.String(), "***9876") {
			t.Errorf("%s: %s", format, out.String())
		}
	}
}

// revoke takes the token's value as well as its xid.
func TestLinkTokensRevokeRunTakesTheValue(t *testing.T) {
	fake, client := onFake(t)
	c, _ := client()
	co := fake.AddCompany(bankhubtest.CompanyParams{FullName: "Revoke Co"})
	lt, err := c.LinkTokens.Create(context.Background(), &bankhub.LinkTokenCreateParams{CompanyXID: co, Purpose: bankhub.PurposeLinkBankAccount})
	if err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	o := &linkTokensRevokeOptions{IO: &ioStreams{ErrOut: &errb}, Client: client, Confirm: func(string) error { return nil }, Token: lt.LinkToken}
	if err := linkTokensRevokeRun(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if errb.String() != "revoked link token "+lt.XID+"\n" {
		t.Errorf("stderr %q", errb.String())
	}
	got, err := c.LinkTokens.Get(context.Background(), lt.LinkToken)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "Revoked" { // the fake's word; the API documents Active only
		t.Errorf("status after revoke: %q, want Revoked", got.Status)
	}
}

// fake transfer sends only the flags given, and prints the answer's fields.
func TestFakeControlRunSendsTheFlagsGiven(t *testing.T) {
	var sent map[string]any
	var out bytes.Buffer
	o := &fakeControlOptions{IO: &ioStreams{Out: &out},
		Control: func(_ context.Context, path string, body map[string]any) (map[string]any, error) {
			if path != "transfer" {
				t.Errorf("path %q", path)
			}
			sent = body
			return map[string]any{"transaction_id": "tx-1", "amount": float64(500000), "webhook_success": true}, nil
		}}
	cmd := newFakeTransferCmd(&factory{IO: o.IO, Control: o.Control}, nil)
	cmd.SetArgs([]string{"--bank-account-xid", "ba-1", "--amount", "500000", "--content", "DH123456"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"bank_account_xid": "ba-1", "amount": int64(500000), "content": "DH123456", "transfer_type": "in"}
	if len(sent) != len(want) {
		t.Errorf("sent %v, want %v", sent, want)
	}
	for k, v := range want {
		if sent[k] != v {
			t.Errorf("sent %s = %v, want %v", k, sent[k], v)
		}
	}
	if !strings.Contains(out.String(), "tx-1") || !strings.Contains(out.String(), "500,000 VND") || !strings.Contains(out.String(), "yes") {
		t.Errorf("printed %q", out.String())
	}
}

// login saves credentials the check accepted, and nothing else.
func TestLoginRunSavesOnlyAcceptedCredentials(t *testing.T) {
	path := filepath.Join(t.TempDir(), "profiles.json")
	var checked []string
	o := &loginOptions{IO: &ioStreams{In: strings.NewReader("id-1\nsecret-refused\n"), ErrOut: &bytes.Buffer{}}, ProfilePath: path,
		Profile: "shop", Env: "sandbox",
		Check: func(_ context.Context, env, id, secret string) (string, error) {
			checked = append(checked, env+" "+id)
			if secret != "secret-good" {
				return bankhub.SandboxURL, bankhub.ErrUnauthorized
			}
			return bankhub.SandboxURL, nil
		}}
	err := loginRun(context.Background(), o)
	if !errors.Is(err, bankhub.ErrUnauthorized) || strings.Contains(err.Error(), "secret-refused") {
		t.Errorf("refused: err %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a profile file was written for refused credentials: %v", err)
	}
	o.IO.In = strings.NewReader("id-1\nsecret-good\n")
	if err := loginRun(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("profile file: %v, mode %v", err, st)
	}
	profiles, err := readProfiles(path)
	if err != nil {
		t.Fatal(err)
	}
	if p := profiles["shop"]; p != (profileEntry{Env: "sandbox", ClientID: "id-1", ClientSecret: "secret-good"}) || len(profiles) != 1 {
		t.Errorf("profiles %+v", profiles)
	}
	if len(checked) != 2 || checked[0] != "sandbox id-1" {
		t.Errorf("checked %q", checked)
	}
}

// create reads the company back; when that fails, its note on stderr is
// escaped for the terminal: the xid and the error come from the server.
func TestCompaniesCreateRunEscapesTheReadBackNote(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			io.WriteString(w, `{"code":201,"message":"ok","data":{"xid":"c1\u001b]52;c;aGk=\u0007","full_name":"ABC"}}`)
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"code":500,"message":"down\u001b[2J"}`)
	}))
	defer srv.Close()
	c, err := bankhub.NewClient("", "", bankhub.WithBaseURL(srv.URL), bankhub.WithRetryPolicy(bankhub.NoRetry),
		bankhub.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "t"})))
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	o := &companiesCreateOptions{IO: &ioStreams{Out: &out, ErrOut: &errb}, Client: func() (*bankhub.Client, error) { return c, nil },
		Confirm: func(string) error { return nil }, Params: bankhub.CompanyCreateParams{FullName: "ABC", Status: bankhub.CompanyActive}}
	if err := companiesCreateRun(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(errb.String()+out.String(), "\x1b\x07") || !strings.Contains(errb.String(), "reading it back failed") {
		t.Errorf("stderr %q, stdout %q", errb.String(), out.String())
	}
}

// The summary line sums by direction as the SDK reads it: in and credit (any
// case) are money in, out and debit money out, and a direction that is
// neither is counted apart, in neither sum. It was "everything but the exact
// string out is income": 500,000 in plus 500,000 debit printed net
// 1,000,000 VND.
func TestTransactionsListSumsByDirection(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		row := func(id, dir string, amount int) string {
			return `{"transaction_id":"` + id + `","transaction_date":"2026-01-13 20:55:04","bank_account_xid":"b1","brand_name":"MBBank",` +
				`"account_number":"0123","transfer_type":"` + dir + `","amount":` + itoa(amount) + `,"transaction_content":"c","payment_code":"","webhook_success":1}`
		}
		io.WriteString(w, `{"data":[`+row("t1", "in", 500_000)+`,`+row("t2", "debit", 500_000)+`,`+row("t3", "CREDIT", 70_000)+`,`+
			row("t4", " Out ", 20_000)+`,`+row("t5", "sideways", 9_000_000)+`],"meta":{"page":1,"per_page":20,"total":5,"total_pages":1}}`)
	}))
	defer srv.Close()
	c, err := bankhub.NewClient("", "", bankhub.WithBaseURL(srv.URL), bankhub.WithRetryPolicy(bankhub.NoRetry),
		bankhub.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "t"})))
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	o := &transactionsListOptions{IO: &ioStreams{Out: &out, ErrOut: &errb}, Client: func() (*bankhub.Client, error) { return c, nil }}
	if err := transactionsListRun(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := "5 transactions: in 570,000 VND, out 520,000 VND, net 50,000 VND (1 of unknown direction, in neither)"
	if got := lines[len(lines)-1]; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	for i, dir := range []string{"in", "out", "in", "out", "sideways"} {
		if f := strings.Fields(lines[i+1]); len(f) < 4 || f[3] != dir {
			t.Errorf("row %d: %q, want direction %q", i+1, lines[i+1], dir)
		}
	}
}
