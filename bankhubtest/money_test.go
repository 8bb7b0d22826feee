package bankhubtest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// receiver records the IPNs it gets and answers status.
type receiver struct {
	mu     sync.Mutex
	status int
	bodies []map[string]any
	auth   []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var m map[string]any
	json.Unmarshal(b, &m)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.bodies = append(rc.bodies, m)
	rc.auth = append(rc.auth, r.Header.Get("Authorization"))
	w.WriteHeader(rc.status)
}

func TestAddBankAccountAndTransfersWithDateReferenceAndDirection(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := srv.Client()
	_, err := srv.AddBankAccount("no-such-company", bankhubtest.LinkParams{})
	assert.Error(t, err)
	company := srv.AddCompany(bankhubtest.CompanyParams{FullName: "Cửa hàng Minh An"})
	acct, err := srv.AddBankAccount(company, bankhubtest.LinkParams{BrandName: "ACB", AccountNumber: "4567890123", AccountHolderName: "BUI VAN G"})
	require.NoError(t, err)
	ba, err := c.BankAccounts.Get(context.Background(), acct)
	require.NoError(t, err)
	assert.Equal(t, []string{company, "ACB", "4567890123", "BUI VAN G"}, []string{ba.CompanyXID, ba.BrandName, ba.AccountNumber, ba.AccountHolderName})

	rc := &receiver{status: 200}
	ipn := httptest.NewServer(rc)
	defer ipn.Close()
	srv.SetIPN(ipn.URL, "k1") // after start
	day := time.Date(2026, 3, 10, 9, 0, 0, 0, bankhub.VietnamZone())
	newer, err := srv.SimulateTransfer(context.Background(), bankhubtest.TransferParams{BankAccountXID: acct, Amount: 700, Content: "b",
		Date: day.Add(time.Hour), ReferenceCode: "FT-CHOSEN", TransferType: bankhub.TransferOut})
	require.NoError(t, err)
	older, err := srv.SimulateTransfer(context.Background(), bankhubtest.TransferParams{BankAccountXID: acct, Amount: 300, Content: "a", Date: day})
	require.NoError(t, err)
	assert.Equal(t, "FT-CHOSEN", newer.ReferenceNumber)
	assert.Equal(t, bankhub.TransferOut, newer.TransferType)
	assert.Equal(t, bankhub.TransferIn, older.TransferType)
	assert.True(t, bool(newer.WebhookSuccess))
	assert.Equal(t, "2026-03-10 10:00:00", newer.TransactionDate.Raw)

	page, err := c.Transactions.List(context.Background(), nil)
	require.NoError(t, err)
	require.Len(t, page.Data, 2)
	assert.Equal(t, []string{newer.TransactionID, older.TransactionID}, []string{page.Data[0].TransactionID, page.Data[1].TransactionID},
		"newest booking first, whatever the order they were added in")

	rc.mu.Lock()
	defer rc.mu.Unlock()
	require.Len(t, rc.bodies, 2)
	assert.Equal(t, "debit", rc.bodies[0]["transfer_type"])
	assert.Equal(t, "FT-CHOSEN", rc.bodies[0]["reference_code"])
	assert.Equal(t, "2026-03-10 10:00:00", rc.bodies[0]["transaction_date"])
	assert.Equal(t, "credit", rc.bodies[1]["transfer_type"])
	assert.Equal(t, []string{"Apikey k1", "Apikey k1"}, rc.auth)

	_, err = srv.SimulateTransfer(context.Background(), bankhubtest.TransferParams{BankAccountXID: acct, Amount: 1, TransferType: "sideways"})
	assert.ErrorContains(t, err, "sideways")
}

func TestIPNReceiverDownOrFailingLeavesWebhookSuccessZero(t *testing.T) {
	t.Parallel()
	srv := newServer(t, bankhubtest.WithDeliveryRetries(2, time.Millisecond))
	company := srv.AddCompany(bankhubtest.CompanyParams{FullName: "Cửa hàng Minh An"})
	acct, err := srv.AddBankAccount(company, bankhubtest.LinkParams{})
	require.NoError(t, err)
	rc := &receiver{status: 500}
	ipn := httptest.NewServer(rc)
	defer ipn.Close()

	srv.SetIPN(ipn.URL, "k")
	failed, err := srv.SimulateTransfer(context.Background(), bankhubtest.TransferParams{BankAccountXID: acct, Amount: 1, Content: "x"})
	require.NoError(t, err)
	srv.SetIPN("http://127.0.0.1:1/down", "k")
	lost, err := srv.SimulateTransfer(context.Background(), bankhubtest.TransferParams{BankAccountXID: acct, Amount: 2, Content: "y"})
	require.NoError(t, err)
	srv.SetIPN("", "")
	_, err = srv.SimulateTransfer(context.Background(), bankhubtest.TransferParams{BankAccountXID: acct, Amount: 3, Content: "z"})
	require.NoError(t, err)

	assert.False(t, bool(failed.WebhookSuccess))
	assert.False(t, bool(lost.WebhookSuccess))
	d := srv.Deliveries()
	require.Len(t, d, 2, "no IPN URL: nothing delivered")
	assert.Equal(t, []any{500, 1, nil}, []any{d[0].Status, d[0].Attempts, d[0].Err}, "an answer is final, 500 included")
	assert.Equal(t, 0, d[1].Status)
	assert.Equal(t, 3, d[1].Attempts, "a connection failure is retried")
	assert.Error(t, d[1].Err)
	page, err := srv.Client().Transactions.List(context.Background(), &bankhub.TransactionListParams{WebhookSuccess: bankhub.Ptr(false)})
	require.NoError(t, err)
	assert.Equal(t, 3, page.Meta.Total)
}

// Regression: Page 1<<62 overflowed the offset, panicked inside the lock
// and hung every later request.
func TestPagePastTheEndIsEmpty(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.AddCompany(bankhubtest.CompanyParams{FullName: "A", TransactionAmount: bankhub.Ptr(bankhub.TransactionCount(0))})
	c := srv.Client()
	for _, page := range []int{2, 1 << 40, 1 << 62} {
		p, err := c.Companies.List(context.Background(), &bankhub.CompanyListParams{Page: page})
		require.NoError(t, err, "page %d", page)
		assert.Empty(t, p.Data)
		assert.Equal(t, 1, p.Meta.Total)
		assert.False(t, p.Meta.HasMore)
	}
	p, err := c.Companies.List(context.Background(), nil)
	require.NoError(t, err)
	assert.Len(t, p.Data, 1, "the fake still answers")
}
