package bankhub

// BankAccountService reads the bank accounts linked through hosted links.
type BankAccountService service
