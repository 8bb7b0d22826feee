package bankhub

// A notification, top to bottom. NewWebhookHandler (webhook.go) and
// NewIPNHandler (ipn.go) make a handler[T] with their verify, parse and key
// functions; ServeHTTP below checks the method, verifies the sender, reads
// the body (bounded), parses it and hands it to runDeduped (dedupe.go),
// which claims its key (EventDedupeKey, IPNDedupeKey) in the DedupeStore,
// runs the merchant's function and records the outcome; answers turns the
// outcome into the status SePay sees. The Reconciler (reconcile.go) hands
// the transactions whose IPN was missed to the same runDeduped, under the
// same keys.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"
)

// ErrUnverified is matched by every error VerifyWebhook and VerifyIPN return.
var ErrUnverified = errors.New("bankhub: notification not verified")

// DefaultMaxBodySize is the body limit of the notification handlers.
const DefaultMaxBodySize = 1 << 20

// HandlerOption configures NewWebhookHandler and NewIPNHandler. In every
// option that takes a size or a duration, here and in the Reconciler's,
// zero (or a negative value) keeps the default.
type HandlerOption func(*handlerConfig)

type handlerConfig struct {
	maxBody int64
	dedupe  dedupeRunner
	logger  *slog.Logger
	stats   *HandlerStats
}

// WithMaxBodySize sets the largest body accepted (DefaultMaxBodySize by
// default); a larger one is answered 413. n <= 0 keeps the default.
func WithMaxBodySize(n int64) HandlerOption {
	return func(c *handlerConfig) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// WithDedupe makes each notification reach the function once, using store
// (NewMemoryDedupe for one process; the redisstore module's for several
// replicas; the same store as the Reconciler's). A notification already done
// is answered 200 without calling the function. One being handled elsewhere
// right now is waited for (WithDedupeWait): 200 once it is done, 409 if it is
// still in progress when the wait ends, and processed here if the other
// attempt failed or its process died (its lease lapsed). A failed or
// panicking function frees the key, so the next delivery, or the
// reconciler, processes it.
func WithDedupe(store DedupeStore) HandlerOption {
	return func(c *handlerConfig) { c.dedupe.store = store }
}

// WithDedupeLease sets how long a claim lasts without renewal
// (DefaultDedupeLease). The handler renews it while the function runs; after
// a crash, the notification is processable again once it lapses.
func WithDedupeLease(d time.Duration) HandlerOption {
	return func(c *handlerConfig) {
		if d > 0 {
			c.dedupe.lease = d
		}
	}
}

// WithDedupeWait sets how long a delivery of a notification that is being
// handled elsewhere waits for the outcome (DefaultDedupeWait; keep it under
// SePay's 8 seconds), counted from the delivery's arrival: a claim that
// blocks on the holder's lock (sqlinbox) is part of the wait, not added
// to it. Zero or less keeps the default, as in every option;
// for an answer at once, give a wait as short as time.Millisecond.
func WithDedupeWait(d time.Duration) HandlerOption {
	return func(c *handlerConfig) {
		if d > 0 {
			c.dedupe.wait = d
		}
	}
}

// WithHandlerStats makes the handler count what it does into s.
func WithHandlerStats(s *HandlerStats) HandlerOption {
	return func(c *handlerConfig) { c.stats = s }
}

// HandlerStats counts the deliveries a handler answered, by outcome. Read the
// fields with Load; share one value between handlers to count them together.
type HandlerStats struct {
	// Handled: the function ran and returned nil (answered 200).
	Handled atomic.Int64
	// Duplicates: already done, acknowledged without calling the function.
	Duplicates atomic.Int64
	// Failed: the function failed or panicked (answered 500).
	Failed atomic.Int64
	// InProgress: still being handled elsewhere when the wait ended (409).
	InProgress atomic.Int64
	// StoreErrors: the dedupe store could not be asked (500).
	StoreErrors atomic.Int64
	// Rejected: wrong method, unverified, too large or unparsable.
	Rejected atomic.Int64
}

// WithHandlerLogger logs rejected deliveries (Warn), failed functions (Error)
// and duplicates (Debug). Secrets and bodies are never logged.
func WithHandlerLogger(l *slog.Logger) HandlerOption {
	return func(c *handlerConfig) { c.logger = l }
}

// handler serves one kind of notification.
type handler[T any] struct {
	kind   string
	verify func(http.Header) error
	parse  func([]byte) (*T, error)
	key    func(*T) string
	fn     func(context.Context, *T) error
	cfg    handlerConfig
}

func newHandler[T any](kind string, verify func(http.Header) error, parse func([]byte) (*T, error),
	key func(*T) string, fn func(context.Context, *T) error, opts []HandlerOption) http.Handler {
	h := &handler[T]{kind: kind, verify: verify, parse: parse, key: key, fn: fn, cfg: handlerConfig{maxBody: DefaultMaxBodySize,
		dedupe: dedupeRunner{lease: DefaultDedupeLease, wait: DefaultDedupeWait, timeout: DefaultDedupeTimeout}}}
	for _, opt := range opts {
		if opt != nil {
			opt(&h.cfg)
		}
	}
	if h.fn == nil {
		h.fn = func(context.Context, *T) error { return errors.New("bankhub: no handler function") }
	}
	return h
}

var (
	ackBody  = []byte(`{"success":true}` + "\n")
	nackBody = []byte(`{"success":false}` + "\n")
)

// ServeHTTP verifies, parses and hands one notification to the function.
func (h *handler[T]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.reject(w, http.StatusMethodNotAllowed)
		return
	}
	ctx := r.Context()
	if err := h.verify(r.Header); err != nil {
		h.log(ctx, slog.LevelWarn, "rejected", err)
		h.reject(w, http.StatusUnauthorized)
		return
	}
	buf := bufPool.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 {
			buf.Reset()
			bufPool.Put(buf)
		}
	}()
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, h.cfg.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.log(ctx, slog.LevelWarn, "body too large", nil)
			h.reject(w, http.StatusRequestEntityTooLarge)
			return
		}
		h.log(ctx, slog.LevelWarn, "reading body", err)
		h.reject(w, http.StatusBadRequest)
		return
	}
	n, err := h.parse(buf.Bytes())
	if err != nil {
		h.log(ctx, slog.LevelWarn, "bad payload", err)
		h.reject(w, http.StatusBadRequest)
		return
	}
	key := h.key(n)
	// The function keeps the request's values but not its cancellation:
	// SePay hangs up after 8 seconds, and a payment cut off halfway through
	// being recorded is worse than a late answer.
	result, err := runDeduped(context.WithoutCancel(ctx), &h.cfg.dedupe, key, h.fn, n)
	a := answers[result]
	if result == outcomeHandled && err != nil {
		a.level, a.msg = slog.LevelError, "handled, but the dedupe store did not record it"
	}
	if h.cfg.logger != nil { // the attributes would cost an allocation on every delivery
		h.log(ctx, a.level, a.msg, err, slog.String("key", key))
	}
	h.count(a.counter)
	body := nackBody
	if a.status == http.StatusOK {
		body = ackBody
	}
	h.answer(w, a.status, body)
}

// answers says, for each outcome, what is logged, counted and answered
// (an array: no map lookup on every delivery).
var answers = [...]struct {
	level   slog.Level
	msg     string
	counter func(*HandlerStats) *atomic.Int64
	status  int
}{
	outcomeHandled:    {slog.LevelDebug, "handled", func(s *HandlerStats) *atomic.Int64 { return &s.Handled }, http.StatusOK},
	outcomeDuplicate:  {slog.LevelDebug, "duplicate acknowledged", func(s *HandlerStats) *atomic.Int64 { return &s.Duplicates }, http.StatusOK},
	outcomeInProgress: {slog.LevelWarn, "still in progress elsewhere", func(s *HandlerStats) *atomic.Int64 { return &s.InProgress }, http.StatusConflict},
	outcomeStoreError: {slog.LevelError, "dedupe store", func(s *HandlerStats) *atomic.Int64 { return &s.StoreErrors }, http.StatusInternalServerError},
	outcomeFailed:     {slog.LevelError, "handler function failed", func(s *HandlerStats) *atomic.Int64 { return &s.Failed }, http.StatusInternalServerError},
}

// reject answers a delivery that never reached the function.
func (h *handler[T]) reject(w http.ResponseWriter, status int) {
	h.count(func(s *HandlerStats) *atomic.Int64 { return &s.Rejected })
	h.answer(w, status, nackBody)
}

func (h *handler[T]) count(field func(*HandlerStats) *atomic.Int64) {
	if h.cfg.stats != nil {
		field(h.cfg.stats).Add(1)
	}
}

func (h *handler[T]) answer(w http.ResponseWriter, status int, body []byte) {
	w.Header()["Content-Type"] = hdrJSON
	w.WriteHeader(status)
	w.Write(body)
}

func (h *handler[T]) log(ctx context.Context, level slog.Level, msg string, err error, attrs ...slog.Attr) {
	if h.cfg.logger == nil || !h.cfg.logger.Enabled(ctx, level) {
		return
	}
	attrs = append(attrs, slog.String("kind", h.kind))
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	h.cfg.logger.LogAttrs(ctx, level, "bankhub: "+h.kind+": "+msg, attrs...)
}

// Format keeps the configured secret out of every fmt verb.
func (h *handler[T]) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "bankhub.%sHandler{secret: [redacted]}", h.kind)
}

// secretEqual compares in constant time, whatever the lengths.
func secretEqual(got, want string) bool {
	a := sha256.Sum256([]byte(got))
	b := sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

func newTestRequest(target, header, value string, payload any) (*http.Request, error) {
	var body []byte
	switch p := payload.(type) {
	case []byte:
		body = p
	case string:
		body = []byte(p)
	default:
		var err error
		if body, err = json.Marshal(payload); err != nil {
			return nil, fmt.Errorf("bankhub: encoding test payload: %w", err)
		}
	}
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(header, value)
	return req, nil
}
