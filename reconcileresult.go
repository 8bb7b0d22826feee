package bankhub

// What a Reconciler pass did: its result, the totals of every pass, and
// the log line of each.

import (
	"context"
	"log/slog"
)

// ReconcileResult says what one pass did.
type ReconcileResult struct {
	// Skipped is true when another replica holds the lock: nothing was done.
	Skipped bool
	// Full is true when the pass walked the whole window.
	Full bool
	// Requests is the number of list pages fetched.
	Requests int
	// Checked is the number of transactions looked at.
	Checked int
	// Handled is the number handed to the function, which returned nil.
	Handled int
	// Duplicates is the number already done (by IPN or an earlier pass).
	Duplicates int
	// InProgress is the number being handled elsewhere, left for the next pass.
	InProgress int
	// Failed is the number whose function failed (or whose claim could not
	// be made), left for the next pass.
	Failed int
}

// ReconcileStats adds up every pass of a Reconciler.
type ReconcileStats struct {
	// Passes counts every call of Once, Run's included.
	Passes int64
	// Skipped counts the passes that did nothing because another replica
	// held the ReconcileLock.
	Skipped int64
	// Requests counts the transaction list pages fetched.
	Requests int64
	// Checked counts the transactions looked at.
	Checked int64
	// Handled counts those handed to the function, which returned nil.
	Handled int64
	// Duplicates counts those already done (by the IPN handler or an
	// earlier pass): not handed over again.
	Duplicates int64
	// InProgress counts those another attempt held at the time (the IPN
	// handler, or another replica): left for a later pass.
	InProgress int64
	// Failed counts those whose function failed, panicked or overran its
	// deadline, or whose claim could not be made: retried on a later pass.
	Failed int64
}

// Stats returns the totals of every pass so far.
func (r *Reconciler) Stats() ReconcileStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stats
}

func (r *Reconciler) record(ctx context.Context, res *ReconcileResult) {
	r.mu.Lock()
	r.stats.Passes++
	r.stats.Skipped++
	r.mu.Unlock()
	r.logPass(ctx, res, nil)
}

func (r *Reconciler) addStats(res *ReconcileResult) {
	s := &r.stats
	s.Requests += int64(res.Requests)
	s.Checked += int64(res.Checked)
	s.Handled += int64(res.Handled)
	s.Duplicates += int64(res.Duplicates)
	s.InProgress += int64(res.InProgress)
	s.Failed += int64(res.Failed)
}

func (r *Reconciler) logPass(ctx context.Context, res *ReconcileResult, err error) {
	if r.logger == nil {
		return
	}
	level := slog.LevelDebug
	switch {
	case err != nil || res.Failed > 0:
		level = slog.LevelError
	case res.Handled > 0:
		level = slog.LevelInfo
	}
	if !r.logger.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{slog.Bool("skipped", res.Skipped), slog.Bool("full", res.Full), slog.Int("requests", res.Requests),
		slog.Int("checked", res.Checked), slog.Int("handled", res.Handled), slog.Int("duplicates", res.Duplicates),
		slog.Int("in_progress", res.InProgress), slog.Int("failed", res.Failed)}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	r.logger.LogAttrs(ctx, level, "bankhub: reconcile pass", attrs...)
}

func (r *Reconciler) log(ctx context.Context, level slog.Level, msg string, err error, id string) {
	if r.logger == nil || !r.logger.Enabled(ctx, level) {
		return
	}
	var attrs []slog.Attr
	if id != "" {
		attrs = append(attrs, slog.String("transaction_id", id))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	r.logger.LogAttrs(ctx, level, "bankhub: reconcile: "+msg, attrs...)
}
