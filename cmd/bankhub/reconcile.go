package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/spf13/cobra"
)

func (a *app) reconcileCmd() *cobra.Command {
	var window time.Duration
	var forward, ipnKey string
	cmd := &cobra.Command{Use: "reconcile", Short: "One pass of the reconciler: the transactions whose IPN was not delivered",
		Long: `reconcile makes one pass of the SDK's reconciler over the last --window of transactions
and lists those whose IPN was not delivered (webhook_success 0). With --forward-to URL
--ipn-key KEY, each is also sent to URL as the IPN SePay would have sent, so that your
endpoint can record it (it must de-duplicate on transaction_id, as it must for SePay).`,
		Args: cobra.NoArgs,
		RunE: a.call(func(c *bankhub.Client, _ []string) error {
			if forward != "" && ipnKey == "" {
				return usageErr("--forward-to needs --ipn-key")
			}
			t := &table{header: []string{"TRANSACTION ID", "DATE (UTC+7)", "TYPE", "AMOUNT", "PAYMENT CODE", "CONTENT", "FORWARDED"}, money: []int{3}}
			// A replay goes to the URL given, within forwardTimeout, and
			// counts as delivered on a 2xx only (a redirect is not followed).
			replay := &http.Client{Timeout: forwardTimeout, CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			}}
			failed := 0
			fn := func(ctx context.Context, n *bankhub.IPN) error {
				status := ""
				if forward != "" {
					req, err := bankhub.NewIPNTestRequest(forward, ipnKey, n)
					if err != nil {
						return err
					}
					resp, err := replay.Do(req.WithContext(ctx))
					if err != nil {
						status = "error: " + err.Error()
						failed++
					} else {
						resp.Body.Close()
						status = resp.Status
						if resp.StatusCode < 200 || resp.StatusCode > 299 {
							failed++
						}
					}
				}
				t.add(n, n.TransactionID, showTime(n.TransactionDate), string(n.TransferType), showVND(n.Amount), n.PaymentCode, n.Content, status)
				return nil
			}
			rec := bankhub.NewReconciler(c, fn, bankhub.WithReconcileDedupe(bankhub.NewMemoryDedupe(0, 0)),
				bankhub.WithReconcileWindow(window), bankhub.WithReconcileFilter(bankhub.TransactionListParams{WebhookSuccess: bankhub.Ptr(false)}))
			res, err := rec.Once(a.ctx())
			if err != nil {
				return err
			}
			if err := a.print(t); err != nil {
				return err
			}
			if a.output == "" || a.output == "table" {
				fmt.Fprintf(a.stdout, "%d of the last %s missed by IPN (%s)\n", res.Handled, showDuration(window), plural(res.Requests, "request"))
			}
			if failed > 0 { // so that `bankhub reconcile --forward-to … || alert` alerts
				return &codedError{code: exitError, err: fmt.Errorf("%d of %d replays to %s were not delivered", failed, res.Handled, forward)}
			}
			return nil
		})}
	cmd.Flags().DurationVar(&window, "window", 24*time.Hour, "how far back to look")
	cmd.Flags().StringVar(&forward, "forward-to", "", "send each missed transaction to this IPN URL")
	cmd.Flags().StringVar(&ipnKey, "ipn-key", "", "the API key your IPN endpoint expects")
	return cmd
}
