package bankhubtest

// Companies: list, get, create, edit, counter.

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bankhub-go/bankhub"
)

func (s *Server) companyList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, perPage, ok := paging(w, q)
	if !ok {
		return
	}
	sort := q.Get("sort[created_at]")
	if sort != "" && sort != "asc" && sort != "desc" {
		validationError(w, "sort", "The selected sort is invalid.")
		return
	}
	var match []*company
	var data []companyJSON
	s.locked(func() {
		for _, c := range s.companies {
			if qs := q.Get("q"); qs != "" && !strings.Contains(strings.ToLower(c.fullName), strings.ToLower(qs)) {
				continue
			}
			if st := q.Get("status"); st != "" && c.status != st {
				continue
			}
			match = append(match, c)
		}
		if sort != "asc" {
			slices.Reverse(match)
		}
		data = jsonPage(match, page, perPage, func(c *company) companyJSON { return c.json(false) })
	})
	writeListPage(w, data, len(match), page, perPage)
}

func (s *Server) companyGet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.findCompany(r.PathValue("xid"))
	if c == nil {
		notFound(w, "Company", true)
		return
	}
	writeJSON(w, http.StatusOK, dataBody[companyJSON]{c.json(true)})
}

var prefixPattern = regexp.MustCompile(`^[A-Za-z]{2,5}$`)

var companyStatuses = []string{"Active", "Pending", "Suspended", "Terminated", "Cancelled", "Fraud"}

func (s *Server) companyCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		FullName string `json:"full_name"`
		Status   string `json:"status"`
	}
	if !decodeJSONBody(w, r, &in) {
		return
	}
	switch {
	case strings.TrimSpace(in.FullName) == "":
		validationError(w, "full_name", "The full_name field is required.")
		return
	case utf8.RuneCountInString(in.FullName) > 200:
		validationError(w, "full_name", "The full_name may not be greater than 200 characters.")
		return
	case in.Status != "Active" && in.Status != "Pending":
		validationError(w, "status", "The selected status is invalid.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if first(s.companies, func(c *company) bool { return c.fullName == in.FullName }) != nil {
		validationError(w, "full_name", "The full_name has already been taken.")
		return
	}
	now := s.now()
	c := &company{xid: newXID(), fullName: in.FullName, status: in.Status, paymentCode: "off", suffixFrom: 6, suffixTo: 8,
		suffixType: "NumberAndLetter", transactionAmount: "0", createdAt: now, updatedAt: now}
	s.companies = append(s.companies, c)
	writeJSON(w, http.StatusCreated, created[companyCreatedJSON]{Code: 201, Message: "Đã tạo công ty (tổ chức) thành công.",
		Data: companyCreatedJSON{XID: c.xid, FullName: c.fullName}})
}

func (s *Server) companyUpdate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		FullName          *string          `json:"full_name"`
		ShortName         *string          `json:"short_name"`
		Status            *string          `json:"status"`
		PaymentCode       *string          `json:"payment_code"`
		Prefix            *string          `json:"payment_code_prefix"`
		SuffixFrom        *int             `json:"payment_code_suffix_from"`
		SuffixTo          *int             `json:"payment_code_suffix_to"`
		SuffixType        *string          `json:"payment_code_suffix_character_type"`
		TransactionAmount *json.RawMessage `json:"transaction_amount"`
	}
	if !decodeJSONBody(w, r, &in) {
		return
	}
	var amount string
	if in.TransactionAmount != nil {
		var ta bankhub.TransactionAmount
		if err := json.Unmarshal(*in.TransactionAmount, &ta); err != nil || (!ta.Unlimited && ta.Count < 0) {
			validationError(w, "transaction_amount", "The transaction_amount must be a non-negative integer or Unlimited.")
			return
		}
		amount = ta.String()
	}
	switch {
	case in.FullName != nil && (strings.TrimSpace(*in.FullName) == "" || utf8.RuneCountInString(*in.FullName) > 200):
		validationError(w, "full_name", "The full_name field is invalid.")
		return
	case in.Status != nil && !slices.Contains(companyStatuses, *in.Status):
		validationError(w, "status", "The selected status is invalid.")
		return
	case in.PaymentCode != nil && *in.PaymentCode != "on" && *in.PaymentCode != "off":
		validationError(w, "payment_code", "The selected payment_code is invalid.")
		return
	case in.Prefix != nil && !prefixPattern.MatchString(*in.Prefix):
		validationError(w, "payment_code_prefix", "The payment_code_prefix must be 2 to 5 letters.")
		return
	case in.SuffixType != nil && *in.SuffixType != "NumberOnly" && *in.SuffixType != "NumberAndLetter":
		validationError(w, "payment_code_suffix_character_type", "The selected payment_code_suffix_character_type is invalid.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.findCompany(r.PathValue("xid"))
	if c == nil {
		notFound(w, "Company", true)
		return
	}
	from, to := c.suffixFrom, c.suffixTo
	if in.SuffixFrom != nil {
		from = *in.SuffixFrom
	}
	if in.SuffixTo != nil {
		to = *in.SuffixTo
	}
	if from < 1 || to > 30 || from > to {
		validationError(w, "payment_code_suffix_to", "The payment code suffix lengths are invalid.")
		return
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.fullName, in.FullName)
	set(&c.shortName, in.ShortName)
	set(&c.status, in.Status)
	set(&c.paymentCode, in.PaymentCode)
	set(&c.prefix, in.Prefix)
	set(&c.suffixType, in.SuffixType)
	c.suffixFrom, c.suffixTo = from, to
	if amount != "" {
		c.transactionAmount = amount
	}
	c.updatedAt = s.now()
	writeJSON(w, http.StatusOK, codeMessage{200, "Đã cập nhật thông tin công ty (tổ chức) thành công."})
}

// count tallies transactions per Vietnam day; keep decides which count.
func (s *Server) count(keep func(*transaction) bool) (map[string]*counts, []string) {
	days := map[string]*counts{}
	var order []string
	for _, t := range s.transactions {
		if !keep(t) {
			continue
		}
		d := bankhub.DateOf(t.date).String()
		dc := days[d]
		if dc == nil {
			dc = &counts{}
			days[d] = dc
			order = append(order, d)
		}
		dc.add(t.transferType == "in", true)
	}
	slices.Sort(order)
	return days, order
}

func (s *Server) companyCounter(w http.ResponseWriter, r *http.Request) {
	date := r.URL.Query().Get("date")
	if date != "" {
		if _, err := time.Parse("2006-01-02", date); err != nil {
			validationError(w, "date", "The date does not match the format Y-m-d.")
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.findCompany(r.PathValue("xid"))
	if c == nil {
		notFound(w, "Company", true)
		return
	}
	days, order := s.count(func(t *transaction) bool {
		return t.companyXID == c.xid && (date == "" || bankhub.DateOf(t.date).String() == date)
	})
	out := counterJSON{Dates: []counterDayJSON{}}
	for _, d := range order {
		out.Dates = append(out.Dates, counterDayJSON{Date: d, counts: *days[d]})
		out.Total.sum(*days[d])
	}
	writeJSON(w, http.StatusOK, dataBody[counterJSON]{out})
}
