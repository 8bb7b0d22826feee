package main

import "github.com/spf13/cobra"

// examples are each command's Example text, by command path: what a
// newcomer types first.
var examples = map[string]string{
	"bankhub auth":                        "  bankhub auth --env sandbox\n  bankhub auth --env fake -o json",
	"bankhub bank-accounts get":           "  bankhub bank-accounts get 587eabfb-e06b-11f0-b29e-52c7e9b4f41b",
	"bankhub bank-accounts list":          "  bankhub bank-accounts list --company-xid d3dafd01-e06b-11f0-b29e-52c7e9b4f41b\n  bankhub bank-accounts list --all -o csv > accounts.csv",
	"bankhub companies counter":           "  bankhub companies counter d3dafd01-e06b-11f0-b29e-52c7e9b4f41b --date 2026-01-13",
	"bankhub companies create":            `  bankhub companies create --full-name "Công ty TNHH ABC"`,
	"bankhub companies get":               "  bankhub companies get d3dafd01-e06b-11f0-b29e-52c7e9b4f41b",
	"bankhub companies list":              "  bankhub companies list --status Active\n  bankhub companies list --all -o jsonl",
	"bankhub companies update":            "  bankhub companies update d3dafd01-e06b-11f0-b29e-52c7e9b4f41b --transaction-amount Unlimited \\\n    --payment-code on --payment-code-prefix DH --payment-code-suffix-from 6 --payment-code-suffix-to 8",
	"bankhub fake":                        "  bankhub fake -seed\n  bankhub fake -addr 127.0.0.1:9000 -ipn http://127.0.0.1:3000/bankhub/ipn -ipn-key k",
	"bankhub fake link":                   "  bankhub fake link 8c4d… --env fake\n  bankhub fake link 8c4d… --brand-name ACB -o json | jq -r .bank_account_xid",
	"bankhub fake transfer":               `  bankhub fake transfer --bank-account-xid 587eabfb… --amount 500000 --content "Thanh toan DH123456"` + "\n" + `  bankhub fake transfer --bank-account-xid 587eabfb… --amount 500000 --content "Hoan tien DH123456" --transfer-type out`,
	"bankhub fake unlink":                 "  bankhub fake unlink 9a1e… --env fake",
	"bankhub link-tokens create":          "  bankhub link-tokens create --company-xid d3dafd01…\n  bankhub link-tokens create --company-xid d3dafd01… --purpose UNLINK_BANK_ACCOUNT --bank-account-xid 587eabfb…",
	"bankhub link-tokens get":             "  bankhub link-tokens get 6b2f…   # the LINK TOKEN column of create",
	"bankhub link-tokens revoke":          "  bankhub link-tokens revoke 8c4d…",
	"bankhub listen":                      "  bankhub listen --ipn-key \"$IPN_KEY\" --webhook-secret \"$WEBHOOK_SECRET\"\n  bankhub listen --ipn-key \"$IPN_KEY\" --forward-ipn-to http://127.0.0.1:8080/bankhub/ipn \\\n    --webhook-secret \"$WEBHOOK_SECRET\" --forward-webhook-to http://127.0.0.1:8080/bankhub/events",
	"bankhub merchant-config counter":     "  bankhub merchant-config counter --start-date 2026-01-01 --end-date 2026-01-31",
	"bankhub merchant-config get":         "  bankhub merchant-config get -o json",
	"bankhub merchant-config update":      `  bankhub merchant-config update --transaction-whitelist-remark-keywords "thanh toan,payment"`,
	"bankhub merchant-config upload-logo": "  bankhub merchant-config upload-logo logo.png",
	"bankhub reconcile":                   "  bankhub reconcile --window 6h\n  bankhub reconcile --forward-ipn-to http://127.0.0.1:8080/bankhub/ipn --ipn-key \"$IPN_KEY\" || alert",
	"bankhub transactions get":            "  bankhub transactions get a47b6ab2-8f8b-11f0-b21a-a6006ab65aca",
	"bankhub transactions list":           "  bankhub transactions list --start-transaction-date 2026-01-01 --transfer-type in\n  bankhub transactions list --webhook-success 0 --all -o csv > missed.csv",
	"bankhub transactions simulate":       `  bankhub transactions simulate --bank-account-xid 587eabfb… --amount 500000 --transaction-content "Thanh toan DH123456"`,
	"bankhub webhooks get":                "  bankhub webhooks get",
	"bankhub webhooks set":                "  bankhub webhooks set --webhook-url https://shop.example.vn/bankhub/events --secret-key \"$WEBHOOK_SECRET\"",
}

// setExamples gives every command its example.
func setExamples(cmd *cobra.Command) {
	if e, ok := examples[cmd.CommandPath()]; ok && cmd.Example == "" {
		cmd.Example = e
	}
	for _, sub := range cmd.Commands() {
		setExamples(sub)
	}
}
