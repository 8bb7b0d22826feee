package bankhubtest

import (
	_ "embed"
	"html/template"
	"net/http"
	"strings"

	"github.com/bankhub-go/bankhub"
)

// SandboxAccount is a test account the hosted link page accepts, with the
// OTP that confirms it.
type SandboxAccount struct {
	BrandName         string              `json:"brand_name"`
	AccountNumber     string              `json:"account_number"`
	AccountHolderName string              `json:"account_holder_name"`
	AccountType       bankhub.AccountType `json:"account_type"`
	OTP               string              `json:"otp"`
}

// sandboxAccounts: the MBBank and ACB personal accounts are those SePay's
// sandbox documents; the others are the fake's own, one per sandbox bank
// (the docs name those banks without their accounts).
var sandboxAccounts = []SandboxAccount{
	{"MBBank", "0123456789", "NGUYEN VAN A", bankhub.AccountIndividual, "12345678"},
	{"MBBank", "0987654321", "CONG TY TNHH DEMO", bankhub.AccountEnterprise, "12345678"},
	{"ACB", "4567890123", "BUI VAN G", bankhub.AccountIndividual, "456789"},
	{"BIDV", "1234567890", "TRAN THI B", bankhub.AccountIndividual, "123456"},
	{"VietinBank", "2345678901", "LE VAN C", bankhub.AccountIndividual, "234567"},
	{"OCB", "3456789012", "PHAM THI D", bankhub.AccountIndividual, "345678"},
	{"KienLongBank", "5678901234", "HOANG VAN E", bankhub.AccountIndividual, "567890"},
}

// SandboxAccounts returns the test accounts of the hosted link page: pick
// the bank, enter the account number, then the OTP.
func SandboxAccounts() []SandboxAccount { return append([]SandboxAccount(nil), sandboxAccounts...) }

// otpFor is the OTP that confirms an account: its own if it is a sandbox
// account, else that of its bank's first one, else 123456.
func otpFor(brand, number string) string {
	if a := findSandboxAccount(brand, number); a != nil {
		return a.OTP
	}
	for _, a := range sandboxAccounts {
		if strings.EqualFold(a.BrandName, brand) {
			return a.OTP
		}
	}
	return "123456"
}

func findSandboxAccount(brand, number string) *SandboxAccount {
	for i, a := range sandboxAccounts {
		if strings.EqualFold(a.BrandName, brand) && a.AccountNumber == strings.TrimSpace(number) {
			return &sandboxAccounts[i]
		}
	}
	return nil
}

//go:embed hosted.html
var hostedHTML string

var hostedPage = template.Must(template.New("hosted").Parse(hostedHTML))

func (s *Server) hostedRoutes() {
	s.mux.HandleFunc("GET /link/{xid}", s.hostedLink)
	// Browsers ask for it with every page: no icon, and no 404 in the log.
	s.mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Cache-Control", "max-age=86400")
		w.WriteHeader(http.StatusNoContent)
	})
	s.mux.HandleFunc("POST /link/{xid}/lookup", s.hostedLookup)
	s.mux.HandleFunc("POST /link/{xid}/complete", s.hostedComplete)
}

// hostedView is what the page shows of a link token.
type hostedView struct {
	XID, Purpose, State, Language, Company, RedirectURI string
	Unlink                                              *SandboxAccount // the account an UNLINK token is for
	Banks                                               []string
	CSS                                                 template.CSS
	LogoURL                                             string
}

// hostedLink serves the hosted link page at hosted_link_url.
func (s *Server) hostedLink(w http.ResponseWriter, r *http.Request) {
	var v hostedView
	var found bool
	s.locked(func() {
		lt := s.findLinkTokenAny(r.PathValue("xid"))
		if lt == nil {
			return
		}
		found = true
		v = hostedView{XID: lt.xid, Purpose: lt.purpose, State: s.linkTokenStatus(lt), Language: lt.language,
			RedirectURI: safeRedirect(lt.redirectURI), CSS: trustedCSS(s.merchant.css), LogoURL: s.merchant.logoURL}
		if c := s.findCompany(lt.companyXID); c != nil {
			v.Company = c.fullName
		}
		if ba := s.findBankAccount(lt.bankAccountXID); ba != nil {
			v.Unlink = &SandboxAccount{BrandName: ba.brandName, AccountNumber: ba.number, AccountHolderName: ba.holderName,
				AccountType: bankhub.AccountType(ba.accountType)}
		}
	})
	if !found {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		hostedPage.Execute(w, hostedView{State: "Unknown", Language: "vi"})
		return
	}
	for _, a := range sandboxAccounts {
		if len(v.Banks) == 0 || v.Banks[len(v.Banks)-1] != a.BrandName {
			v.Banks = append(v.Banks, a.BrandName)
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	hostedPage.Execute(w, v)
}

type hostedIn struct {
	BrandName     string `json:"brand_name"`
	AccountNumber string `json:"account_number"`
	OTP           string `json:"otp"`
}

// hostedLookup checks a bank and account number, as the bank's step does.
func (s *Server) hostedLookup(w http.ResponseWriter, r *http.Request) {
	var in hostedIn
	if err := decodeControl(r, &in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	if st := s.hostedState(r.PathValue("xid")); st != "Active" {
		writeJSON(w, http.StatusGone, map[string]string{"error": "link token is " + strings.ToLower(st), "state": st})
		return
	}
	a := findSandboxAccount(in.BrandName, in.AccountNumber)
	if a == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such account at " + in.BrandName})
		return
	}
	writeJSON(w, http.StatusOK, struct {
		AccountHolderName string              `json:"account_holder_name"`
		AccountType       bankhub.AccountType `json:"account_type"`
	}{a.AccountHolderName, a.AccountType})
}

// hostedComplete checks the OTP and completes the link or the unlink, with
// the same state changes and events as SimulateLink and SimulateUnlink.
func (s *Server) hostedComplete(w http.ResponseWriter, r *http.Request) {
	var in hostedIn
	if err := decodeControl(r, &in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	xid := r.PathValue("xid")
	if st := s.hostedState(xid); st != "Active" {
		writeJSON(w, http.StatusGone, map[string]string{"error": "link token is " + strings.ToLower(st), "state": st})
		return
	}
	var purpose string
	var unlinking *SandboxAccount
	s.locked(func() {
		lt := s.findLinkTokenAny(xid)
		purpose = lt.purpose
		if ba := s.findBankAccount(lt.bankAccountXID); ba != nil && purpose == "UNLINK_BANK_ACCOUNT" {
			unlinking = &SandboxAccount{BrandName: ba.brandName, AccountNumber: ba.number, AccountType: bankhub.AccountType(ba.accountType)}
		}
	})
	a := unlinking
	if a == nil {
		a = findSandboxAccount(in.BrandName, in.AccountNumber)
	}
	if a == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such account at " + in.BrandName})
		return
	}
	if in.OTP != otpFor(a.BrandName, a.AccountNumber) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "wrong OTP"})
		return
	}
	var (
		bankAccount string
		err         error
	)
	if purpose == "UNLINK_BANK_ACCOUNT" {
		bankAccount, err = s.unlink(r.Context(), xid)
	} else {
		bankAccount, err = s.SimulateLink(r.Context(), xid, LinkParams{BrandName: a.BrandName, AccountNumber: a.AccountNumber,
			AccountHolderName: a.AccountHolderName, AccountType: a.AccountType})
	}
	if err != nil {
		writeJSON(w, controlStatus(err), map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, struct {
		BankAccountXID string              `json:"bank_account_xid"`
		AccountNumber  string              `json:"account_number"`
		AccountType    bankhub.AccountType `json:"account_type"`
	}{bankAccount, a.AccountNumber, a.AccountType})
}

// hostedState is the link token's status: Active, Used, Revoked, Expired or
// Unknown.
func (s *Server) hostedState(xid string) string {
	st := "Unknown"
	s.locked(func() {
		if lt := s.findLinkTokenAny(xid); lt != nil {
			st = s.linkTokenStatus(lt)
		}
	})
	return st
}

// trustedCSS is the merchant's custom CSS for the page's <style> element,
// or none if it holds a "<" (which the update already refuses): whatever
// set it, it cannot close the element and inject markup.
func trustedCSS(css string) template.CSS {
	if strings.Contains(css, "<") {
		return ""
	}
	return template.CSS(css)
}

// safeRedirect is where the hosted page sends the user at the end: the link
// token's completion_redirect_uri when it is an http(s) URL (create refuses
// any other; this guards a token set up some other way), or nowhere.
func safeRedirect(u string) string {
	if httpURL(u) {
		return u
	}
	return ""
}
