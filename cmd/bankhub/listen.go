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
	"strings"
	"sync"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/spf13/cobra"
)

type listenOptions struct {
	IO *ioStreams

	Addr, WebhookSecret, IPNKey, ForwardTo string
	// forwards are the forwards in flight, waited for on shutdown.
	forwards sync.WaitGroup
}

func newListenCmd(f *factory, run func(context.Context, *listenOptions) error) *cobra.Command {
	o := &listenOptions{IO: f.IO}
	cmd := &cobra.Command{Use: "listen", Short: "Serve the webhook and IPN endpoints locally and print each verified notification",
		Long: `listen serves POST /webhook (events, verified with --webhook-secret) and POST /ipn (IPN,
verified with --ipn-key) on --addr, with the SDK's handlers, and prints each verified
notification. With --forward-to URL, each is also sent on to URL + its path, body and headers
as they came (for your local server behind a tunnel).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runFunc(run, listenRun)(cmd.Context(), o)
		}}
	fl := cmd.Flags()
	fl.StringVar(&o.Addr, "addr", "127.0.0.1:4242", "listen address")
	fl.StringVar(&o.WebhookSecret, "webhook-secret", "", "the webhook's secret_key")
	fl.StringVar(&o.IPNKey, "ipn-key", "", "the IPN API key SePay issued")
	fl.StringVar(&o.ForwardTo, "forward-to", "", "also send each notification on to this base URL")
	return cmd
}

// listenRun serves until ctx is cancelled (Ctrl-C), then waits for the
// forwards in flight.
func listenRun(ctx context.Context, o *listenOptions) error {
	if o.WebhookSecret == "" && o.IPNKey == "" {
		return usageErr("give --webhook-secret, --ipn-key or both")
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
	forward := o.ForwardTo
	// The forward carries the notification's own headers (the secret or the
	// key included, for the local app to verify): forwardClient sends it to
	// the target given and nowhere else.
	client := forwardClient()
	relay := func(path string, header http.Header, body []byte) {
		req, err := http.NewRequest(http.MethodPost, strings.TrimRight(forward, "/")+path, bytes.NewReader(body))
		if err != nil {
			errOut.line("forward: %v", err)
			return
		}
		req.Header = header
		resp, err := client.Do(req)
		if err != nil {
			errOut.line("forward %s: %v", path, err)
			return
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			errOut.line("forwarded %s → %s (a redirect, not followed)", path, resp.Status)
			return
		}
		errOut.line("forwarded %s → %s", path, resp.Status)
	}
	// keep reads the body for forwarding and hands the handler a copy. SePay
	// is answered first (it waits 8 seconds): the forward happens after.
	keep := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(http.MaxBytesReader(w, r.Body, bankhub.DefaultMaxBodySize))
			r.Body = io.NopCloser(bytes.NewReader(body))
			rec := &statusRecorder{ResponseWriter: w}
			h.ServeHTTP(rec, r)
			if rec.status == http.StatusOK && forward != "" {
				o.forwards.Add(1)
				go func(path string, header http.Header) {
					defer o.forwards.Done()
					relay(path, header, body)
				}(r.URL.Path, r.Header.Clone())
			}
		})
	}
	// The handlers' log lines and the forwards' lines share one lock: both
	// write to stderr, from the request's goroutine and the forward's.
	logger := slog.New(slog.NewTextHandler(errOut, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if o.WebhookSecret != "" {
		mux.Handle("POST /webhook", keep(bankhub.NewWebhookHandler(o.WebhookSecret, func(_ context.Context, ev *bankhub.Event) error {
			t := &table{header: []string{"EVENT", "XID", "TIME (UTC+7)"}, single: true}
			t.add(ev, string(ev.Type), ev.XID, ev.Timestamp.In(bankhub.VietnamZone()).Format(timeLayout))
			return out.print(o.IO, t)
		}, bankhub.WithHandlerLogger(logger))))
	}
	if o.IPNKey != "" {
		mux.Handle("POST /ipn", keep(bankhub.NewIPNHandler(o.IPNKey, func(_ context.Context, n *bankhub.IPN) error {
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
