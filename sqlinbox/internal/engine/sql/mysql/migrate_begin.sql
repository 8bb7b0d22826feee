-- DDL commits by itself in MySQL: a named lock of the session orders
-- replicas instead of a transaction, and every step is idempotent.
SELECT GET_LOCK('{{lock}}', 30)
