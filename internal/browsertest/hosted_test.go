package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
)

// parentPage embeds the hosted link in an iframe, as a merchant's frontend
// does, and records every message the iframe posts.
const parentPage = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Shop checkout</title>
<style>body{font-family:sans-serif;margin:0;background:#fafafa} h2{margin:12px 16px;font-size:16px}
iframe{width:480px;height:560px;border:1px solid #ccc;margin:0 16px;background:#fff}</style></head>
<body><h2>Shop: link your bank account</h2>
<iframe id="bankhub" src="%s" allow="clipboard-write"></iframe>
<script>
window.received = [];
window.addEventListener("message", function (e) { window.received.push({origin: e.origin, data: e.data}); });
</script></body></html>`

// donePage is the completion_redirect_uri: it tells the parent it loaded.
const donePage = `<!DOCTYPE html><html><body><p id="done">Back at the shop.</p>
<script>parent.redirectedTo = location.pathname + location.search;</script></body></html>`

type message struct {
	Origin string `json:"origin"`
	Data   struct {
		Event     string            `json:"event"`
		Metadata  map[string]string `json:"metadata"`
		Timestamp string            `json:"timestamp"`
	} `json:"data"`
}

func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no Chromium under CI: .ci/run installs Debian's chromium package")
	}
	t.Skip("no Chromium: install Debian's chromium package (or set CHROMIUM) to run the browser tests")
	return ""
}

// browser starts headless Chromium for one test.
func browser(t *testing.T) context.Context {
	t.Helper()
	exe := chromium(t)
	// Chromium may still write to its profile as it exits, so the folder is
	// removed after it has (not by t.TempDir, which fails on that).
	profile, err := os.MkdirTemp("", "bankhub-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(560, 660),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		for range 20 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx
}

// shopServer serves the merchant's checkout page embedding the hosted link
// (set with embed), and the completion redirect target, on one origin.
type shopServer struct {
	*httptest.Server
	mu     sync.Mutex
	hosted string
}

func (s *shopServer) embed(hostedURL string) {
	s.mu.Lock()
	s.hosted = hostedURL
	s.mu.Unlock()
}

func shop(t *testing.T, hostedURL string) *shopServer {
	t.Helper()
	s := &shopServer{hosted: hostedURL}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /checkout", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, parentPage, s.hosted)
	})
	mux.HandleFunc("GET /done", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, donePage)
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// frame returns the hosted page's document inside the iframe.
func frame(ctx context.Context) (*cdp.Node, error) {
	var nodes []*cdp.Node
	if err := chromedp.Run(ctx, chromedp.Nodes("#bankhub", &nodes, chromedp.ByQuery)); err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if err := chromedp.Run(ctx, chromedp.Nodes("#bankhub", &nodes, chromedp.ByQuery, chromedp.Populate(1, true))); err != nil {
			return nil, err
		}
		if doc := nodes[0].ContentDocument; doc != nil {
			return doc, nil
		}
	}
	return nil, fmt.Errorf("the iframe never loaded")
}

// in runs actions against elements of the iframe's document.
func in(doc *cdp.Node) chromedp.QueryOption { return chromedp.FromNode(doc) }

func received(ctx context.Context) ([]message, error) {
	var raw string
	if err := chromedp.Run(ctx, chromedp.Evaluate(`JSON.stringify(window.received)`, &raw)); err != nil {
		return nil, err
	}
	var out []message
	return out, json.Unmarshal([]byte(raw), &out)
}

// screenshot saves the page as name.png under BANKHUB_SCREENSHOTS, or in a
// temporary folder (so that the step is exercised either way).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("BANKHUB_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	var png []byte
	if err := chromedp.Run(ctx, chromedp.CaptureScreenshot(&png)); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if len(png) < 1000 {
		t.Fatalf("screenshot %s: %d bytes", name, len(png))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// hookEvents receives the fake's webhook events.
type hookEvents struct {
	mu    sync.Mutex
	names []string
}

func (h *hookEvents) list() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.names...)
}

func newHook(t *testing.T, fake *bankhubtest.Server) *hookEvents {
	h := &hookEvents{}
	srv := httptest.NewServer(bankhub.NewWebhookHandler("whsec-browser", func(_ context.Context, ev *bankhub.Event) error {
		h.mu.Lock()
		h.names = append(h.names, string(ev.Type))
		h.mu.Unlock()
		return nil
	}))
	t.Cleanup(srv.Close)
	fake.SetWebhook(srv.URL, "whsec-browser")
	return h
}

func TestLinkInABrowser(t *testing.T) {
	ctx := browser(t)
	fake := bankhubtest.NewTestServer(t)
	hook := newHook(t, fake)
	client := fake.Client()
	company := fake.AddCompany(bankhubtest.CompanyParams{FullName: "Cửa hàng Minh An"})
	parent := shop(t, "")
	link, err := client.LinkTokens.Create(context.Background(), &bankhub.LinkTokenCreateParams{
		CompanyXID: company, Purpose: bankhub.PurposeLinkBankAccount, Language: bankhub.LanguageEnglish,
		CompletionRedirectURI: parent.URL + "/done?order=DH123456"})
	if err != nil {
		t.Fatal(err)
	}
	parent.embed(link.HostedLinkURL)
	if err := chromedp.Run(ctx, chromedp.Navigate(parent.URL+"/checkout")); err != nil {
		t.Fatal(err)
	}
	doc, err := frame(ctx)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name    string
		actions []chromedp.Action
	}{
		{"1-choose-bank", []chromedp.Action{chromedp.WaitVisible(`#step-bank`, chromedp.ByQuery, in(doc))}},
		{"2-account", []chromedp.Action{
			chromedp.Click(`button[data-bank="MBBank"]`, chromedp.ByQuery, in(doc)),
			chromedp.WaitVisible(`#account`, chromedp.ByQuery, in(doc)),
			chromedp.SendKeys(`#account`, "0123456789", chromedp.ByQuery, in(doc)),
		}},
		{"3-otp", []chromedp.Action{
			chromedp.Click(`#account-next`, chromedp.ByQuery, in(doc)),
			chromedp.WaitVisible(`#otp`, chromedp.ByQuery, in(doc)),
		}},
		{"4-wrong-otp", []chromedp.Action{
			chromedp.SendKeys(`#otp`, "00000000", chromedp.ByQuery, in(doc)),
			chromedp.Click(`#otp-confirm`, chromedp.ByQuery, in(doc)),
			waitText(doc, "#otp-error", "The OTP is incorrect"),
		}},
	}
	for _, st := range steps {
		if err := chromedp.Run(ctx, st.actions...); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		screenshot(t, ctx, "link-"+st.name)
	}
	if n := fake.Stats().BankAccounts; n != 0 {
		t.Fatalf("a wrong OTP linked %d accounts", n)
	}
	var box string
	if err := chromedp.Run(ctx, chromedp.Text(`#account-box`, &box, chromedp.ByQuery, in(doc))); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(box, "NGUYEN VAN A") {
		t.Errorf("the OTP step shows %q, want the account holder", box)
	}

	// The right OTP: linked, the parent is told, the frame goes to the
	// completion URI.
	err = chromedp.Run(ctx,
		chromedp.SendKeys(`#otp`, "12345678", chromedp.ByQuery, in(doc)),
		chromedp.Click(`#otp-confirm`, chromedp.ByQuery, in(doc)),
		chromedp.WaitVisible(`#step-done`, chromedp.ByQuery, in(doc)),
	)
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "link-5-done")
	var redirected string
	if err := chromedp.Run(ctx, chromedp.Poll(`window.redirectedTo`, &redirected, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("no redirect to completion_redirect_uri: %v", err)
	}
	if redirected != "/done?order=DH123456" {
		t.Errorf("redirected to %q", redirected)
	}
	msgs, err := received(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Data.Event != "FINISHED_BANK_ACCOUNT_LINK" ||
		msgs[0].Data.Metadata["account_number"] != "0123456789" || msgs[0].Data.Metadata["account_type"] != "individual" ||
		msgs[0].Data.Timestamp == "" || msgs[0].Origin != fake.URL {
		t.Errorf("parent received %+v, want one FINISHED_BANK_ACCOUNT_LINK from %s", msgs, fake.URL)
	}
	accounts, err := client.BankAccounts.List(context.Background(), &bankhub.BankAccountListParams{CompanyXID: company})
	if err != nil || len(accounts.Data) != 1 || accounts.Data[0].AccountNumber != "0123456789" {
		t.Fatalf("after the page: accounts %+v, %v", accounts, err)
	}
	want := []string{"LINK_TOKEN_CREATED", "LINK_SESSION_INITIALIZED", "LINK_SESSION_STATE_CHANGED", "LINK_SESSION_STATE_CHANGED",
		"LINK_SESSION_STATE_CHANGED", "BANK_ACCOUNT_LINKED", "LINK_SESSION_COMPLETED"}
	if got := hook.list(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("webhook events %v, want %v", got, want)
	}
}

func TestUnlinkCloseAndExpiryInABrowser(t *testing.T) {
	ctx := browser(t)
	fake := bankhubtest.NewTestServer(t)
	hook := newHook(t, fake)
	client := fake.Client()
	company := fake.AddCompany(bankhubtest.CompanyParams{})
	account, err := fake.AddBankAccount(company, bankhubtest.LinkParams{BrandName: "ACB", AccountNumber: "4567890123", AccountHolderName: "BUI VAN G"})
	if err != nil {
		t.Fatal(err)
	}
	unlink, err := client.LinkTokens.Create(context.Background(), &bankhub.LinkTokenCreateParams{
		CompanyXID: company, Purpose: bankhub.PurposeUnlinkBankAccount, BankAccountXID: account})
	if err != nil {
		t.Fatal(err)
	}
	parent := shop(t, unlink.HostedLinkURL)
	if err := chromedp.Run(ctx, chromedp.Navigate(parent.URL+"/checkout")); err != nil {
		t.Fatal(err)
	}
	doc, err := frame(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Run(ctx, chromedp.WaitVisible(`#otp`, chromedp.ByQuery, in(doc))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "unlink-1-otp")
	err = chromedp.Run(ctx,
		chromedp.SendKeys(`#otp`, "456789", chromedp.ByQuery, in(doc)),
		chromedp.Click(`#otp-confirm`, chromedp.ByQuery, in(doc)),
		chromedp.WaitVisible(`#step-done`, chromedp.ByQuery, in(doc)),
		chromedp.Click(`#close`, chromedp.ByQuery, in(doc)),
	)
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "unlink-2-done")
	msgs := waitMessages(t, ctx, 2)
	if msgs[0].Data.Event != "FINISHED_BANK_ACCOUNT_UNLINK" || msgs[0].Data.Metadata["account_number"] != "4567890123" ||
		msgs[1].Data.Event != "BANKHUB_CLOSE_LINK" {
		t.Errorf("parent received %+v", msgs)
	}
	if n := fake.Stats().BankAccounts; n != 0 {
		t.Errorf("%d accounts still linked", n)
	}
	if got := hook.list(); !contains(got, "BANK_ACCOUNT_UNLINKED") || !contains(got, "LINK_SESSION_COMPLETED") {
		t.Errorf("webhook events %v", got)
	}

	// An expired token: the page says so and tells the parent.
	link, err := client.LinkTokens.Create(context.Background(), &bankhub.LinkTokenCreateParams{CompanyXID: company, Purpose: bankhub.PurposeLinkBankAccount})
	if err != nil {
		t.Fatal(err)
	}
	fake.Advance(2 * time.Hour)
	expired := shop(t, link.HostedLinkURL)
	if err := chromedp.Run(ctx, chromedp.Navigate(expired.URL+"/checkout")); err != nil {
		t.Fatal(err)
	}
	if doc, err = frame(ctx); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Run(ctx, chromedp.WaitVisible(`#step-unusable`, chromedp.ByQuery, in(doc))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "expired")
	msgs = waitMessages(t, ctx, 1)
	if msgs[0].Data.Event != "BANKHUB_TOKEN_EXPIRED" {
		t.Errorf("parent received %+v, want BANKHUB_TOKEN_EXPIRED", msgs)
	}
}

func waitText(doc *cdp.Node, sel, want string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var got string
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if err := chromedp.Run(ctx, chromedp.Text(sel, &got, chromedp.ByQuery, in(doc))); err != nil {
				return err
			}
			if strings.Contains(got, want) {
				return nil
			}
		}
		return fmt.Errorf("%s says %q, want %q", sel, got, want)
	})
}

func waitMessages(t *testing.T, ctx context.Context, n int) []message {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		msgs, err := received(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) >= n {
			return msgs
		}
	}
	msgs, _ := received(ctx)
	t.Fatalf("parent received %d messages, want %d: %+v", len(msgs), n, msgs)
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
