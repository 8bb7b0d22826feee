package bankhub

// CompanyService manages the merchant's companies.
type CompanyService service
