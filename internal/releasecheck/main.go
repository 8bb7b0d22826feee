// Command releasecheck proves that a module outside this repository can
// build against a release of it, before anything is tagged: it lays out the
// root module and redisstore at one version in a module proxy directory (as
// the tags v<X.Y.Z>, redisstore/v<X.Y.Z> and cmd/bankhub/v<X.Y.Z> would
// publish them), then builds a consumer module against that proxy with no
// go.work, and go-installs the CLI from it.
//
//	go run ./internal/releasecheck -version v0.1.0
//
// RELEASING.md runs it before every release; CI runs it too.
package main

import (
	"archive/zip"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"
)

const root = "github.com/bankhub-go/bankhub"

// modules are the published modules: directory in the repository, path.
var modules = [][2]string{{".", root}, {"redisstore", root + "/redisstore"}, {"sqlinbox", root + "/sqlinbox"}, {"cmd/bankhub", root + "/cmd/bankhub"}}

func main() {
	version := flag.String("version", "v0.1.0", "the version to simulate")
	keep := flag.String("proxy", "", "where to write the proxy (default: a temporary folder, removed)")
	flag.Parse()
	if err := run(*version, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "releasecheck:", err)
		os.Exit(1)
	}
}

func run(version, proxyDir string) error {
	top, err := output(".", "git", "rev-parse", "--show-toplevel")
	if err != nil {
		return err
	}
	if proxyDir == "" {
		if proxyDir, err = os.MkdirTemp("", "bankhub-proxy"); err != nil {
			return err
		}
		defer os.RemoveAll(proxyDir)
	}
	for _, m := range modules {
		if err := publish(proxyDir, filepath.Join(top, m[0]), m[1], version); err != nil {
			return fmt.Errorf("%s: %w", m[1], err)
		}
		fmt.Printf("published %s@%s to %s\n", m[1], version, proxyDir)
	}
	return consume(proxyDir, version)
}

// publish writes list, .info, .mod and .zip of one module version, the
// files of a module proxy (https://go.dev/ref/mod#goproxy-protocol).
func publish(proxyDir, dir, modPath, version string) error {
	files, err := moduleFiles(dir)
	if err != nil {
		return err
	}
	at := filepath.Join(proxyDir, filepath.FromSlash(modPath), "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		return err
	}
	mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return err
	}
	mod = releasedGoMod(mod)
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			return err
		}
		w, err := zw.Create(modPath + "@" + version + "/" + f)
		if err != nil {
			return err
		}
		if f == "go.mod" {
			b = mod
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		return err
	}
	info := fmt.Sprintf(`{"Version":%q,"Time":%q}`, version, time.Now().UTC().Format(time.RFC3339))
	for name, content := range map[string][]byte{"list": []byte(version + "\n"), version + ".info": []byte(info),
		version + ".mod": mod, version + ".zip": zbuf.Bytes()} {
		if err := os.WriteFile(filepath.Join(at, name), content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// moduleFiles lists the tracked files of the module in dir, without those
// of modules nested in it (they are not part of its zip).
func moduleFiles(dir string) ([]string, error) {
	out, err := output(dir, "git", "ls-files", "--", ".")
	if err != nil {
		return nil, err
	}
	var nested []string
	var files []string
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, f := range lines {
		if path.Base(f) == "go.mod" && f != "go.mod" {
			nested = append(nested, path.Dir(f)+"/")
		}
	}
	for _, f := range lines {
		if f == "" || f == "go.work" || f == "go.work.sum" {
			continue
		}
		inNested := false
		for _, n := range nested {
			inNested = inNested || strings.HasPrefix(f, n)
		}
		if !inNested {
			files = append(files, f)
		}
	}
	return files, nil
}

// consume builds a module outside the repository that imports redisstore
// and the SDK, resolving both from the proxy only.
func consume(proxyDir, version string) error {
	dir, err := os.MkdirTemp("", "bankhub-consumer")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	src := `package main

import (
	"context"
	"fmt"

	"github.com/bankhub-go/bankhub"
	"github.com/bankhub-go/bankhub/bankhubtest"
	"github.com/bankhub-go/bankhub/redisstore"
	"github.com/redis/go-redis/v9"
)

func main() {
	fake := bankhubtest.NewServer()
	defer fake.Close()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // unreachable: the token source falls back
	client, err := redisstore.NewClient(rdb, fake.ClientID, fake.ClientSecret, bankhub.WithBaseURL(fake.URL))
	if err != nil {
		panic(err)
	}
	page, err := client.Companies.List(context.Background(), nil)
	if err != nil {
		panic(err)
	}
	fmt.Println("consumer ok:", bankhub.Version, len(page.Data), "companies")
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/shop\n\ngo 1.25.0\n"), 0o644); err != nil {
		return err
	}
	upstream, _ := output(".", "go", "env", "GOPROXY")
	// A module cache of its own: a version cached by an earlier run must
	// not stand in for the one laid out now.
	env := append(os.Environ(), "GOWORK=off", "GOBIN="+filepath.Join(dir, "bin"), "GOMODCACHE="+filepath.Join(dir, "modcache"),
		"GOFLAGS=-mod=mod -modcacherw", "GONOSUMDB="+root,
		"GOPROXY=file://"+filepath.ToSlash(proxyDir)+","+strings.TrimSpace(upstream))
	for _, args := range [][]string{
		{"go", "get", root + "/redisstore@" + version, root + "@" + version},
		{"go", "mod", "tidy"},
		{"go", "list", "-m", root, root + "/redisstore"},
		{"go", "run", "."},
		{"go", "install", root + "/cmd/bankhub@" + version},
	} {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		fmt.Printf("$ %s\n%s", strings.Join(args, " "), out)
		if err != nil {
			return fmt.Errorf("%s: %w", strings.Join(args, " "), err)
		}
	}
	cli := exec.Command(filepath.Join(dir, "bin", "bankhub"), "--version")
	out, err := cli.CombinedOutput()
	fmt.Printf("$ bankhub --version\n%s", out)
	if err != nil {
		return fmt.Errorf("the installed CLI: %w", err)
	}
	return nil
}

func output(dir string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}

// releasedGoMod is go.mod as the release commit leaves it: without the
// replace directives that point into this working tree (RELEASING.md drops
// them once the versions they stand for are published; go install refuses
// a module that has one).
func releasedGoMod(mod []byte) []byte {
	var out []string
	for _, line := range strings.Split(string(mod), "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "replace ") && (strings.Contains(t, "=> ./") || strings.Contains(t, "=> ../")) {
			continue
		}
		if strings.HasPrefix(t, "// Until the required versions are published") || strings.HasPrefix(t, "// working tree (RELEASING.md") {
			continue
		}
		out = append(out, line)
	}
	return []byte(strings.Join(out, "\n"))
}
