package bankhubtest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
)

// shape maps each path of a JSON value ("data.configuration.payment_code",
// "data[].xid") to its kind: string, number, bool, object, array or null.
// An array contributes its first element.
func shape(v any, path string, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		out[path] = "object"
		for k, e := range x {
			shape(e, strings.TrimPrefix(path+"."+k, "."), out)
		}
	case []any:
		out[path] = "array"
		if len(x) > 0 {
			shape(x[0], path+"[]", out)
		}
	case string:
		out[path] = "string"
	case float64:
		out[path] = "number"
	case bool:
		out[path] = "bool"
	case nil:
		out[path] = "null"
	}
}

func shapeOf(t *testing.T, body []byte) map[string]string {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(body, &v), "%s", body)
	out := map[string]string{}
	shape(v, "", out)
	return out
}

// sameShape checks that the fake's answer has every path of the docs'
// example with the same kind (null, in either, matches any kind), and no
// path the example lacks (below a null of the example, any).
func sameShape(t *testing.T, fixture string, got []byte) {
	t.Helper()
	docs, err := os.ReadFile(filepath.Join("..", "testdata", "docs", fixture))
	require.NoError(t, err)
	want, have := shapeOf(t, docs), shapeOf(t, got)
	for p, k := range want { // the IPN's example is a schema: "number" stands for a number
		if k == "string" && strings.Contains(string(docs), `"`+p[strings.LastIndex(p, ".")+1:]+`": "number"`) {
			want[p] = "number"
		}
	}
	for p, k := range want {
		h, ok := have[p]
		switch {
		case !ok && emptyArray(have, p):
			// the fake's array is empty: nothing to compare inside it
		case !ok:
			t.Errorf("%s: the fake's answer has no %q (%s)", fixture, p, k)
		case h != k && h != "null" && k != "null":
			t.Errorf("%s: %q is a %s in the docs, a %s in the fake", fixture, p, k, h)
		}
	}
	for p := range have {
		if _, ok := want[p]; !ok && !underNull(want, p) {
			t.Errorf("%s: the fake sends %q, which the docs' example does not have", fixture, p)
		}
	}
}

// underNull reports whether a parent of p is null in the docs' example,
// which shows nothing of its shape.
func underNull(want map[string]string, p string) bool {
	for i := range p {
		if (p[i] == '.' || p[i] == '[') && want[p[:i]] == "null" {
			return true
		}
	}
	return false
}

// emptyArray reports whether p lies inside an array that is empty in have.
func emptyArray(have map[string]string, p string) bool {
	arr, _, inside := strings.Cut(p, "[]")
	_, hasItem := have[arr+"[]"]
	return inside && have[arr] == "array" && !hasItem
}

// The fake answers in the shapes the docs print, field for field and kind
// for kind: what a client learns against it holds against the API.
func TestAnswersHaveTheDocsShapes(t *testing.T) {
	t.Parallel()
	hooks := make(chan []byte, 64)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hooks <- b
		io.WriteString(w, `{"success":true}`)
	}))
	t.Cleanup(receiver.Close)
	srv := newServer(t, bankhubtest.WithIPN(receiver.URL, "k"))
	srv.SetWebhook(receiver.URL, "secret-key-1234")
	c := srv.Client()
	ctx := context.Background()
	companyXID, acct := linked(t, srv, c)
	require.NoError(t, c.Companies.Update(ctx, companyXID, &bankhub.CompanyUpdateParams{PaymentCode: bankhub.Ptr(bankhub.PaymentCodeOn), PaymentCodePrefix: bankhub.Ptr("DH")}))
	tx, err := srv.SimulateTransfer(ctx, bankhubtest.TransferParams{BankAccountXID: acct, Amount: 50000, Content: "DH123456 thanh toan"})
	require.NoError(t, err)
	auth := bearer(t, srv)

	get := func(method, path, body string) []byte {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", auth)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Less(t, resp.StatusCode, 300, "%s %s: %s", method, path, b)
		return b
	}
	sameShape(t, "company-get.response.200.json", get("GET", "/v1/company/"+companyXID, ""))
	sameShape(t, "company-list.response.200.json", get("GET", "/v1/company", ""))
	sameShape(t, "company-create.response.201.json", get("POST", "/v1/company/create", `{"full_name":"Shape Co","status":"Active"}`))
	sameShape(t, "company-edit.response.200.json", get("POST", "/v1/company/edit/"+companyXID, `{"full_name":"Shape Co 2"}`))
	sameShape(t, "company-counter.response.200.json", get("GET", "/v1/company/counter/"+companyXID, ""))
	sameShape(t, "merchant-counter.response.200.json", get("GET", "/v1/merchant-config/counter", ""))
	sameShape(t, "bank-account-list.response.200.json", get("GET", "/v1/bank-account", ""))
	sameShape(t, "bank-account-get.response.200.json", get("GET", "/v1/bank-account/"+acct, ""))
	sameShape(t, "transaction-list.response.200.json", get("GET", "/v1/transaction", ""))
	sameShape(t, "transaction-get.response.200.json", get("GET", "/v1/transaction/"+tx.TransactionID, ""))
	sameShape(t, "transaction-create-sandbox.response.200.json",
		get("POST", "/v1/transaction/create", `{"bank_account_xid":"`+acct+`","transfer_type":"in","amount":1000,"transaction_content":"x"}`))
	created := get("POST", "/v1/link-token/create", `{"company_xid":"`+companyXID+`","purpose":"LINK_BANK_ACCOUNT"}`)
	sameShape(t, "link-token-create.response.201.json", created)
	var lt struct {
		LinkToken string `json:"link_token"`
	}
	require.NoError(t, json.Unmarshal(created, &lt))
	sameShape(t, "link-token-get.response.200.json", get("POST", "/v1/link-token/get", `{"link_token":"`+lt.LinkToken+`"}`))
	sameShape(t, "merchant-config-get.response.200.json", get("GET", "/v1/merchant-config", ""))
	sameShape(t, "webhook-get.response.200.json", get("GET", "/v1/webhook", ""))
	sameShape(t, "webhook-upsert.response.200.json", get("POST", "/v1/webhook", `{"webhook_url":"`+receiver.URL+`","secret_key":"secret-key-1234","allow_events":["*"]}`))

	// The notifications the fake sent along the way.
	sent := map[string][]byte{}
	for len(hooks) > 0 {
		b := <-hooks
		var ev struct {
			Event    string `json:"event"`
			Metadata struct {
				State    string `json:"state"`
				Unlinked bool   `json:"unlinked"`
			} `json:"metadata"`
			TransactionID string `json:"transaction_id"`
		}
		require.NoError(t, json.Unmarshal(b, &ev))
		key := ev.Event
		if ev.Metadata.State != "" {
			key += "." + ev.Metadata.State
		}
		if ev.TransactionID != "" {
			key = "IPN"
		}
		sent[key] = b
	}
	sameShape(t, "webhook-event.LINK_TOKEN_CREATED.link.json", sent["LINK_TOKEN_CREATED"])
	sameShape(t, "webhook-event.LINK_SESSION_INITIALIZED.json", sent["LINK_SESSION_INITIALIZED"])
	sameShape(t, "webhook-event.LINK_SESSION_STATE_CHANGED.REQUEST_BANK_ACCOUNT_LINK.json", sent["LINK_SESSION_STATE_CHANGED.REQUEST_BANK_ACCOUNT_LINK"])
	sameShape(t, "webhook-event.LINK_SESSION_STATE_CHANGED.CONFIRM_BANK_ACCOUNT_LINK.json", sent["LINK_SESSION_STATE_CHANGED.CONFIRM_BANK_ACCOUNT_LINK"])
	sameShape(t, "webhook-event.LINK_SESSION_STATE_CHANGED.FINISHED_BANK_ACCOUNT_LINK.json", sent["LINK_SESSION_STATE_CHANGED.FINISHED_BANK_ACCOUNT_LINK"])
	sameShape(t, "webhook-event.BANK_ACCOUNT_LINKED.json", sent["BANK_ACCOUNT_LINKED"])
	sameShape(t, "webhook-event.LINK_SESSION_COMPLETED.link.json", sent["LINK_SESSION_COMPLETED"])
	sameShape(t, "ipn.payload.schema.en.json", sent["IPN"])
}
