package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/bankhub-go/bankhub"
	"github.com/spf13/cobra"
)

func newLinkTokensCmd(f *factory) *cobra.Command {
	cmd := &cobra.Command{Use: "link-tokens", Short: "Link tokens: create, get, revoke"}
	cmd.AddCommand(newLinkTokensCreateCmd(f, nil), newLinkTokensGetCmd(f, nil), newLinkTokensRevokeCmd(f, nil))
	return cmd
}

type linkTokensCreateOptions struct {
	IO      *ioStreams
	Client  func() (*bankhub.Client, error)
	Confirm func(string) error

	Params bankhub.LinkTokenCreateParams
}

func newLinkTokensCreateCmd(f *factory, run func(context.Context, *linkTokensCreateOptions) error) *cobra.Command {
	o := &linkTokensCreateOptions{IO: f.IO, Client: f.Client, Confirm: f.Confirm}
	var purpose, language string
	cmd := &cobra.Command{Use: "create", Short: "Create a link token and its hosted link URL", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Params.Purpose, o.Params.Language = bankhub.LinkTokenPurpose(purpose), bankhub.Language(language)
			return runFunc(run, linkTokensCreateRun)(cmd.Context(), o)
		}}
	fl := cmd.Flags()
	fl.StringVar(&o.Params.CompanyXID, "company-xid", "", "the company (required)")
	fl.StringVar(&purpose, "purpose", string(bankhub.PurposeLinkBankAccount), "LINK_BANK_ACCOUNT or UNLINK_BANK_ACCOUNT")
	fl.StringVar(&o.Params.BankAccountXID, "bank-account-xid", "", "the account to unlink (UNLINK only)")
	fl.StringVar(&o.Params.CompletionRedirectURI, "completion-redirect-uri", "", "where the user goes at the end")
	fl.BoolVar(&o.Params.IsMobileApp, "is-mobile-app", false, "the link opens in a mobile app")
	fl.StringVar(&language, "language", "", "vi (default) or en")
	return cmd
}

// linkTokensCreateRun prints both forms of the new token: get takes the
// value, revoke either.
func linkTokensCreateRun(ctx context.Context, o *linkTokensCreateOptions) error {
	c, err := writeClient(o.Client, o.Confirm, "create a link token")
	if err != nil {
		return err
	}
	lt, err := c.LinkTokens.Create(ctx, &o.Params)
	if err != nil {
		return err
	}
	t := &table{header: []string{"XID", "LINK TOKEN", "HOSTED LINK URL", "EXPIRES (UTC+7)"}, single: true}
	t.add(lt, lt.XID, lt.LinkToken, lt.HostedLinkURL, showTime(lt.ExpiresAt))
	return o.IO.print(t)
}

type linkTokensGetOptions struct {
	IO     *ioStreams
	Client func() (*bankhub.Client, error)

	// LinkToken is the token's value: the API has no lookup by xid.
	LinkToken string
}

func newLinkTokensGetCmd(f *factory, run func(context.Context, *linkTokensGetOptions) error) *cobra.Command {
	o := &linkTokensGetOptions{IO: f.IO, Client: f.Client}
	return &cobra.Command{Use: "get LINK_TOKEN", Short: "A link token's details, sessions and events (by its value: the LINK TOKEN column of create)",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.LinkToken = args[0]
			return runFunc(run, linkTokensGetRun)(cmd.Context(), o)
		}}
}

func linkTokensGetRun(ctx context.Context, o *linkTokensGetOptions) error {
	c, err := o.Client()
	if err != nil {
		return err
	}
	lt, err := c.LinkTokens.Get(ctx, o.LinkToken)
	if errors.Is(err, bankhub.ErrNotFound) {
		return &codedError{code: exitNotFound, err: fmt.Errorf("%w; link-tokens get takes the token's value (the LINK TOKEN column of link-tokens create), and the API cannot look one up by its xid", err)}
	}
	if err != nil {
		return err
	}
	t := &table{header: []string{"XID", "PURPOSE", "STATUS", "COMPANY", "SESSIONS", "EVENTS", "EXPIRES (UTC+7)"}, single: true}
	t.add(lt, lt.XID, string(lt.Purpose), string(lt.Status), lt.Company.FullName, strconv.Itoa(lt.SessionCount),
		strconv.Itoa(len(lt.Events)), showTime(lt.ExpiresAt))
	return o.IO.print(t)
}

type linkTokensRevokeOptions struct {
	IO      *ioStreams
	Client  func() (*bankhub.Client, error)
	Confirm func(string) error

	// Token is the token's xid or its value.
	Token string
}

func newLinkTokensRevokeCmd(f *factory, run func(context.Context, *linkTokensRevokeOptions) error) *cobra.Command {
	o := &linkTokensRevokeOptions{IO: f.IO, Client: f.Client, Confirm: f.Confirm}
	return &cobra.Command{Use: "revoke LINK_TOKEN_XID|LINK_TOKEN", Short: "Revoke a link token, by its xid or its value", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Token = args[0]
			return runFunc(run, linkTokensRevokeRun)(cmd.Context(), o)
		}}
}

// linkTokensRevokeRun revokes by xid; given a value instead (the xid is not
// found), it looks the token up by value and revokes its xid.
func linkTokensRevokeRun(ctx context.Context, o *linkTokensRevokeOptions) error {
	xid := o.Token
	c, err := writeClient(o.Client, o.Confirm, "revoke link token "+xid)
	if err != nil {
		return err
	}
	err = c.LinkTokens.Revoke(ctx, xid)
	if errors.Is(err, bankhub.ErrNotFound) {
		if lt, gerr := c.LinkTokens.Get(ctx, xid); gerr == nil {
			xid = lt.XID
			err = c.LinkTokens.Revoke(ctx, xid)
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(o.IO.ErrOut, "revoked link token %s\n", terminalSafe(xid))
	return nil
}
