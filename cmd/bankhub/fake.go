package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
	"github.com/spf13/cobra"
)

func newFakeCmd(f *factory) *cobra.Command {
	cmd := &cobra.Command{Use: "fake [flags]", Short: "Run the fake Bank Hub (the same as bankhub-fake), or drive a running one",
		Long: `fake runs the fake Bank Hub, with the flags of bankhub-fake (bankhub fake -h lists them
and its control API). Its subcommands drive a running fake (--env fake, or --env URL).`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if slices.ContainsFunc(args, func(s string) bool { return s == "-h" || s == "-help" || s == "--help" }) {
				defer fmt.Fprint(f.IO.ErrOut, `
Subcommands, to drive a running fake (--env fake, or --env URL):
  bankhub fake link LINK_TOKEN_XID      complete a LINK token as a user would
  bankhub fake unlink LINK_TOKEN_XID    complete an UNLINK token
  bankhub fake transfer --bank-account-xid XID --amount N --content TEXT
                                        book a transfer (and deliver its IPN)
Flags take one dash or two (-seed, --seed).
`)
			}
			if code := bankhubtest.RunCommand(cmd.Context(), "bankhub fake", args, f.IO.Out, f.IO.ErrOut); code != 0 {
				return &codedError{code: code, err: errors.New("fake stopped")}
			}
			return nil
		}}
	cmd.AddCommand(newFakeLinkCmd(f, nil), newFakeUnlinkCmd(f, nil), newFakeTransferCmd(f, nil))
	return cmd
}

// controlCall is a call to a running fake's control API: its path, its
// body (unset values are not sent), and the fields of the answer printed.
type controlCall struct {
	Path   string
	Body   map[string]any
	Header []string
	Fields []string
}

// fakeControlOptions are the options of fake link, unlink and transfer.
type fakeControlOptions struct {
	IO      *ioStreams
	Control func(ctx context.Context, path string, body map[string]any) (map[string]any, error)

	Call controlCall
}

func newFakeLinkCmd(f *factory, run func(context.Context, *fakeControlOptions) error) *cobra.Command {
	o := &fakeControlOptions{IO: f.IO, Control: f.Control}
	var brand, number string
	cmd := &cobra.Command{Use: "link LINK_TOKEN_XID", Short: "Complete a LINK token as a user would (the xid at the end of hosted_link_url)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Call = controlCall{Path: "link", Body: map[string]any{"link_token_xid": args[0], "brand_name": brand, "account_number": number},
				Header: []string{"BANK ACCOUNT XID"}, Fields: []string{"bank_account_xid"}}
			return runFunc(run, fakeControlRun)(cmd.Context(), o)
		}}
	cmd.Flags().StringVar(&brand, "brand-name", "", "a sandbox bank (default MBBank)")
	cmd.Flags().StringVar(&number, "account-number", "", "the account (default the bank's test account)")
	return cmd
}

func newFakeUnlinkCmd(f *factory, run func(context.Context, *fakeControlOptions) error) *cobra.Command {
	o := &fakeControlOptions{IO: f.IO, Control: f.Control}
	return &cobra.Command{Use: "unlink LINK_TOKEN_XID", Short: "Complete an UNLINK token", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Call = controlCall{Path: "unlink", Body: map[string]any{"link_token_xid": args[0]},
				Header: []string{"BANK ACCOUNT XID"}, Fields: []string{"bank_account_xid"}}
			return runFunc(run, fakeControlRun)(cmd.Context(), o)
		}}
}

func newFakeTransferCmd(f *factory, run func(context.Context, *fakeControlOptions) error) *cobra.Command {
	o := &fakeControlOptions{IO: f.IO, Control: f.Control}
	var account, content, direction, date, reference string
	var amount int64
	cmd := &cobra.Command{Use: "transfer", Short: "Book a transfer on a linked account (the fake delivers its IPN)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Call = controlCall{Path: "transfer", Body: map[string]any{"bank_account_xid": account, "amount": amount, "content": content,
				"transfer_type": direction, "transaction_date": date, "reference_code": reference},
				Header: []string{"TRANSACTION ID", "AMOUNT", "IPN DELIVERED"}, Fields: []string{"transaction_id", "amount", "webhook_success"}}
			return runFunc(run, fakeControlRun)(cmd.Context(), o)
		}}
	fl := cmd.Flags()
	fl.StringVar(&account, "bank-account-xid", "", "the linked account (required)")
	fl.Int64Var(&amount, "amount", 0, "VND, whole dong (required)")
	fl.StringVar(&content, "content", "", "the transfer description")
	fl.StringVar(&direction, "transfer-type", "in", "in or out")
	fl.StringVar(&date, "transaction-date", "", "when the bank booked it (default now)")
	fl.StringVar(&reference, "reference-code", "", "the bank's reference (default generated)")
	return cmd
}

// fakeControlRun makes the call and prints the answer's fields.
func fakeControlRun(ctx context.Context, o *fakeControlOptions) error {
	body := make(map[string]any, len(o.Call.Body))
	for k, v := range o.Call.Body { // unset flags are not sent
		if v != "" && v != int64(0) {
			body[k] = v
		}
	}
	out, err := o.Control(ctx, o.Call.Path, body)
	if err != nil {
		return err
	}
	cells := make([]string, len(o.Call.Fields))
	t := &table{header: o.Call.Header, single: true}
	for i, f := range o.Call.Fields {
		switch v := out[f].(type) {
		case float64:
			cells[i] = strconv.FormatFloat(v, 'f', -1, 64)
			if f == "amount" {
				cells[i] = showVND(bankhub.VND(v))
				t.money = append(t.money, i)
			}
		case bool:
			cells[i] = showBool(v)
		default:
			cells[i] = fmt.Sprint(v)
		}
	}
	t.add(out, cells...)
	return o.IO.print(t)
}
