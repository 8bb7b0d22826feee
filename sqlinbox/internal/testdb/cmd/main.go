// Command testdb starts the database servers of the sqlinbox tests under a
// folder and prints their URLs as shell export lines; they run on after it
// exits, until testdb -stop is run on the same folder. .ci/run uses it:
//
//	eval "$(go run ./internal/testdb/cmd -dir "$run_dir/db")"
//	…
//	go run ./internal/testdb/cmd -dir "$run_dir/db" -stop
//
// A server whose URL is already exported is not started.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/bankhub-go/bankhub/sqlinbox/internal/testdb"
)

func main() {
	dir := flag.String("dir", "", "the folder the servers live in (required)")
	stop := flag.Bool("stop", false, "stop the servers started under -dir")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "testdb: -dir is required")
		os.Exit(2)
	}
	if *stop {
		testdb.StopAll(*dir)
		return
	}
	s, err := testdb.Start(*dir, testdb.FromEnv(), true)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testdb:", err)
		os.Exit(1)
	}
	for _, m := range s.Missing {
		fmt.Fprintln(os.Stderr, "testdb: left out:", m)
	}
	fmt.Print(s.Exports())
}
