package bankhub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"reflect"
	"strconv"
	"sync"

	"github.com/bankhub-go/bankhub/internal/wire"
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
	Page        *wire.Int  `json:"page"`
	CurrentPage *wire.Int  `json:"current_page"`
	PerPage     wire.Int   `json:"per_page"`
	Total       wire.Int   `json:"total"`
	TotalPages  *wire.Int  `json:"total_pages"`
	PageCount   *wire.Int  `json:"page_count"`
	HasMore     *wire.Bool `json:"has_more"`
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
// Data starts as an empty pooled slice of capacity pooled (see getPage).
type listEnvelope[T any] struct {
	Data   *[]T     `json:"data"`
	Meta   PageMeta `json:"meta"`
	pooled int
}

// check reports an answer without "data". "data": null sets Data to nil;
// an absent "data" leaves the pooled slice as it was, empty with its
// capacity, while "data": [] replaces it with one of capacity 0
// (encoding/json does; TestListAnswerWithoutData holds it to that).
func (e *listEnvelope[T]) check() error {
	if e.Data == nil || (len(*e.Data) == 0 && e.pooled > 0 && cap(*e.Data) == e.pooled) {
		return errNoData
	}
	return nil
}

// getPage performs a list call: the items are decoded into their wire form
// W, in a pooled slice, and copied into a page of T.
func getPage[T, W any, PW interface {
	*W
	fill(*T)
}](ctx context.Context, c *Client, ep *endpoint, r *call) (*Page[T], error) {
	items := getItems[W]()
	defer putItems(items)
	env := listEnvelope[W]{Data: items, pooled: cap(*items)}
	r.out = &env
	if err := c.do(ctx, ep, r); err != nil {
		return nil, err
	}
	page := &Page[T]{Data: make([]T, len(*env.Data)), Meta: env.Meta}
	for i := range *env.Data {
		PW(&(*env.Data)[i]).fill(&page.Data[i])
	}
	return page, nil
}

// Pages are decoded into pooled slices of wire items: encoding/json then
// fills their capacity instead of growing a new slice item by item, and a
// page's only garbage is its copy into the public type. A slice is
// cleared before it is reused, since encoding/json leaves the fields an
// item lacks as they were.
var itemPools sync.Map // reflect.Type of W → *sync.Pool of *[]W

const (
	pooledItems    = 100  // the capacity a pooled slice starts with (the largest page most lists allow)
	maxPooledItems = 1000 // a slice grown larger is left to the garbage collector
)

func itemPool[W any]() *sync.Pool {
	key := reflect.TypeFor[W]()
	if p, ok := itemPools.Load(key); ok {
		return p.(*sync.Pool)
	}
	p, _ := itemPools.LoadOrStore(key, &sync.Pool{New: func() any {
		s := make([]W, 0, pooledItems)
		return &s
	}})
	return p.(*sync.Pool)
}

// getItems returns an empty slice with room for a page: never of capacity
// 0, which is how an answer's "data": [] is told from no "data" at all.
func getItems[W any]() *[]W {
	s := itemPool[W]().Get().(*[]W)
	if cap(*s) == 0 { // left by a "data": []
		*s = make([]W, 0, pooledItems)
	}
	return s
}

func putItems[W any](s *[]W) {
	if cap(*s) > maxPooledItems {
		return
	}
	clear((*s)[:cap(*s)])
	*s = (*s)[:0]
	itemPool[W]().Put(s)
}

// ErrPagination is matched by the error that ends a walk (All) whose pages
// contradict each other: a page other than the one asked for, has_more on
// the last page, or pages that bring nothing new.
var ErrPagination = errors.New("bankhub: inconsistent pagination")

// maxStalls is how many pages in a row may bring nothing new before a walk
// gives up: enough to step over a burst of new items, too few to loop.
const maxStalls = 3

// walk is the state of one All: where the next unseen item is, and the
// keys of the last items yielded.
type walk[T any] struct {
	key    func(*T) string
	front  bool // new items arrive at the front (newest first)
	per    int  // page size
	total  int  // total reported by the latest page
	growth int  // how much the total grew between the last two pages
	next   int  // position, in the list as the latest page showed it, of the first unseen item
	anchor string
	recent recentKeys
	stalls int
}

// recentKeys remembers the last n keys added.
type recentKeys struct {
	ring []string
	at   int
	set  map[string]struct{}
}

func (r *recentKeys) has(k string) bool { _, ok := r.set[k]; return ok }

func (r *recentKeys) add(k string) {
	if old := r.ring[r.at]; old != "" {
		delete(r.set, old)
	}
	r.ring[r.at] = k
	r.set[k] = struct{}{}
	r.at = (r.at + 1) % len(r.ring)
}

// paginate walks the pages from first on, calling fetch for each, and yields
// every item that existed when the walk began exactly once, holding one
// page and the keys of the last two pages' worth of items at a time.
//
// Bank Hub pages by number and lists newest first, so items that arrive
// mid-walk push older ones to later pages. The walk follows them: the
// growth of meta.total says how far the list moved, the last item yielded
// (the anchor) confirms where the walk stands, and none of the last
// 2×per_page keys yielded is yielded again. front is false for an oldest-first order,
// where new items arrive at the end and move nothing.
//
// The walk ends after the page the server calls last (has_more false, or no
// meta), or on an empty page. It ends with an error matching ErrPagination
// when the server answers another page than the one asked for (the page
// asked for stands in when meta has no page number), when has_more is true
// on the last page by page_count or total, or when maxStalls pages in a row
// bring nothing new. It stops at the first error of fetch, which it yields.
func paginate[T any](ctx context.Context, first, perPage int, front bool, key func(*T) string,
	fetch func(ctx context.Context, page int) (*Page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		w := &walk[T]{key: key, front: front, per: -1}
		page := max(first, 1)
		for {
			p, err := fetch(ctx, page)
			if err == nil {
				var done bool
				done, page, err = w.step(page, perPage, p, yield)
				if done && err == nil {
					return
				}
			}
			if err != nil {
				if !errors.Is(err, errStopped) {
					var zero T
					yield(zero, err)
				}
				return
			}
		}
	}
}

// errStopped reports that the consumer stopped the walk.
var errStopped = errors.New("stopped")

// step yields the unseen items of one page and returns whether the walk is
// over and, if not, the page to fetch next.
func (w *walk[T]) step(page, perPage int, p *Page[T], yield func(T, error) bool) (done bool, next int, err error) {
	m, data := p.Meta, p.Data
	if m.Page != 0 && m.Page != page {
		return true, 0, fmt.Errorf("%w: asked for page %d, the server answered page %d", ErrPagination, page, m.Page)
	}
	if w.per < 0 { // the first page fixes the page size and the start
		switch {
		case m.PerPage > 0:
			w.per = m.PerPage
		case perPage > 0:
			w.per = perPage
		default:
			w.per = len(data)
		}
		if w.per == 0 {
			return true, 0, nil
		}
		w.next, w.total = (page-1)*w.per, m.Total
		w.recent = recentKeys{ring: make([]string, 2*w.per), set: make(map[string]struct{}, 2*w.per)}
	} else {
		w.growth = 0
		if w.front && m.Total > 0 && w.total > 0 {
			w.growth = m.Total - w.total
			w.next += w.growth // items added (or removed) ahead of us
		}
		w.total = m.Total
	}
	start := (page - 1) * w.per
	if w.next < start { // removals moved unseen items to an earlier page
		w.next = max(w.next, 0)
		return false, w.next/w.per + 1, w.stall(page)
	}
	i := w.next - start
	if w.anchor != "" {
		if j := w.indexOf(data, w.anchor); j >= 0 {
			i = j + 1 // the anchor says where we are
		} else if i <= len(data) {
			i = 0 // the anchor is not where the counts put it: trust only the keys
		}
	}
	if i > len(data) {
		if len(data) < w.per {
			return true, 0, nil // a short last page, entirely seen
		}
		// Items arrive faster than we page: jump to where the next unseen
		// item will be if they keep coming at this rate (the anchor
		// corrects an overshoot).
		return false, (w.next+max(w.growth, 0))/w.per + 1, w.stall(page)
	}
	yielded := 0
	for k := i; k < len(data); k++ {
		id := w.key(&data[k])
		if id != "" {
			if w.recent.has(id) {
				continue
			}
			w.recent.add(id)
		}
		yielded++
		if !yield(data[k], nil) {
			return true, 0, errStopped
		}
	}
	if len(data) > 0 {
		w.anchor = w.key(&data[len(data)-1])
	}
	w.next = start + len(data)
	if yielded == 0 {
		if err := w.stall(page); err != nil {
			return true, 0, err
		}
	} else {
		w.stalls = 0
	}
	switch {
	case len(data) == 0 || !m.HasMore:
		return true, 0, nil
	case m.TotalPages > 0 && page >= m.TotalPages:
		return true, 0, fmt.Errorf("%w: has_more is true on page %d of %d", ErrPagination, page, m.TotalPages)
	case m.Total > 0 && w.next >= m.Total:
		return true, 0, fmt.Errorf("%w: has_more is true after all %d items", ErrPagination, m.Total)
	}
	return false, w.next/w.per + 1, nil
}

func (w *walk[T]) stall(page int) error {
	w.stalls++
	if w.stalls > maxStalls {
		return fmt.Errorf("%w: %d pages in a row up to page %d brought nothing new", ErrPagination, w.stalls, page)
	}
	return nil
}

func (w *walk[T]) indexOf(data []T, id string) int {
	for k := range data {
		if w.key(&data[k]) == id {
			return k
		}
	}
	return -1
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

// addDate sets name to d in q unless d is zero; a day that does not exist
// is a ParamError.
func addDate(q url.Values, op, name string, d Date) error {
	if d.IsZero() {
		return nil
	}
	if !d.IsValid() {
		return paramErr(op, name, "not a calendar day")
	}
	q.Set(name, d.String())
	return nil
}
