package bankhub

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseEventDocsExamples(t *testing.T) {
	t.Parallel()
	ts := func(sec int64) time.Time { return time.Unix(sec, 0).In(vietnamZone) }
	cases := []struct {
		file        string
		xid         string
		at          int64
		typ         EventType
		linkToken   *LinkTokenData
		linkSession *LinkSessionData
		bankAccount *BankAccountData
	}{
		{"webhook-event.LINK_TOKEN_CREATED.link.json", "e61cdae9-505e-4349-9713-a3e5b8b80b5e", 1768312100, EventLinkTokenCreated,
			&LinkTokenData{Purpose: PurposeLinkBankAccount, LinkTokenXID: "628af450-6f83-443f-b2f1-7d8ae4664e45"}, nil, nil},
		{"webhook-event.LINK_TOKEN_CREATED.unlink.json", "3406b960-71e4-4fdd-9bb3-41bba8fe6107", 1768443727, EventLinkTokenCreated,
			&LinkTokenData{Purpose: PurposeUnlinkBankAccount, LinkTokenXID: "378c3028-a366-4aaa-90d4-56e0047d92ce"}, nil, nil},
		{"webhook-event.LINK_SESSION_INITIALIZED.json", "d5df6e97-689e-49ae-b380-08126c6da950", 1768311902, EventLinkSessionInitialized, nil,
			&LinkSessionData{LinkSessionXID: "0e296f70-cf41-4e8f-a89f-00cee248b887", LinkTokenXID: "ef4cb765-c297-4a51-a9eb-6f7a751978ae"}, nil},
		{"webhook-event.LINK_SESSION_STATE_CHANGED.REQUEST_BANK_ACCOUNT_LINK.json", "e117249c-a827-4f89-951d-433c3a384785", 1768312140, EventLinkSessionStateChanged, nil,
			&LinkSessionData{State: StateRequestBankAccountLink, BrandName: "MBBank", AccountType: AccountPersonal,
				LinkTokenXID: "628af450-6f83-443f-b2f1-7d8ae4664e45", LinkSessionXID: "a9e6d327-5888-449a-b82a-356fa80d6211"}, nil},
		{"webhook-event.LINK_SESSION_STATE_CHANGED.CONFIRM_BANK_ACCOUNT_LINK.json", "a67f03a1-1bdf-46a5-8c6e-4af6aec28aca", 1768311997, EventLinkSessionStateChanged, nil,
			&LinkSessionData{State: StateConfirmBankAccountLink, BrandName: "MBBank", AccountType: AccountPersonal, AccountNumber: "0000000000011111",
				AccountHolderName: "NGUYEN VAN A", LinkTokenXID: "ef4cb765-c297-4a51-a9eb-6f7a751978ae", LinkSessionXID: "0e296f70-cf41-4e8f-a89f-00cee248b887"}, nil},
		{"webhook-event.LINK_SESSION_STATE_CHANGED.FINISHED_BANK_ACCOUNT_LINK.json", "21e2445d-9696-4edd-816c-746b2e6ec110", 1768312172, EventLinkSessionStateChanged, nil,
			&LinkSessionData{State: StateFinishedBankAccountLink, BrandName: "MBBank", AccountType: AccountPersonal, AccountNumber: "0000000000011111",
				AccountHolderName: "NGUYEN VAN A", LinkTokenXID: "628af450-6f83-443f-b2f1-7d8ae4664e45", LinkSessionXID: "a9e6d327-5888-449a-b82a-356fa80d6211"}, nil},
		{"webhook-event.LINK_SESSION_STATE_CHANGED.REQUEST_BANK_ACCOUNT_UNLINK.json", "a3d04fca-226c-4376-ac31-189283801f1b", 1768443767, EventLinkSessionStateChanged, nil,
			&LinkSessionData{State: StateRequestBankAccountUnlink, BrandName: "ACB", AccountType: AccountIndividual, AccountNumber: "7777777777",
				LinkTokenXID: "378c3028-a366-4aaa-90d4-56e0047d92ce", LinkSessionXID: "53f42c84-ada6-442a-8732-6d8ec686cdc0"}, nil},
		{"webhook-event.LINK_SESSION_COMPLETED.link.json", "19b3bbb2-41a3-4b27-a301-db91a036fb18", 1768312173, EventLinkSessionCompleted, nil,
			&LinkSessionData{BankAccountXID: "b1293181-f086-11f0-b16e-52c7e9b4f41b", LinkTokenXID: "628af450-6f83-443f-b2f1-7d8ae4664e45", LinkSessionXID: "a9e6d327-5888-449a-b82a-356fa80d6211"}, nil},
		{"webhook-event.LINK_SESSION_COMPLETED.unlink.json", "76e32fa6-5ed2-42b6-9f57-7cb8acbd12dc", 1768443806, EventLinkSessionCompleted, nil,
			&LinkSessionData{BankAccountXID: "54a488a6-f1b8-11f0-b21a-a6006ab65aca", Unlinked: true, LinkTokenXID: "378c3028-a366-4aaa-90d4-56e0047d92ce", LinkSessionXID: "53f42c84-ada6-442a-8732-6d8ec686cdc0"}, nil},
		{"webhook-event.BANK_ACCOUNT_LINKED.json", "e343bdec-97dc-4c60-b953-f81b183e0096", 1768312023, EventBankAccountLinked, nil, nil,
			&BankAccountData{BankAccountXID: "587eabfb-f086-11f0-b16e-52c7e9b4f41b", BrandName: "MBBank", AccountType: AccountPersonal, AccountNumber: "0000000000011111",
				LinkTokenXID: "ef4cb765-c297-4a51-a9eb-6f7a751978ae", LinkSessionXID: "0e296f70-cf41-4e8f-a89f-00cee248b887"}},
		{"webhook-event.BANK_ACCOUNT_UNLINKED-or-INACTIVED.template.json", "3c02781a-e061-44a0-b035-0cab9d00f73c", 1768443805, "BANK_ACCOUNT_UNLINKED | BANK_ACCOUNT_INACTIVED", nil, nil,
			&BankAccountData{BankAccountXID: "54a488a6-f1b8-11f0-b21a-a6006ab65aca", BrandName: "ACB", AccountType: AccountIndividual, AccountNumber: "7777777777",
				LinkTokenXID: "378c3028-a366-4aaa-90d4-56e0047d92ce", LinkSessionXID: "53f42c84-ada6-442a-8732-6d8ec686cdc0"}},
		{"webhook-event.envelope.json", "e61cdae9-505e-4349-9713-a3e5b8b80b5e", 1768312100, "EVENT_NAME", nil, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			raw := fixture(t, "docs/"+tc.file)
			ev, err := ParseEvent([]byte(raw))
			require.NoError(t, err)
			assert.Equal(t, tc.xid, ev.XID)
			assert.Equal(t, ts(tc.at), ev.Timestamp)
			assert.Equal(t, "1.0", ev.Version)
			assert.Equal(t, tc.typ, ev.Type)
			var whole map[string]json.RawMessage
			require.NoError(t, json.Unmarshal([]byte(raw), &whole))
			assert.JSONEq(t, string(whole["metadata"]), string(ev.Metadata))

			lt, ltErr := ev.LinkToken()
			ls, lsErr := ev.LinkSession()
			ba, baErr := ev.BankAccount()
			check := func(want any, got any, err error) {
				t.Helper()
				if want == nil || (want != nil && isNilPtr(want)) {
					assert.ErrorIs(t, err, ErrWrongEventFamily)
					return
				}
				require.NoError(t, err)
				assert.Equal(t, want, got)
			}
			check(tc.linkToken, lt, ltErr)
			check(tc.linkSession, ls, lsErr)
			check(tc.bankAccount, ba, baErr)
			assert.Equal(t, tc.file == "webhook-event.LINK_SESSION_COMPLETED.unlink.json", ev.Unlinked())

			// The wire form round-trips.
			b, err := json.Marshal(ev)
			require.NoError(t, err)
			again, err := ParseEvent(b)
			require.NoError(t, err)
			assert.JSONEq(t, string(ev.Metadata), string(again.Metadata))
			again.Metadata = ev.Metadata // compacted by Marshal
			assert.Equal(t, ev, again)
		})
	}
}

func isNilPtr(v any) bool {
	switch p := v.(type) {
	case *LinkTokenData:
		return p == nil
	case *LinkSessionData:
		return p == nil
	case *BankAccountData:
		return p == nil
	}
	return false
}

func TestEventInactivatedSpellings(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"BANK_ACCOUNT_INACTIVATED", "BANK_ACCOUNT_INACTIVED", "BANK_ACCOUNT_UNLINKED"} {
		ev, err := ParseEvent([]byte(`{"timestamp":1768443805,"xid":"x1","version":"1.0","event":"` + name + `","metadata":{"bank_account_xid":"b1"}}`))
		require.NoError(t, err)
		assert.True(t, ev.Unlinked(), name)
		assert.True(t, ev.Type.Known(), name)
		if name != "BANK_ACCOUNT_UNLINKED" {
			assert.Equal(t, EventBankAccountInactivated, ev.Type.Canonical())
		}
		d, err := ev.BankAccount()
		require.NoError(t, err)
		assert.Equal(t, "b1", d.BankAccountXID)
	}
}

func TestParseEventUnknownEventPassesThrough(t *testing.T) {
	t.Parallel()
	ev, err := ParseEvent([]byte(`{"timestamp":"1768443805","xid":"x1","version":"2.0","event":"PAYOUT_SENT","metadata":{"amount":5}}`))
	require.NoError(t, err)
	assert.Equal(t, EventType("PAYOUT_SENT"), ev.Type)
	assert.False(t, ev.Type.Known())
	assert.JSONEq(t, `{"amount":5}`, string(ev.Metadata))
	_, err = ev.LinkToken()
	assert.ErrorIs(t, err, ErrWrongEventFamily)
	assert.False(t, ev.Unlinked())
}

func TestParseEventRejects(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"empty":          ``,
		"not json":       `hello`,
		"array":          `[1]`,
		"truncated":      `{"xid":"x1","event":"LINK_TOKEN_CREATED"`,
		"no xid":         `{"timestamp":1,"event":"LINK_TOKEN_CREATED","metadata":{}}`,
		"no event":       `{"timestamp":1,"xid":"x1","metadata":{}}`,
		"bad timestamp":  `{"timestamp":"yesterday","xid":"x1","event":"E"}`,
		"metadata array": `{"timestamp":1,"xid":"x1","event":"E","metadata":[1]}`,
		"negative time":  `{"timestamp":-1,"xid":"x1","event":"E"}`,
	} {
		_, err := ParseEvent([]byte(body))
		assert.ErrorIs(t, err, ErrInvalidPayload, name)
	}
	ev, err := ParseEvent([]byte(`{"timestamp":1,"xid":"x1","event":"LINK_SESSION_COMPLETED","metadata":{"unlinked":"maybe"}}`))
	require.NoError(t, err)
	_, err = ev.LinkSession()
	assert.ErrorIs(t, err, ErrInvalidPayload)
}

func TestVerifyWebhook(t *testing.T) {
	t.Parallel()
	const secret = "whsec-Distinctive-Secret-4242"
	ok := http.Header{"X-Secret-Key": {secret}}
	require.NoError(t, VerifyWebhook(ok, secret))
	require.NoError(t, VerifyWebhook(http.Header{"X-Secret-Key": {" " + secret + " "}}, secret))
	for name, tc := range map[string]struct {
		h      http.Header
		secret string
	}{
		"empty configured secret": {ok, ""},
		"missing header":          {http.Header{}, secret},
		"empty header":            {http.Header{"X-Secret-Key": {""}}, secret},
		"wrong secret":            {http.Header{"X-Secret-Key": {"whsec-guess"}}, secret},
		"prefix of secret":        {http.Header{"X-Secret-Key": {secret[:10]}}, secret},
		"repeated header":         {http.Header{"X-Secret-Key": {secret, secret}}, secret},
		"other header":            {http.Header{"Authorization": {"Apikey " + secret}}, secret},
	} {
		err := VerifyWebhook(tc.h, tc.secret)
		assert.ErrorIs(t, err, ErrUnverified, name)
		if err != nil {
			assert.NotContains(t, err.Error(), secret, name)
			assert.NotContains(t, err.Error(), "whsec-guess", name)
		}
	}
}

// An event name is written by whoever sends the webhook: in an error string
// it is quoted, so a control character cannot forge a log line or reach a
// terminal (found by FuzzParseEvent; the seed is kept in testdata/fuzz).
func TestEventNameIsEscapedInErrors(t *testing.T) {
	t.Parallel()
	forged := "BANK_X\ntime=2026-01-01T00:00:00Z level=INFO msg=forged\x1b]52;c;aGk=\x07\u0085"
	body, err := json.Marshal(map[string]any{"xid": "x1", "event": forged, "metadata": map[string]int{"bank_account_xid": 5}})
	require.NoError(t, err)
	ev, err := ParseEvent(body)
	require.NoError(t, err)
	for name, get := range map[string]func() error{
		"LinkToken":   func() error { _, err := ev.LinkToken(); return err },
		"LinkSession": func() error { _, err := ev.LinkSession(); return err },
		"BankAccount": func() error { _, err := ev.BankAccount(); return err },
	} {
		err := get()
		require.ErrorIs(t, err, ErrWrongEventFamily, name)
		msg := err.Error()
		assert.False(t, strings.ContainsFunc(msg, needsEscape), "%s: control character in %q", name, msg)
		assert.Contains(t, msg, `"BANK_X\ntime=`, name)
	}
	ev.Type = EventType("BANK_ACCOUNT_\b\n")
	_, err = ev.BankAccount() // the right family, metadata of the wrong shape
	require.ErrorIs(t, err, ErrInvalidPayload)
	assert.False(t, strings.ContainsFunc(err.Error(), needsEscape), "control character in %q", err.Error())
	assert.Contains(t, err.Error(), `"BANK_ACCOUNT_\b\n" metadata`)
}
