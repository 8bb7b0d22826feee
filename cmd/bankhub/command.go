package main

import (
	"context"
	"iter"
	"strings"

	"github.com/bankhub-go/bankhub"
	"github.com/spf13/cobra"
)

// dateFlag parses a YYYY-MM-DD flag ("" when unset).
func dateFlag(name, v string) (bankhub.Date, error) {
	if v == "" {
		return bankhub.Date{}, nil
	}
	d, err := bankhub.ParseDate(v)
	if err != nil {
		return bankhub.Date{}, usageErr("--%s: %s", name, strings.TrimPrefix(err.Error(), "bankhub: "))
	}
	return d, nil
}

// call wraps a command body that needs the client.
func (a *app) call(fn func(c *bankhub.Client, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		c, err := a.Client()
		if err != nil {
			return err
		}
		return fn(c, args)
	}
}

// listOrAll is every list command's body: one page (list), or with --all
// every page (walk), with progress on stderr; add takes each item.
func listOrAll[T, P any](a *app, all bool, list func(context.Context, *P) (*bankhub.Page[T], error),
	walk func(context.Context, *P) iter.Seq2[T, error], params *P, add func(T)) error {
	if !all {
		page, err := list(a.ctx(), params)
		if err != nil {
			return err
		}
		for _, v := range page.Data {
			add(v)
		}
		return nil
	}
	pr := a.progress()
	defer pr.done()
	for v, err := range walk(a.ctx(), params) {
		if err != nil {
			return err
		}
		pr.tick()
		add(v)
	}
	return nil
}

// writeClient is the client for a write, once a write to production is
// confirmed (see confirmWrite).
func (a *app) writeClient(what string) (*bankhub.Client, error) {
	c, err := a.Client()
	if err != nil {
		return nil, err
	}
	if err := a.confirmWrite(what); err != nil {
		return nil, err
	}
	return c, nil
}
