package bankhub

// WebhookService reads and sets the event-webhook configuration.
type WebhookService service
