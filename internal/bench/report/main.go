// Command report runs the benchmarks of internal/bench several times,
// interleaved (every benchmark once per round), and prints the medians and
// the SDK's ratios to the hand-written clients as a Markdown table.
//
//	go run ./internal/bench/report -count 10
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
)

var line = regexp.MustCompile(`^Benchmark(\w+)/(\w+)-\d+\s+\d+\s+(.*)$`)

type key struct{ bench, variant string }

func main() {
	count := flag.Int("count", 10, "rounds")
	benchtime := flag.String("benchtime", "1s", "go test -benchtime for each benchmark in a round")
	flag.Parse()
	samples := map[key]map[string][]float64{}
	var order []key
	var cpu string
	for round := 1; round <= *count; round++ {
		fmt.Fprintf(os.Stderr, "round %d/%d\n", round, *count)
		cmd := exec.Command("go", "test", "-run", "^$", "-bench", ".", "-benchmem", "-count", "1", "-benchtime", *benchtime, "./internal/bench")
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s\nreport: %v\n", out, err)
			os.Exit(1)
		}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			t := sc.Text()
			if strings.HasPrefix(t, "cpu: ") {
				cpu = strings.TrimPrefix(t, "cpu: ")
			}
			m := line.FindStringSubmatch(t)
			if m == nil {
				continue
			}
			k := key{m[1], m[2]}
			if samples[k] == nil {
				samples[k] = map[string][]float64{}
				order = append(order, k)
			}
			f := strings.Fields(m[3])
			for i := 0; i+1 < len(f); i += 2 {
				v, err := strconv.ParseFloat(f[i], 64)
				if err == nil {
					samples[k][f[i+1]] = append(samples[k][f[i+1]], v)
				}
			}
		}
	}
	med := func(k key, unit string) float64 {
		v := slices.Clone(samples[k][unit])
		if len(v) == 0 {
			return 0
		}
		sort.Float64s(v)
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	fmt.Printf("Machine: %s, %d CPUs, %s, %s/%s. Medians of %d interleaved rounds, -benchtime %s.\n\n",
		cpu, runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH, *count, *benchtime)
	fmt.Println("| Benchmark | Client | ns/op | B/op | allocs/op | peak live heap MiB | time ÷ raw | time ÷ rawpool | allocs ÷ rawpool | allocs − raw |")
	fmt.Println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, k := range order {
		raw, pool := key{k.bench, "raw"}, key{k.bench, "rawpool"}
		ratio := func(a, b float64, f string) string {
			if b == 0 {
				return "—"
			}
			return fmt.Sprintf(f, a/b)
		}
		peak := "—"
		if p := med(k, "peak-live-MiB"); p > 0 {
			peak = fmt.Sprintf("%.1f", p)
		}
		row := []string{k.bench, k.variant, fmt.Sprintf("%.0f", med(k, "ns/op")), fmt.Sprintf("%.0f", med(k, "B/op")),
			fmt.Sprintf("%.0f", med(k, "allocs/op")), peak, "", "", "", ""}
		if k.variant == "sdk" {
			row[6] = ratio(med(k, "ns/op"), med(raw, "ns/op"), "%.3f×")
			row[7] = ratio(med(k, "ns/op"), med(pool, "ns/op"), "%.3f×")
			row[8] = ratio(med(k, "allocs/op"), med(pool, "allocs/op"), "%.3f×")
			if _, ok := samples[raw]; ok {
				row[9] = fmt.Sprintf("%+.0f", med(k, "allocs/op")-med(raw, "allocs/op"))
			}
		}
		fmt.Println("| " + strings.Join(row, " | ") + " |")
	}
}
