package main

import (
	"errors"
	"fmt"
	"slices"

	"github.com/bankhub-go/bankhub/internal/fakeserver"
	"github.com/spf13/cobra"
)

func (a *app) fakeCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "fake [flags]", Short: "Run the fake Bank Hub (the same as bankhub-fake), or drive a running one",
		Long: `fake runs the fake Bank Hub, with the flags of bankhub-fake (bankhub fake -h lists them
and its control API). Its subcommands drive a running fake (--env fake, or --env URL).`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if slices.ContainsFunc(args, func(s string) bool { return s == "-h" || s == "-help" || s == "--help" }) {
				defer fmt.Fprint(a.stderr, `
Subcommands, to drive a running fake (--env fake, or --env URL):
  bankhub fake link LINK_TOKEN_XID      complete a LINK token as a user would
  bankhub fake unlink LINK_TOKEN_XID    complete an UNLINK token
  bankhub fake transfer --bank-account-xid XID --amount N --content TEXT
                                        book a transfer (and deliver its IPN)
Flags take one dash or two (-seed, --seed).
`)
			}
			if code := fakeserver.Main("bankhub fake", args, a.stdout, a.stderr); code != 0 {
				return &codedError{code: code, err: errors.New("fake stopped")}
			}
			return nil
		}}
	var linkXID, brand, number string
	link := &cobra.Command{Use: "link LINK_TOKEN_XID", Short: "Complete a LINK token as a user would (the xid at the end of hosted_link_url)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			linkXID = args[0]
			return a.control("link", map[string]any{"link_token_xid": linkXID, "brand_name": brand, "account_number": number},
				[]string{"BANK ACCOUNT XID"}, "bank_account_xid")
		}}
	link.Flags().StringVar(&brand, "brand-name", "", "a sandbox bank (default MBBank)")
	link.Flags().StringVar(&number, "account-number", "", "the account (default the bank's test account)")
	unlink := &cobra.Command{Use: "unlink LINK_TOKEN_XID", Short: "Complete an UNLINK token", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.control("unlink", map[string]any{"link_token_xid": args[0]}, []string{"BANK ACCOUNT XID"}, "bank_account_xid")
		}}
	var account, content, direction, date, reference string
	var amount int64
	transfer := &cobra.Command{Use: "transfer", Short: "Book a transfer on a linked account (the fake delivers its IPN)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.control("transfer", map[string]any{"bank_account_xid": account, "amount": amount, "content": content,
				"transfer_type": direction, "transaction_date": date, "reference_code": reference},
				[]string{"TRANSACTION ID", "AMOUNT", "IPN DELIVERED"}, "transaction_id", "amount", "webhook_success")
		}}
	tf := transfer.Flags()
	tf.StringVar(&account, "bank-account-xid", "", "the linked account (required)")
	tf.Int64Var(&amount, "amount", 0, "VND, whole dong (required)")
	tf.StringVar(&content, "content", "", "the transfer description")
	tf.StringVar(&direction, "transfer-type", "in", "in or out")
	tf.StringVar(&date, "transaction-date", "", "when the bank booked it (default now)")
	tf.StringVar(&reference, "reference-code", "", "the bank's reference (default generated)")
	cmd.AddCommand(link, unlink, transfer)
	return cmd
}
