package bankhub

// TransactionService reads transactions and, in the sandbox, simulates them.
type TransactionService service
