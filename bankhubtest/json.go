package bankhubtest

// The JSON the fake writes, one type per shape of the API. Field order is
// the docs' order where they print one; types are what the docs show (the
// API sends flags as "1"/"0" strings in some places and 1/0 numbers in
// others, and the fake does the same).

// Envelopes.
type (
	// codeMessage is {code, message}: most errors and the answers of writes.
	codeMessage struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	// validationBody is a 400 with its field errors (null when none).
	validationBody struct {
		Code    int               `json:"code"`
		Message string            `json:"message"`
		Errors  map[string]string `json:"errors"`
	}
	// shapedNotFound is the {code, message, status, error} 404 some
	// endpoints answer.
	shapedNotFound struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  int    `json:"status"`
		Error   string `json:"error"`
	}
	tokenBody struct {
		Code        int    `json:"code"`
		AccessToken string `json:"access_token"`
		TTL         int    `json:"ttl"`
	}
	dataBody[T any] struct {
		Data T `json:"data"`
	}
	// created is {code, message, data}: the answer of a create.
	created[T any] struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Data    T      `json:"data"`
	}
	listBody[T, M any] struct {
		Data []T `json:"data"`
		Meta M   `json:"meta"`
	}
	// listMeta is the meta of the company and bank-account lists.
	listMeta struct {
		PerPage     int  `json:"per_page"`
		Total       int  `json:"total"`
		HasMore     bool `json:"has_more"`
		CurrentPage int  `json:"current_page"`
		PageCount   int  `json:"page_count"`
	}
	// transactionMeta is the meta of the transaction list.
	transactionMeta struct {
		Page       int `json:"page"`
		PerPage    int `json:"per_page"`
		Total      int `json:"total"`
		TotalPages int `json:"total_pages"`
	}
	// webhookBody is the {status, error, messages, data} envelope of
	// /v1/webhook.
	webhookBody struct {
		Status   int             `json:"status"`
		Error    string          `json:"error"`
		Messages webhookMessages `json:"messages"`
		Data     *webhookJSON    `json:"data"`
	}
	webhookMessages struct {
		Success []string `json:"success"`
		Error   []string `json:"error"`
	}
)

// Resources.
type (
	companyJSON struct {
		XID           string             `json:"xid"`
		FullName      string             `json:"full_name"`
		Status        string             `json:"status"`
		Active        string             `json:"active"`
		Configuration *configurationJSON `json:"configuration,omitempty"`
		CreatedAt     string             `json:"created_at"`
		UpdatedAt     string             `json:"updated_at"`
	}
	configurationJSON struct {
		PaymentCode                    string `json:"payment_code"`
		PaymentCodePrefix              string `json:"payment_code_prefix"`
		PaymentCodeSuffixFrom          int    `json:"payment_code_suffix_from"`
		PaymentCodeSuffixTo            int    `json:"payment_code_suffix_to"`
		PaymentCodeSuffixCharacterType string `json:"payment_code_suffix_character_type"`
		DataStorageTime                string `json:"data_storage_time"`
		TransactionAmount              string `json:"transaction_amount"`
	}
	companyCreatedJSON struct {
		XID      string `json:"xid"`
		FullName string `json:"full_name"`
	}
	counterJSON struct {
		Dates []counterDayJSON `json:"dates"`
		Total counts           `json:"total"`
	}
	counterDayJSON struct {
		CompanyID int    `json:"company_id,omitempty"` // the merchant counter's only, an integer id
		Date      string `json:"date"`
		counts
	}
	counts struct {
		Transaction    int `json:"transaction"`
		TransactionIn  int `json:"transaction_in"`
		TransactionOut int `json:"transaction_out"`
	}

	// bankAccountJSON is a bank account as List (AccountType) or Get
	// (IdentificationNumber, PhoneNumber, VAList) renders it.
	bankAccountJSON struct {
		XID                  string  `json:"xid"`
		CompanyXID           string  `json:"company_xid"`
		BrandName            string  `json:"brand_name"`
		AccountHolderName    string  `json:"account_holder_name"`
		AccountNumber        string  `json:"account_number"`
		AccountType          string  `json:"account_type,omitempty"`
		Accumulated          string  `json:"accumulated"`
		BankAPIConnected     string  `json:"bank_api_connected"`
		Active               string  `json:"active"`
		LastTransaction      string  `json:"last_transaction"`
		IdentificationNumber *string `json:"identification_number,omitempty"`
		PhoneNumber          *string `json:"phone_number,omitempty"`
		CreatedAt            string  `json:"created_at"`
		UpdatedAt            string  `json:"updated_at"`
		VAList               *[]any  `json:"va_list,omitempty"`
	}

	transactionJSON struct {
		TransactionID      string `json:"transaction_id"`
		TransactionDate    string `json:"transaction_date"`
		BankAccountXID     string `json:"bank_account_xid"`
		CompanyXID         string `json:"company_xid"`
		BrandName          string `json:"brand_name"`
		AccountNumber      string `json:"account_number"`
		VA                 string `json:"va"`
		VAXID              string `json:"va_xid"`
		ReferenceNumber    string `json:"reference_number"`
		TransferType       string `json:"transfer_type"`
		Amount             int64  `json:"amount"`
		TransactionContent string `json:"transaction_content"`
		PaymentCode        string `json:"payment_code"`
		WebhookSuccess     int    `json:"webhook_success"`
	}
	simulatedJSON struct {
		TransactionID   string `json:"transaction_id"`
		ReferenceNumber string `json:"reference_number"`
		TransactionDate string `json:"transaction_date"`
		Amount          int64  `json:"amount"`
		TransferType    string `json:"transfer_type"`
		Accumulated     int    `json:"accumulated"`
	}

	linkTokenCreatedJSON struct {
		XID           string `json:"xid"`
		HostedLinkURL string `json:"hosted_link_url"`
		LinkToken     string `json:"link_token"`
		ExpiresAt     string `json:"expires_at"`
	}
	linkTokenJSON struct {
		XID                   string              `json:"xid"`
		Purpose               string              `json:"purpose"`
		Status                string              `json:"status"`
		CompletionRedirectURI string              `json:"completion_redirect_uri"`
		IsMobileApp           int                 `json:"is_mobile_app"`
		Language              string              `json:"language"`
		SessionCount          int                 `json:"session_count"`
		CreatedAt             string              `json:"created_at"`
		UpdatedAt             string              `json:"updated_at"`
		ExpiresAt             string              `json:"expires_at"`
		Company               linkTokenCompany    `json:"company"`
		Sessions              []linkSessionJSON   `json:"sessions"`
		Events                []linkTokenEventRow `json:"events"`
	}
	linkTokenCompany struct {
		FullName string `json:"full_name"`
		Status   string `json:"status"`
		XID      string `json:"xid"`
	}
	linkSessionJSON struct {
		XID        string `json:"xid"`
		Context    any    `json:"context"`
		State      string `json:"state"`
		Status     string `json:"status"`
		Result     any    `json:"result"`
		FinishedAt string `json:"finished_at"`
		ExpiresAt  string `json:"expires_at"`
		CreatedAt  string `json:"created_at"`
		UpdatedAt  string `json:"updated_at"`
	}
	linkTokenEventRow struct {
		XID       string        `json:"xid"`
		Name      string        `json:"name"`
		Metadata  eventMetadata `json:"metadata"`
		CreatedAt string        `json:"created_at"`
	}

	merchantConfigJSON struct {
		Keywords []string `json:"transaction_whitelist_remark_keywords"`
		CSS      string   `json:"global_hosted_link_custom_css"`
		LogoURL  string   `json:"logo_url"`
	}
	logoJSON struct {
		LogoURL string `json:"logo_url"`
	}

	webhookJSON struct {
		WebhookURL         string   `json:"webhook_url"`
		AuthType           string   `json:"auth_type"`
		SecretKey          string   `json:"secret_key"`
		RequestContentType string   `json:"request_content_type"`
		Active             int      `json:"active"`
		AllowEvents        []string `json:"allow_events"`
	}
)

// Notifications.
type (
	// event is a webhook event's body.
	event struct {
		Timestamp int64         `json:"timestamp"`
		XID       string        `json:"xid"`
		Version   string        `json:"version"`
		Event     string        `json:"event"`
		Metadata  eventMetadata `json:"metadata"`
	}
	// eventMetadata is the metadata of every event: the link token and
	// session ids (null when the event has none), then what the event's
	// family carries.
	eventMetadata struct {
		Purpose           string  `json:"purpose,omitempty"`
		LinkTokenXID      *string `json:"link_token_xid"`
		LinkSessionXID    *string `json:"link_session_xid"`
		State             string  `json:"state,omitempty"`
		BankAccountXID    string  `json:"bank_account_xid,omitempty"`
		BrandName         string  `json:"brand_name,omitempty"`
		AccountType       string  `json:"account_type,omitempty"`
		AccountNumber     string  `json:"account_number,omitempty"`
		AccountHolderName string  `json:"account_holder_name,omitempty"`
		Unlinked          bool    `json:"unlinked,omitempty"`
	}
	// ipnJSON is an IPN's body; va and payment_code are null when empty.
	ipnJSON struct {
		Gateway         string  `json:"gateway"`
		TransactionDate string  `json:"transaction_date"`
		AccountNumber   string  `json:"account_number"`
		BankAccountXID  string  `json:"bank_account_xid"`
		VA              *string `json:"va"`
		PaymentCode     *string `json:"payment_code"`
		Content         string  `json:"content"`
		TransferType    string  `json:"transfer_type"`
		Amount          int64   `json:"amount"`
		ReferenceCode   string  `json:"reference_code"`
		Accumulated     int     `json:"accumulated"`
		TransactionID   string  `json:"transaction_id"`
	}
)

// add counts a transaction, incoming or outgoing; Transaction counts it
// when total is true.
func (c *counts) add(in, total bool) {
	if total {
		c.Transaction++
	}
	if in {
		c.TransactionIn++
	} else {
		c.TransactionOut++
	}
}

func (c *counts) sum(o counts) {
	c.Transaction += o.Transaction
	c.TransactionIn += o.TransactionIn
	c.TransactionOut += o.TransactionOut
}

// inState is m with State set.
func (m eventMetadata) inState(state string) eventMetadata {
	m.State = state
	return m
}

// orNull is s, or nil (JSON null) when s is empty.
func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
