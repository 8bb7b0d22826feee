package bankhubtest

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"
)

// Deliveries: the webhook events and IPNs the fake sends to the merchant,
// with SePay's retries, and the log of them.

type deliveryConfig struct {
	client  *http.Client
	retries int
	base    time.Duration
}

// DeliveryKind tells a webhook event from an IPN.
type DeliveryKind string

// The kinds of delivery.
const (
	DeliveryEvent DeliveryKind = "event"
	DeliveryIPN   DeliveryKind = "ipn"
)

// Delivery is one webhook event or IPN the server sent (or tried to).
type Delivery struct {
	Kind DeliveryKind
	URL  string
	// Name is the event name, or the transaction id for an IPN.
	Name string
	Body []byte
	// Attempts is how many times the server tried (retries happen only
	// when the connection fails, as SePay does).
	Attempts int
	// Status is the merchant's answer, 0 if none came.
	Status int
	// Err is the last connection error, nil when an answer came.
	Err error
}

// Deliveries returns the latest deliveries (up to the log size), in order.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return lastN(s.deliveries, s.logSize)
}

type eventPayload struct {
	name string
	body []byte
}

// recordEvent appends an event to a link token and returns its webhook
// payload. Call with s.mu held.
func (s *Server) recordEvent(lt *linkToken, name string, meta eventMetadata) eventPayload {
	now := s.now()
	ev := linkEvent{xid: newXID(), name: name, metadata: meta, createdAt: now}
	lt.events = append(lt.events, ev)
	body, _ := json.Marshal(event{Timestamp: now.Unix(), XID: ev.xid, Version: "1.0", Event: name, Metadata: meta})
	return eventPayload{name: name, body: body}
}

// deliverEvents posts events to the webhook, if one is configured, active
// and subscribed to them. Call without s.mu held.
func (s *Server) deliverEvents(ctx context.Context, hook *webhookConfig, events []eventPayload) {
	for _, ev := range events {
		if !hook.wants(ev.name) {
			continue
		}
		s.deliver(ctx, Delivery{Kind: DeliveryEvent, URL: hook.url, Name: ev.name, Body: ev.body}, "X-Secret-Key", hook.secret)
	}
}

// deliver posts one notification, retrying only when the connection fails.
func (s *Server) deliver(ctx context.Context, d Delivery, header, value string) Delivery {
	ctx = ctxOrBackground(ctx)
	prev, wait := time.Duration(0), s.delivery.base
	for attempt := 0; attempt <= s.delivery.retries; attempt++ {
		if attempt > 0 {
			time.Sleep(wait)
			prev, wait = wait, prev+wait // Fibonacci, like SePay's minutes
		}
		d.Attempts++
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
		if err != nil {
			d.Err = err
			break
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "bankhubtest-delivery/1.0")
		req.Header.Set(header, value)
		resp, err := s.delivery.client.Do(req)
		if err != nil {
			d.Err = err
			continue
		}
		resp.Body.Close()
		d.Status, d.Err = resp.StatusCode, nil
		break
	}
	s.mu.Lock()
	s.deliveries = bounded(append(s.deliveries, d), s.logSize)
	s.mu.Unlock()
	if s.logger != nil {
		attrs := []slog.Attr{slog.String("kind", string(d.Kind)), slog.String("url", d.URL), slog.String("name", d.Name),
			slog.Int("status", d.Status), slog.Int("attempts", d.Attempts)}
		if d.Err != nil {
			attrs = append(attrs, slog.String("error", d.Err.Error()))
		}
		s.logger.LogAttrs(ctx, slog.LevelInfo, "delivery", attrs...)
	}
	return d
}
