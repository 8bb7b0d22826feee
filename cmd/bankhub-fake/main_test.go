package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/bankhub-go/bankhub/bankhubtest"
)

// binary builds the command once per test run.
var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bankhub-fake-test")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "bankhub-fake")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = err
			t.Log(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("building bankhub-fake: %v", buildErr)
	}
	return binPath
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// fake runs the built binary and returns its base URL and the process.
type fakeProc struct {
	cmd    *exec.Cmd
	url    string
	stderr *syncBuffer
	stdout *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func startFake(t *testing.T, args ...string) *fakeProc {
	t.Helper()
	addr := freeAddr(t)
	p := &fakeProc{stderr: &syncBuffer{}, stdout: &syncBuffer{}}
	p.cmd = exec.Command(binary(t), append([]string{"-addr", addr}, args...)...)
	p.cmd.Stderr = p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
	sc := bufio.NewScanner(out)
	if !sc.Scan() {
		t.Fatalf("no banner; stderr: %s", p.stderr.String())
	}
	banner := sc.Text()
	p.stdout.Write([]byte(banner + "\n"))
	go func() {
		for sc.Scan() {
			p.stdout.Write([]byte(sc.Text() + "\n"))
		}
	}()
	fields := strings.Fields(banner) // fake Bank Hub on URL (...)
	p.url = fields[4]
	return p
}

// call is what curl does: method, URL, headers, a JSON body; it returns
// the status and the decoded JSON answer.
func call(t *testing.T, method, url, auth string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// A non-Go user, with plain HTTP only (what curl sends), takes a link from
// token to linked account to an IPN delivered to their receiver.
func TestWithoutGoTokenToLinkedAccountToIPN(t *testing.T) {
	t.Parallel()
	var ipnMu sync.Mutex
	var ipns []map[string]any
	var ipnAuth string
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		ipnMu.Lock()
		ipns, ipnAuth = append(ipns, m), r.Header.Get("Authorization")
		ipnMu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"success":true}`)
	}))
	defer receiver.Close()
	p := startFake(t, "-log", "json")
	u := p.url

	code, health := call(t, "GET", u+"/__control/health", "", nil)
	if code != 200 || health["status"] != "ok" {
		t.Fatalf("health: %d %v", code, health)
	}
	// The token: Basic base64(client_id:client_secret), empty body.
	code, tok := call(t, "POST", u+"/v1/token", "Basic YmFua2h1YnRlc3QtY2xpZW50OmJhbmtodWJ0ZXN0LXNlY3JldA==", nil)
	if code != 201 || tok["access_token"] == "" {
		t.Fatalf("token: %d %v", code, tok)
	}
	bearer := "Bearer " + tok["access_token"].(string)
	code, created := call(t, "POST", u+"/v1/company/create", bearer, map[string]any{"full_name": "Shop", "status": "Active"})
	if code != 201 {
		t.Fatalf("company: %d %v", code, created)
	}
	company := created["data"].(map[string]any)["xid"].(string)
	code, _ = call(t, "POST", u+"/v1/company/edit/"+company, bearer, map[string]any{"transaction_amount": "Unlimited"})
	if code != 200 {
		t.Fatalf("company edit: %d", code)
	}
	code, link := call(t, "POST", u+"/v1/link-token/create", bearer, map[string]any{"company_xid": company, "purpose": "LINK_BANK_ACCOUNT"})
	if code != 201 {
		t.Fatalf("link token: %d %v", code, link)
	}
	hosted := link["hosted_link_url"].(string)
	if !strings.HasPrefix(hosted, u+"/link/") {
		t.Errorf("hosted_link_url %q is not on %s", hosted, u)
	}
	// The user completes the hosted link: here through the control API,
	// with the id at the end of hosted_link_url.
	code, linked := call(t, "POST", u+"/__control/link", "", map[string]any{"link_token_xid": hosted[strings.LastIndex(hosted, "/")+1:]})
	if code != 200 {
		t.Fatalf("link: %d %v", code, linked)
	}
	account := linked["bank_account_xid"].(string)
	code, list := call(t, "GET", u+"/v1/bank-account", bearer, nil)
	if code != 200 || len(list["data"].([]any)) != 1 {
		t.Fatalf("accounts: %d %v", code, list)
	}
	code, _ = call(t, "POST", u+"/__control/ipn-target", "", map[string]any{"url": receiver.URL, "api_key": "key-123"})
	if code != 200 {
		t.Fatalf("ipn-target: %d", code)
	}
	code, tx := call(t, "POST", u+"/__control/transfer", "", map[string]any{"bank_account_xid": account, "amount": 500000,
		"content": "Thanh toan DH123456", "transfer_type": "in", "transaction_date": "2026-01-13 20:55:04", "reference_code": "FT26013"})
	if code != 200 {
		t.Fatalf("transfer: %d %v", code, tx)
	}
	if tx["payment_code"] != "" || tx["transaction_id"] == "" || tx["webhook_success"] != true {
		t.Errorf("transaction %v", tx)
	}
	ipnMu.Lock()
	if len(ipns) != 1 || ipnAuth != "Apikey key-123" || ipns[0]["amount"] != 500000.0 || ipns[0]["transfer_type"] != "credit" ||
		ipns[0]["reference_code"] != "FT26013" || ipns[0]["transaction_date"] != "2026-01-13 20:55:04" || ipns[0]["bank_account_xid"] != account {
		t.Errorf("receiver got %v with %q", ipns, ipnAuth)
	}
	ipnMu.Unlock()
	code, ds := call(t, "GET", u+"/__control/deliveries", "", nil)
	deliveries := ds["deliveries"].([]any)
	if code != 200 || len(deliveries) != 1 || deliveries[0].(map[string]any)["status"] != 200.0 || deliveries[0].(map[string]any)["kind"] != "ipn" {
		t.Errorf("deliveries: %d %v", code, ds)
	}
	code, bad := call(t, "POST", u+"/__control/transfer", "", map[string]any{"bank_account_xid": "nope", "amount": 1})
	if code != 404 || bad["error"] == nil {
		t.Errorf("unknown account: %d %v", code, bad)
	}

	// One log line per request and per delivery, JSON, no credential.
	logs := p.stderr.String()
	for _, want := range []string{`"msg":"request","method":"POST","path":"/v1/token","op":"POST /v1/token","status":201`,
		`"msg":"delivery","kind":"ipn"`, `"path":"/__control/transfer"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, tok["access_token"].(string)) || strings.Contains(logs, "key-123") {
		t.Error("a credential was logged")
	}
	addr := strings.TrimPrefix(u, "http://")
	if out, err := exec.Command(binary(t), "-check", "-addr", addr).CombinedOutput(); err != nil {
		t.Errorf("-check on a healthy fake: %v %s", err, out)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("SIGTERM: %v, want a clean exit", err)
	}
	if !strings.Contains(p.stdout.String(), "shutting down") {
		t.Errorf("stdout: %s", p.stdout.String())
	}
	if err := exec.Command(binary(t), "-check", "-addr", addr).Run(); err == nil {
		t.Error("-check passes on a stopped fake")
	}
}

func TestPublicURLAndWildcardAddress(t *testing.T) {
	t.Parallel()
	p := startFake(t, "-public-url", "http://bankhub-fake:8089/", "-seed")
	if p.url != "http://bankhub-fake:8089" {
		t.Errorf("URL %q, want the public URL", p.url)
	}
	port := freeAddr(t)[len("127.0.0.1:"):]
	cmd := exec.Command(binary(t), "-addr", "0.0.0.0:"+port, "-log", "off")
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	line, _ := bufio.NewReader(out).ReadString('\n')
	if !strings.Contains(line, "http://127.0.0.1:"+port+" ") {
		t.Errorf("bound to 0.0.0.0, it announces %q", line)
	}
}

func TestPortInUseIsOneLineAndExit1(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var stderr bytes.Buffer
	cmd := exec.Command(binary(t), "-addr", l.Addr().String())
	cmd.Stderr = &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit %v, want 1", err)
	}
	msg := stderr.String()
	if strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "address already in use") || strings.Contains(msg, "goroutine") {
		t.Errorf("stderr %q, want one line", msg)
	}
}

func TestHelpListsTheControlAPI(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if code := bankhubtest.RunCommand(context.Background(), "bankhub-fake", []string{"-h"}, &out, &out); code != 0 {
		t.Errorf("-h exits %d", code)
	}
	for _, want := range []string{"/__control/link", "/__control/transfer", "/__control/ipn-target", "/__control/reset", "curl --json", "-public-url"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("-h lacks %q", want)
		}
	}
	if code := bankhubtest.RunCommand(context.Background(), "bankhub-fake", []string{"-log", "yaml"}, &out, &out); code != 2 {
		t.Errorf("bad -log exits %d, want 2", code)
	}
}
