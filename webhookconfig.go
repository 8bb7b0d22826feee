package bankhub

import (
	"context"
	"net/url"
)

// WebhookService reads and sets the event-webhook configuration: where Bank
// Hub sends link-lifecycle events (see ParseEvent and NewWebhookHandler).
// Balance-change notifications (IPN) are configured with SePay, not here.
type WebhookService service

// WebhookConfig is the event-webhook configuration.
type WebhookConfig struct {
	WebhookURL string          `json:"webhook_url"`
	AuthType   WebhookAuthType `json:"auth_type"`
	// SecretKey is masked ("***5678") by Get and in full in the answer of Set.
	SecretKey          string `json:"secret_key"`
	RequestContentType string `json:"request_content_type"`
	Active             bool   `json:"active"`
	// AllowEvents is the subscribed events; ["*"] means all of them.
	AllowEvents []EventType `json:"allow_events"`
}

// WebhookConfigParams is the configuration Webhooks.Set writes. There is one
// webhook per merchant: Set creates it or replaces it whole.
type WebhookConfigParams struct {
	// WebhookURL is where events are sent: an absolute URL, https in
	// production; the API refuses internal and private addresses. Required.
	WebhookURL string
	// AuthType defaults to WebhookAuthSecretKey.
	AuthType WebhookAuthType
	// SecretKey is sent back in the X-Secret-Key header of each event; give
	// the same value to NewWebhookHandler. Required, since a webhook without
	// a secret cannot be verified.
	SecretKey string
	// Active enables (default) or disables delivery.
	Active *bool
	// AllowEvents lists the events to send; nil means every event (["*"]),
	// an empty non-nil slice none. Names must be among AllEvents() or EventAll.
	AllowEvents []EventType
}

type webhookConfigBody struct {
	WebhookURL  string          `json:"webhook_url"`
	AuthType    WebhookAuthType `json:"auth_type"`
	SecretKey   string          `json:"secret_key"`
	Active      int             `json:"active"`
	AllowEvents []EventType     `json:"allow_events"`
}

func (p *WebhookConfigParams) encode(op string) (*call, error) {
	if p == nil {
		return nil, paramErr(op, "", "params are required")
	}
	u, err := url.Parse(p.WebhookURL)
	if p.WebhookURL == "" {
		return nil, paramErr(op, "webhook_url", "required")
	}
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, paramErr(op, "webhook_url", "must be an absolute http(s) URL")
	}
	if p.SecretKey == "" {
		return nil, paramErr(op, "secret_key", "required")
	}
	b := &webhookConfigBody{
		WebhookURL:  p.WebhookURL,
		AuthType:    p.AuthType,
		SecretKey:   p.SecretKey,
		Active:      1,
		AllowEvents: p.AllowEvents,
	}
	if b.AuthType == "" {
		b.AuthType = WebhookAuthSecretKey
	}
	if p.Active != nil && !*p.Active {
		b.Active = 0
	}
	if b.AllowEvents == nil {
		b.AllowEvents = []EventType{EventAll}
	}
	for _, e := range b.AllowEvents {
		if e != EventAll && !e.Known() {
			return nil, paramErr(op, "allow_events", "unknown event "+quoteShort(string(e)))
		}
	}
	return &call{in: b, secrets: []string{p.SecretKey}}, nil
}

// webhookEnvelope is the {status, error, messages, data} answer of /v1/webhook.
type webhookEnvelope struct {
	Data *WebhookConfig `json:"data"`
}

// webhookSetEnvelope is the answer of Set, which must carry the config.
type webhookSetEnvelope struct{ webhookEnvelope }

func (e *webhookSetEnvelope) check() error {
	if e.Data == nil {
		return errNoData
	}
	return nil
}

var (
	webhookGetEndpoint = &endpoint{name: "Webhooks.Get", method: "GET", pattern: "/v1/webhook", class: classSafe}
	webhookSetEndpoint = &endpoint{name: "Webhooks.Set", method: "POST", pattern: "/v1/webhook", class: classIdempotent}
)

// Get returns the event-webhook configuration, or nil and no error when none
// is configured. The secret comes back masked.
//
// API: GET /v1/webhook (https://developer.sepay.vn/en/bankhub/api/api-webhook/thong-tin-webhook)
func (s *WebhookService) Get(ctx context.Context) (*WebhookConfig, error) {
	var out webhookEnvelope
	if err := s.client.do(ctx, webhookGetEndpoint, &call{out: &out}); err != nil {
		return nil, err
	}
	return out.Data, nil
}

// Set creates or replaces the event-webhook configuration and returns it,
// with the secret in full.
//
// API: POST /v1/webhook (https://developer.sepay.vn/en/bankhub/api/api-webhook/cap-nhat-webhook)
func (s *WebhookService) Set(ctx context.Context, params *WebhookConfigParams) (*WebhookConfig, error) {
	r, err := params.encode(webhookSetEndpoint.name)
	if err != nil {
		return nil, err
	}
	var out webhookSetEnvelope
	r.out = &out
	if err := s.client.do(ctx, webhookSetEndpoint, r); err != nil {
		return nil, err
	}
	return out.Data, nil
}
