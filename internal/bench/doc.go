// Package bench holds the SDK's performance benchmarks: each SDK call is
// measured against two hand-written net/http clients over the same loopback
// server and the same transport settings. See BENCHMARKS.md.
package bench
