package main

import (
	"context"
	"fmt"
	"time"

	"github.com/bankhub-go/bankhub"
	"github.com/spf13/cobra"
)

type reconcileOptions struct {
	IO     *ioStreams
	Client func() (*bankhub.Client, error)

	Window            time.Duration
	ForwardTo, IPNKey string
}

func newReconcileCmd(f *factory, run func(context.Context, *reconcileOptions) error) *cobra.Command {
	o := &reconcileOptions{IO: f.IO, Client: f.Client}
	cmd := &cobra.Command{Use: "reconcile", Short: "One pass of the reconciler: the transactions whose IPN was not delivered",
		Long: `reconcile makes one pass of the SDK's reconciler over the last --window of transactions
and lists those whose IPN was not delivered (webhook_success 0). With --forward-ipn-to URL
--ipn-key KEY, each is also sent to URL, exactly as given (as listen's --forward-ipn-to), as
the IPN SePay would have sent, so that your endpoint can record it (it must de-duplicate on
transaction_id, as it must for SePay).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runFunc(run, reconcileRun)(cmd.Context(), o)
		}}
	cmd.Flags().DurationVar(&o.Window, "window", 24*time.Hour, "how far back to look")
	cmd.Flags().StringVar(&o.ForwardTo, "forward-ipn-to", "", "send each missed transaction to this IPN URL, as given")
	cmd.Flags().StringVar(&o.ForwardTo, "forward-to", "", "the same as --forward-ipn-to")
	cmd.Flags().MarkDeprecated("forward-to", "it is --forward-ipn-to, the name listen uses too")
	cmd.Flags().StringVar(&o.IPNKey, "ipn-key", "", "the API key your IPN endpoint expects")
	return cmd
}

// reconcileRun lists the missed transactions, replays each when asked, and
// fails (exit 1) when a replay was not delivered, so that `bankhub
// reconcile --forward-ipn-to … || alert` alerts.
func reconcileRun(ctx context.Context, o *reconcileOptions) error {
	if o.ForwardTo != "" {
		if err := checkForwardURL(o.ForwardTo); err != nil {
			return usageErr("--forward-ipn-to: %v", err)
		}
		if o.IPNKey == "" {
			return usageErr("--forward-ipn-to needs --ipn-key: your endpoint checks it")
		}
	}
	c, err := o.Client()
	if err != nil {
		return err
	}
	t := &table{header: []string{"TRANSACTION ID", "DATE (UTC+7)", "TYPE", "AMOUNT", "PAYMENT CODE", "CONTENT", "FORWARDED"}, money: []int{3}}
	// A replay goes to the URL given, within forwardTimeout, and counts as
	// delivered on a 2xx only (a redirect is not followed).
	replay := forwardClient()
	failed := 0
	fn := func(ctx context.Context, n *bankhub.IPN) error {
		status := ""
		if o.ForwardTo != "" {
			req, err := bankhub.NewIPNTestRequest(o.ForwardTo, o.IPNKey, n)
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
		t.add(n, n.TransactionID, showTime(n.TransactionDate), showDirection(n.TransferType), showVND(n.Amount), n.PaymentCode, n.Content, status)
		return nil
	}
	rec := bankhub.NewReconciler(c, fn, bankhub.WithReconcileDedupe(bankhub.NewMemoryDedupe(0, 0)),
		bankhub.WithReconcileWindow(o.Window), bankhub.WithReconcileFilter(bankhub.TransactionListParams{WebhookSuccess: bankhub.Ptr(false)}))
	res, err := rec.Once(ctx)
	if err != nil {
		return err
	}
	if err := o.IO.print(t); err != nil {
		return err
	}
	if o.IO.forPeople() {
		fmt.Fprintf(o.IO.Out, "%d of the last %s missed by IPN (%s)\n", res.Handled, showDuration(o.Window), plural(res.Requests, "request"))
	}
	if failed > 0 {
		return &codedError{code: exitError, err: fmt.Errorf("%d of %d replays to %s were not delivered", failed, res.Handled, o.ForwardTo)}
	}
	return nil
}
