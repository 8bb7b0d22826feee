package bankhubtest

// Lists: page parameters and the two meta shapes.

import (
	"net/http"
	"net/url"
	"strconv"
)

func paging(w http.ResponseWriter, q url.Values) (page, perPage int, ok bool) {
	page, perPage = 1, 20
	for _, p := range []struct {
		name string
		dst  *int
	}{{"page", &page}, {"per_page", &perPage}, {"limit", &perPage}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || (p.name != "page" && n > 100) {
			validationError(w, p.name, "The "+p.name+" field is invalid.")
			return 0, 0, false
		}
		*p.dst = n
	}
	return page, perPage, true
}

// jsonPage renders one page of items. Call with s.mu held.
func jsonPage[T, J any](items []T, page, perPage int, toJSON func(T) J) []J {
	data := []J{}
	if page > len(items)/perPage+1 { // past the end (and no overflow below)
		return data
	}
	for i := (page - 1) * perPage; i < min(page*perPage, len(items)); i++ {
		data = append(data, toJSON(items[i]))
	}
	return data
}

// writeListPage answers a list in the companies and bank-accounts meta shape.
func writeListPage[J any](w http.ResponseWriter, data []J, total, page, perPage int) {
	pages := pageCount(total, perPage)
	writeJSON(w, http.StatusOK, listBody[J, listMeta]{Data: data, Meta: listMeta{
		PerPage: perPage, Total: total, HasMore: page < pages, CurrentPage: page, PageCount: pages}})
}

func pageCount(total, perPage int) int { return (total + perPage - 1) / perPage }
