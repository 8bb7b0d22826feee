package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/spf13/cobra"
)

type listenOptions struct {
	IO *ioStreams

	Addr, WebhookSecret, IPNKey string
	// ForwardIPNTo and ForwardWebhookTo are the full URLs each kind is sent
	// on to, as given. ForwardTo is the deprecated base URL: its kind's path
	// (/ipn, /webhook) is appended, for each kind not given its own URL.
	ForwardIPNTo, ForwardWebhookTo, ForwardTo string
	// forwards are the forwards in flight, waited for on shutdown.
	forwards sync.WaitGroup
}

func newListenCmd(f *factory, run func(context.Context, *listenOptions) error) *cobra.Command {
	o := &listenOptions{IO: f.IO}
	cmd := &cobra.Command{Use: "listen", Short: "Serve the webhook and IPN endpoints locally and print each verified notification",
		Long: `listen serves POST /webhook (events, verified with --webhook-secret) and POST /ipn (IPN,
verified with --ipn-key) on --addr, with the SDK's handlers, and prints each verified
notification. With --forward-ipn-to URL and --forward-webhook-to URL, each kind is also sent
on to its URL exactly as given (the Stripe CLI's --forward-to), body and headers as they came,
after SePay was answered; a redirect is not followed. Each forward is logged with the URL it
went to and the answer.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runFunc(run, listenRun)(cmd.Context(), o)
		}}
	fl := cmd.Flags()
	fl.StringVar(&o.Addr, "addr", "127.0.0.1:4242", "listen address")
	fl.StringVar(&o.WebhookSecret, "webhook-secret", "", "the webhook's secret_key")
	fl.StringVar(&o.IPNKey, "ipn-key", "", "the IPN API key SePay issued")
	fl.StringVar(&o.ForwardIPNTo, "forward-ipn-to", "", "also send each IPN on to this URL, as given")
	fl.StringVar(&o.ForwardWebhookTo, "forward-webhook-to", "", "also send each webhook event on to this URL, as given")
	fl.StringVar(&o.ForwardTo, "forward-to", "", "a base URL: /ipn and /webhook are appended")
	fl.MarkDeprecated("forward-to", forwardToDeprecated) // hidden from help; listenRun says it (cobra's own note is not printed)
	return cmd
}

const forwardToDeprecated = "it appends /ipn or /webhook to the URL; give --forward-ipn-to URL and --forward-webhook-to URL, used as given"

// targets resolves where each kind is forwarded: its own flag, else the
// deprecated base URL plus the kind's path. Each URL must be absolute
// http(s), checked before anything is served.
func (o *listenOptions) targets() (ipn, webhook string, err error) {
	ipn, webhook = o.ForwardIPNTo, o.ForwardWebhookTo
	if base := strings.TrimRight(o.ForwardTo, "/"); base != "" {
		if ipn == "" {
			ipn = base + "/ipn"
		}
		if webhook == "" {
			webhook = base + "/webhook"
		}
	}
	for _, t := range []struct{ flag, url, needs, given string }{
		{"--forward-ipn-to", ipn, "--ipn-key", o.IPNKey},
		{"--forward-webhook-to", webhook, "--webhook-secret", o.WebhookSecret},
	} {
		if t.url == "" {
			continue
		}
		if err := checkForwardURL(t.url); err != nil {
			return "", "", usageErr("%s: %v", t.flag, err)
		}
		if t.given == "" && o.ForwardTo == "" {
			return "", "", usageErr("%s needs %s: only verified notifications are forwarded", t.flag, t.needs)
		}
	}
	return ipn, webhook, nil
}

// checkForwardURL accepts an absolute http or https URL with a host.
func checkForwardURL(raw string) error {
	const want = "want an http:// or https:// URL, e.g. http://127.0.0.1:8080/bankhub/ipn"
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New(want) // not repeated: it may hold a password
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s, got %q", want, u.Redacted())
	}
	return nil
}

// listenRun serves until ctx is cancelled (Ctrl-C), then waits for the
// forwards in flight.
func listenRun(ctx context.Context, o *listenOptions) error {
	if o.WebhookSecret == "" && o.IPNKey == "" {
		return usageErr("give --webhook-secret, --ipn-key or both")
	}
	if _, _, err := o.targets(); err != nil {
		return err
	}
	if o.ForwardTo != "" {
		fmt.Fprintln(o.IO.ErrOut, "bankhub: --forward-to is deprecated: "+forwardToDeprecated)
	}
	l, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return &codedError{code: exitError, err: err}
	}
	fmt.Fprintf(o.IO.ErrOut, "listening on http://%s (POST /webhook, POST /ipn); Ctrl-C to stop\n", l.Addr())
	return serveListen(ctx, l, o)
}

// listenHandler is what listen serves; a separate function so that tests
// can drive it with the SDK's test requests.
func listenHandler(o *listenOptions) http.Handler {
	mux := http.NewServeMux()
	out := &syncWriter{w: o.IO.Out}
	errOut := &syncWriter{w: o.IO.ErrOut}
	ipnTo, webhookTo, _ := o.targets() // checked by listenRun
	// The forward carries the notification's own headers (the secret or the
	// key included, for the local app to verify): forwardClient sends it to
	// the target given and nowhere else. The log names the target (its
	// user:password, if any, redacted) and the answer.
	client := forwardClient()
	relay := func(kind, to string, header http.Header, body []byte) {
		shown := to
		if u, err := url.Parse(to); err == nil {
			shown = u.Redacted()
		}
		req, err := http.NewRequest(http.MethodPost, to, bytes.NewReader(body))
		if err != nil {
			errOut.line("forward %s to %s: %v", kind, shown, err)
			return
		}
		req.Header = header
		resp, err := client.Do(req)
		if err != nil {
			errOut.line("forward %s to %s: %v", kind, shown, forwardError(err))
			return
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			errOut.line("forwarded %s to %s → %s (a redirect, not followed)", kind, shown, resp.Status)
			return
		}
		errOut.line("forwarded %s to %s → %s", kind, shown, resp.Status)
	}
	// keep reads the body for forwarding and hands the handler a copy. SePay
	// is answered first (it waits 8 seconds): the forward happens after.
	keep := func(kind, to string, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(http.MaxBytesReader(w, r.Body, bankhub.DefaultMaxBodySize))
			r.Body = io.NopCloser(bytes.NewReader(body))
			rec := &statusRecorder{ResponseWriter: w}
			h.ServeHTTP(rec, r)
			if rec.status == http.StatusOK && to != "" {
				o.forwards.Add(1)
				go func(header http.Header) {
					defer o.forwards.Done()
					relay(kind, to, header, body)
				}(r.Header.Clone())
			}
		})
	}
	// The handlers' log lines and the forwards' lines share one lock: both
	// write to stderr, from the request's goroutine and the forward's.
	logger := slog.New(slog.NewTextHandler(errOut, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if o.WebhookSecret != "" {
		mux.Handle("POST /webhook", keep("webhook", webhookTo, bankhub.NewWebhookHandler(o.WebhookSecret, func(_ context.Context, ev *bankhub.Event) error {
			t := &table{header: []string{"EVENT", "XID", "TIME (UTC+7)"}, single: true}
			t.add(ev, string(ev.Type), ev.XID, ev.Timestamp.In(bankhub.VietnamZone()).Format(timeLayout))
			return out.print(o.IO, t)
		}, bankhub.WithHandlerLogger(logger))))
	}
	if o.IPNKey != "" {
		mux.Handle("POST /ipn", keep("ipn", ipnTo, bankhub.NewIPNHandler(o.IPNKey, func(_ context.Context, n *bankhub.IPN) error {
			t := &table{header: []string{"IPN", "TRANSACTION ID", "TYPE", "AMOUNT", "PAYMENT CODE", "CONTENT"}, single: true}
			t.add(n, "ipn", n.TransactionID, showDirection(n.TransferType), showVND(n.Amount), n.PaymentCode, n.Content)
			return out.print(o.IO, t)
		}, bankhub.WithHandlerLogger(logger))))
	}
	return mux
}

func serveListen(ctx context.Context, l net.Listener, o *listenOptions) error {
	srv := &http.Server{Handler: listenHandler(o), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	o.forwards.Wait()
	return nil
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) { r.status = code; r.ResponseWriter.WriteHeader(code) }

// syncWriter serialises the lines of concurrent notifications.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// Write writes p whole, under the same lock as line and print.
func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// line writes one line, its text escaped for the terminal.
func (s *syncWriter) line(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintln(s.w, terminalSafe(fmt.Sprintf(format, args...)))
}

// forwardTimeout bounds one forward of listen and one replay of reconcile
// (a variable for the tests).
var forwardTimeout = 10 * time.Second

// forwardClient sends listen's forwards and reconcile's replays: to the URL
// given and nowhere else (a redirect is not followed: a forward carries the
// notification's secret or key), within forwardTimeout.
func forwardClient() *http.Client {
	return &http.Client{Timeout: forwardTimeout, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// print writes one notification: a line for people, or a JSON line.
func (s *syncWriter) print(io *ioStreams, t *table) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if io.forPeople() {
		fmt.Fprintln(s.w, joinCells(t.rows[0], "  "))
		return nil
	}
	return (&ioStreams{Out: s.w, Format: "jsonl"}).print(t)
}

// forwardError is a forward's failure without the method and URL that
// net/http puts in front (the log line names the URL already).
func forwardError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Errorf("no answer within %s", forwardTimeout)
		}
		return ue.Err
	}
	return err
}
