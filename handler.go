package bankhub

import (
	"bytes"
	"container/list"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// ErrUnverified is matched by every error VerifyWebhook and VerifyIPN return.
var ErrUnverified = errors.New("bankhub: notification not verified")

// DefaultMaxBodySize is the body limit of the notification handlers.
const DefaultMaxBodySize = 1 << 20

// DedupeStore remembers which notifications were handled, so that a
// redelivery is acknowledged without running the handler's function again.
// Keys are "event:<xid>" and "ipn:<transaction_id>".
//
// Claim must be atomic: of several concurrent claims of one key, exactly one
// returns true. A delivery that finds the key claimed (handled, or being
// handled right now) is acknowledged. When the function fails, the handler
// calls Release so that the next delivery is processed.
type DedupeStore interface {
	Claim(ctx context.Context, key string) (claimed bool, err error)
	Release(ctx context.Context, key string) error
}

// HandlerOption configures NewWebhookHandler and NewIPNHandler.
type HandlerOption func(*handlerConfig)

type handlerConfig struct {
	maxBody int64
	dedupe  DedupeStore
	logger  *slog.Logger
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

// WithDedupe makes the handler skip notifications already handled, using
// store (NewMemoryDedupe for one process; a shared store such as the
// redisstore module's for several replicas).
func WithDedupe(store DedupeStore) HandlerOption {
	return func(c *handlerConfig) { c.dedupe = store }
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
	h := &handler[T]{kind: kind, verify: verify, parse: parse, key: key, fn: fn, cfg: handlerConfig{maxBody: DefaultMaxBodySize}}
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
		h.answer(w, http.StatusMethodNotAllowed, nackBody)
		return
	}
	ctx := r.Context()
	if err := h.verify(r.Header); err != nil {
		h.log(ctx, slog.LevelWarn, "rejected", err)
		h.answer(w, http.StatusUnauthorized, nackBody)
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
			h.answer(w, http.StatusRequestEntityTooLarge, nackBody)
			return
		}
		h.log(ctx, slog.LevelWarn, "reading body", err)
		h.answer(w, http.StatusBadRequest, nackBody)
		return
	}
	n, err := h.parse(buf.Bytes())
	if err != nil {
		h.log(ctx, slog.LevelWarn, "bad payload", err)
		h.answer(w, http.StatusBadRequest, nackBody)
		return
	}
	key := h.key(n)
	if h.cfg.dedupe != nil {
		claimed, err := h.cfg.dedupe.Claim(ctx, key)
		if err != nil {
			h.log(ctx, slog.LevelError, "dedupe store", err)
			h.answer(w, http.StatusInternalServerError, nackBody)
			return
		}
		if !claimed {
			h.log(ctx, slog.LevelDebug, "duplicate acknowledged", nil, slog.String("key", key))
			h.answer(w, http.StatusOK, ackBody)
			return
		}
	}
	if err := h.call(ctx, n, key); err != nil {
		h.log(ctx, slog.LevelError, "handler function failed", err, slog.String("key", key))
		h.answer(w, http.StatusInternalServerError, nackBody)
		return
	}
	h.answer(w, http.StatusOK, ackBody)
}

// call runs the user's function. If it fails or panics, the dedupe claim is
// released so that a redelivery is processed.
func (h *handler[T]) call(ctx context.Context, n *T, key string) (err error) {
	done := false
	defer func() {
		if !done || err != nil {
			if h.cfg.dedupe != nil {
				// The request may be over; release on a context of our own.
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				if rerr := h.cfg.dedupe.Release(rctx, key); rerr != nil {
					h.log(ctx, slog.LevelError, "dedupe release", rerr, slog.String("key", key))
				}
				cancel()
			}
		}
	}()
	err = h.fn(ctx, n)
	done = true
	return err
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

// MemoryDedupe is an in-process DedupeStore bounded in size and age: it keeps
// at most maxKeys keys, each for at most ttl, evicting the oldest first.
type MemoryDedupe struct {
	mu      sync.Mutex
	maxKeys int
	ttl     time.Duration
	now     func() time.Time
	order   *list.List // of *dedupeEntry, oldest first
	keys    map[string]*list.Element
}

type dedupeEntry struct {
	key string
	at  time.Time
}

// NewMemoryDedupe returns a MemoryDedupe. SePay redelivers for up to 5 hours,
// so a ttl of 24 hours and room for a day's notifications is a safe choice.
// maxKeys <= 0 means 100,000; ttl <= 0 means 24 hours.
func NewMemoryDedupe(maxKeys int, ttl time.Duration) *MemoryDedupe {
	if maxKeys <= 0 {
		maxKeys = 100_000
	}
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	return &MemoryDedupe{maxKeys: maxKeys, ttl: ttl, now: time.Now, order: list.New(), keys: map[string]*list.Element{}}
}

// Claim implements DedupeStore.
func (m *MemoryDedupe) Claim(_ context.Context, key string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	for e := m.order.Front(); e != nil; e = m.order.Front() {
		ent := e.Value.(*dedupeEntry)
		if now.Sub(ent.at) < m.ttl && m.order.Len() < m.maxKeys {
			break
		}
		m.order.Remove(e)
		delete(m.keys, ent.key)
	}
	if _, ok := m.keys[key]; ok {
		return false, nil
	}
	m.keys[key] = m.order.PushBack(&dedupeEntry{key: key, at: now})
	return true, nil
}

// Release implements DedupeStore.
func (m *MemoryDedupe) Release(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.keys[key]; ok {
		m.order.Remove(e)
		delete(m.keys, key)
	}
	return nil
}

// Len returns the number of keys held.
func (m *MemoryDedupe) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.order.Len()
}
