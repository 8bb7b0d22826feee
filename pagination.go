package bankhub

import (
	"context"
	"encoding/json"
	"iter"
	"net/url"
	"strconv"
)

// Page is one page of a list.
type Page[T any] struct {
	Data []T
	Meta PageMeta
}

// PageMeta describes a page. Bank Hub sends it in two shapes: companies and
// bank accounts use {current_page, per_page, total, page_count, has_more},
// transactions use {page, per_page, total, total_pages}; both fill the same
// fields. When has_more is not sent, HasMore is Page < TotalPages.
type PageMeta struct {
	// Page is the 1-based number of this page (0 when the server did not say).
	Page int
	// PerPage is the page size the server applied.
	PerPage int
	// Total is the number of items over all pages.
	Total int
	// TotalPages is the number of pages.
	TotalPages int
	// HasMore reports whether a later page exists.
	HasMore bool
}

type pageMetaWire struct {
	Page        *Int  `json:"page"`
	CurrentPage *Int  `json:"current_page"`
	PerPage     Int   `json:"per_page"`
	Total       Int   `json:"total"`
	TotalPages  *Int  `json:"total_pages"`
	PageCount   *Int  `json:"page_count"`
	HasMore     *Bool `json:"has_more"`
}

// UnmarshalJSON reads either meta shape.
func (m *PageMeta) UnmarshalJSON(b []byte) error {
	var w pageMetaWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*m = PageMeta{PerPage: int(w.PerPage), Total: int(w.Total)}
	switch {
	case w.CurrentPage != nil:
		m.Page = int(*w.CurrentPage)
	case w.Page != nil:
		m.Page = int(*w.Page)
	}
	switch {
	case w.PageCount != nil:
		m.TotalPages = int(*w.PageCount)
	case w.TotalPages != nil:
		m.TotalPages = int(*w.TotalPages)
	}
	if w.HasMore != nil {
		m.HasMore = bool(*w.HasMore)
	} else {
		m.HasMore = m.Page > 0 && m.Page < m.TotalPages
	}
	return nil
}

// listEnvelope is the {"data": [...], "meta": {...}} answer of a list.
type listEnvelope[T any] struct {
	Data *[]T     `json:"data"`
	Meta PageMeta `json:"meta"`
}

func (e *listEnvelope[T]) check() error {
	if e.Data == nil {
		return errNoData
	}
	return nil
}

// getPage performs a list call.
func getPage[T any](ctx context.Context, c *Client, ep *endpoint, query string) (*Page[T], error) {
	var env listEnvelope[T]
	if err := c.do(ctx, ep, ep.pattern, query, nil, &env); err != nil {
		return nil, err
	}
	return &Page[T]{Data: *env.Data, Meta: env.Meta}, nil
}

// paginate walks the pages from first on, calling fetch for each, and yields
// every item. It holds one page at a time and stops at the first error
// (yielded), when the server says there is no more (has_more false or the
// last page reached), on an empty page, or when the page number the server
// reports does not advance (a server that keeps answering the same page
// cannot make it loop).
func paginate[T any](ctx context.Context, first int, fetch func(ctx context.Context, page int) (*Page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		if first < 1 {
			first = 1
		}
		prev := 0
		for page := first; ; page++ {
			p, err := fetch(ctx, page)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			if len(p.Data) == 0 {
				return
			}
			if p.Meta.Page != 0 {
				if p.Meta.Page <= prev {
					return // the same page again: stop rather than loop
				}
				prev = p.Meta.Page
			}
			for _, item := range p.Data {
				if !yield(item, nil) {
					return
				}
			}
			if !p.Meta.HasMore || (p.Meta.TotalPages > 0 && p.Meta.Page >= p.Meta.TotalPages) {
				return
			}
		}
	}
}

// addPaging writes page and per_page to q when set.
func addPaging(q url.Values, page, perPage int) {
	if page > 0 {
		q.Set("page", strconv.Itoa(page))
	}
	if perPage > 0 {
		q.Set("per_page", strconv.Itoa(perPage))
	}
}

func checkPaging(op string, page, perPage, maxPerPage int) error {
	if page < 0 {
		return paramErr(op, "page", "must not be negative")
	}
	if perPage < 0 {
		return paramErr(op, "per_page", "must not be negative")
	}
	if maxPerPage > 0 && perPage > maxPerPage {
		return paramErr(op, "per_page", "must be at most "+strconv.Itoa(maxPerPage))
	}
	return nil
}
