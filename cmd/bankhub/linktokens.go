package main

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/bankhub-go/bankhub"
	"github.com/spf13/cobra"
)

func (a *app) linkTokensCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "link-tokens", Short: "Link tokens: create, get, revoke"}
	var p bankhub.LinkTokenCreateParams
	var purpose, language string
	create := &cobra.Command{Use: "create", Short: "Create a link token and its hosted link URL", Args: cobra.NoArgs,
		RunE: a.call(func(c *bankhub.Client, _ []string) error {
			p.Purpose, p.Language = bankhub.LinkTokenPurpose(purpose), bankhub.Language(language)
			if err := a.confirmWrite("create a link token"); err != nil {
				return err
			}
			lt, err := c.LinkTokens.Create(a.ctx(), &p)
			if err != nil {
				return err
			}
			// Both forms: get takes the value, revoke either.
			t := &table{header: []string{"XID", "LINK TOKEN", "HOSTED LINK URL", "EXPIRES (UTC+7)"}, single: true}
			t.add(lt, lt.XID, lt.LinkToken, lt.HostedLinkURL, showTime(lt.ExpiresAt))
			return a.print(t)
		})}
	f := create.Flags()
	f.StringVar(&p.CompanyXID, "company-xid", "", "the company (required)")
	f.StringVar(&purpose, "purpose", string(bankhub.PurposeLinkBankAccount), "LINK_BANK_ACCOUNT or UNLINK_BANK_ACCOUNT")
	f.StringVar(&p.BankAccountXID, "bank-account-xid", "", "the account to unlink (UNLINK only)")
	f.StringVar(&p.CompletionRedirectURI, "completion-redirect-uri", "", "where the user goes at the end")
	f.BoolVar(&p.IsMobileApp, "is-mobile-app", false, "the link opens in a mobile app")
	f.StringVar(&language, "language", "", "vi (default) or en")

	get := &cobra.Command{Use: "get LINK_TOKEN", Short: "A link token's details, sessions and events (by its value: the LINK TOKEN column of create)",
		Args: cobra.ExactArgs(1),
		RunE: a.call(func(c *bankhub.Client, args []string) error {
			lt, err := c.LinkTokens.Get(a.ctx(), args[0])
			if errors.Is(err, bankhub.ErrNotFound) {
				return &codedError{code: exitNotFound, err: fmt.Errorf("%w; link-tokens get takes the token's value (the LINK TOKEN column of link-tokens create), and the API cannot look one up by its xid", err)}
			}
			if err != nil {
				return err
			}
			t := &table{header: []string{"XID", "PURPOSE", "STATUS", "COMPANY", "SESSIONS", "EVENTS", "EXPIRES (UTC+7)"}, single: true}
			t.add(lt, lt.XID, string(lt.Purpose), string(lt.Status), lt.Company.FullName, strconv.Itoa(lt.SessionCount),
				strconv.Itoa(len(lt.Events)), showTime(lt.ExpiresAt))
			return a.print(t)
		})}
	revoke := &cobra.Command{Use: "revoke LINK_TOKEN_XID|LINK_TOKEN", Short: "Revoke a link token, by its xid or its value", Args: cobra.ExactArgs(1),
		RunE: a.call(func(c *bankhub.Client, args []string) error {
			xid := args[0]
			if err := a.confirmWrite("revoke link token " + xid); err != nil {
				return err
			}
			err := c.LinkTokens.Revoke(a.ctx(), xid)
			if errors.Is(err, bankhub.ErrNotFound) { // perhaps the value: its details give the xid
				if lt, gerr := c.LinkTokens.Get(a.ctx(), xid); gerr == nil {
					xid = lt.XID
					err = c.LinkTokens.Revoke(a.ctx(), xid)
				}
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "revoked link token %s\n", xid)
			return nil
		})}
	cmd.AddCommand(create, get, revoke)
	return cmd
}
