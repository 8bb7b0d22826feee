package bankhubtest

// Event-webhook configuration: get, set.

import (
	"net/http"
	"net/url"

	"github.com/bankhub-go/bankhub"
)

func webhookEnvelope(status int, msg string, data *webhookJSON) webhookBody {
	return webhookBody{Status: status, Messages: webhookMessages{Success: []string{msg}, Error: []string{}}, Data: data}
}

func (s *Server) webhookGet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var data *webhookJSON
	if s.webhook != nil {
		data = s.webhook.json(true)
	}
	writeJSON(w, http.StatusOK, webhookEnvelope(200, "OK", data))
}

func (s *Server) webhookSet(w http.ResponseWriter, r *http.Request) {
	var in struct {
		WebhookURL  string    `json:"webhook_url"`
		AuthType    string    `json:"auth_type"`
		SecretKey   string    `json:"secret_key"`
		Active      *int      `json:"active"`
		AllowEvents *[]string `json:"allow_events"`
	}
	if !decodeJSONBody(w, r, &in) {
		return
	}
	fail := func(msg string) {
		writeJSON(w, http.StatusBadRequest, webhookBody{Status: 400, Error: msg,
			Messages: webhookMessages{Success: []string{}, Error: []string{msg}}})
	}
	u, err := url.Parse(in.WebhookURL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		fail("webhook_url is invalid")
		return
	case in.AuthType != "" && in.AuthType != "SECRET_KEY":
		fail("auth_type is invalid")
		return
	case in.Active != nil && *in.Active != 0 && *in.Active != 1:
		fail("active is invalid")
		return
	}
	cfg := &webhookConfig{url: in.WebhookURL, authType: "SECRET_KEY", secret: in.SecretKey, active: 1, events: []string{}}
	if in.Active != nil {
		cfg.active = *in.Active
	}
	if in.AllowEvents != nil {
		for _, e := range *in.AllowEvents {
			if e != "*" && !bankhub.EventType(e).Known() {
				fail("allow_events contains an invalid event: " + e)
				return
			}
		}
		cfg.events = append(cfg.events, *in.AllowEvents...)
	}
	var out *webhookJSON
	s.locked(func() {
		s.webhook = cfg
		out = cfg.json(false)
	})
	writeJSON(w, http.StatusOK, webhookEnvelope(200, "Cập nhật webhook thành công", out))
}
