// Command dmhelper is the small static helper baked into the FROM scratch
// images of Dockmaster and the registry, which have no shell or curl:
//
//	dmhelper probe URL
//	    exit 0 when GET URL answers 2xx within 3 s (Docker health checks);
//	dmhelper registry --jwks-url URL [--jwks-url URL2 ...] --bundle FILE [--interval 5s] -- registry serve CONFIG
//	    keep FILE (the registry's auth.token.rootcertbundle) equal to the
//	    certificates the auth cluster publishes at /.well-known/jwks.json,
//	    start the registry once the first set is known and restart it
//	    (gracefully, SIGTERM) whenever the set changes — after
//	    `dockmaster keys rotate`, or when a retired key stops being published.
//
// The registry reads rootcertbundle only at start, hence the restart. When no
// auth replica answers, the current bundle and registry are left alone.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(ctx, os.Args[1:], log); err != nil {
		log.Error("dmhelper failed", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, log *slog.Logger) error {
	if len(args) == 0 {
		return errors.New("usage: dmhelper probe URL | dmhelper registry --jwks-url URL --bundle FILE -- COMMAND")
	}
	switch args[0] {
	case "probe":
		if len(args) != 2 {
			return errors.New("usage: dmhelper probe URL")
		}
		return probe(ctx, args[1])
	case "registry":
		return runRegistry(ctx, args[1:], log)
	default:
		return fmt.Errorf("unknown command %q", args[0])
	}
}

func probe(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return nil
}

type urlList []string

func (u *urlList) String() string     { return strings.Join(*u, ",") }
func (u *urlList) Set(s string) error { *u = append(*u, s); return nil }

func runRegistry(ctx context.Context, args []string, log *slog.Logger) error {
	fs := flag.NewFlagSet("registry", flag.ContinueOnError)
	var urls urlList
	fs.Var(&urls, "jwks-url", "URL of the auth cluster's /.well-known/jwks.json (repeat for each replica)")
	bundle := fs.String("bundle", "/run/dockmaster/rootcerts.pem", "where to write the certificate bundle")
	interval := fs.Duration("interval", 5*time.Second, "how often to look for new keys")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cmdArgs := fs.Args()
	if len(urls) == 0 || len(cmdArgs) == 0 {
		return errors.New("registry: --jwks-url and a command after -- are required")
	}
	if *interval < time.Second {
		return errors.New("registry: --interval must be at least 1s")
	}
	if err := os.MkdirAll(filepath.Dir(*bundle), 0o755); err != nil {
		return err
	}
	client := &http.Client{Timeout: 3 * time.Second}

	// Wait for the first key set: the registry must not start without one.
	var current []byte
	for current == nil {
		pemBytes, err := fetchBundle(ctx, client, urls)
		if err == nil {
			current = pemBytes
			break
		}
		log.Warn("waiting for the auth cluster's keys", "error", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(*interval):
		}
	}
	if err := writeAtomic(*bundle, current); err != nil {
		return err
	}
	for {
		child, done, err := start(cmdArgs)
		if err != nil {
			return err
		}
		log.Info("registry started", "pid", child.Process.Pid, "keys", sum(current))
		restart := false
		tick := time.NewTicker(*interval)
		for !restart {
			select {
			case <-ctx.Done():
				tick.Stop()
				return stopChild(child, done)
			case err := <-done:
				tick.Stop()
				// The container's restart policy takes over.
				return fmt.Errorf("registry exited: %w", err)
			case <-tick.C:
				next, err := fetchBundle(ctx, client, urls)
				if err != nil {
					log.Warn("keys not refreshed; keeping the current ones", "error", err)
					continue
				}
				if bytes.Equal(next, current) {
					continue
				}
				if err := writeAtomic(*bundle, next); err != nil {
					log.Error("write bundle", "error", err)
					continue
				}
				log.Info("published keys changed; restarting the registry", "old", sum(current), "new", sum(next))
				current = next
				restart = true
			}
		}
		tick.Stop()
		if err := stopChild(child, done); err != nil {
			log.Warn("registry stop", "error", err)
		}
	}
}

func start(args []string) (*exec.Cmd, <-chan error, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("start %s: %w", args[0], err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	return cmd, done, nil
}

// stopChild asks the registry to drain (SIGTERM; its http.draintimeout
// applies) and kills it after 15 s.
func stopChild(cmd *exec.Cmd, done <-chan error) error {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
		return nil
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		return errors.New("registry did not stop in 15s; killed")
	}
}

type jwk struct {
	KID string   `json:"kid"`
	X5C []string `json:"x5c"`
}

type jwks struct {
	Keys []jwk `json:"keys"`
}

// fetchBundle asks each URL in turn and returns the PEM certificates of the
// first complete answer, sorted by kid so that order changes do not count.
func fetchBundle(ctx context.Context, client *http.Client, urls []string) ([]byte, error) {
	var errs []error
	for _, u := range urls {
		b, err := fetchOne(ctx, client, u)
		if err == nil {
			return b, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

func fetchOne(ctx context.Context, client *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	var set jwks
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	slices.SortFunc(set.Keys, func(a, b jwk) int { return strings.Compare(a.KID, b.KID) })
	var buf bytes.Buffer
	for _, k := range set.Keys {
		if len(k.X5C) == 0 {
			return nil, fmt.Errorf("%s: key %s has no x5c certificate", url, k.KID)
		}
		der, err := base64.StdEncoding.DecodeString(k.X5C[0])
		if err != nil {
			return nil, fmt.Errorf("%s: key %s: %w", url, k.KID, err)
		}
		if _, err := x509.ParseCertificate(der); err != nil {
			return nil, fmt.Errorf("%s: key %s: %w", url, k.KID, err)
		}
		_ = pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	if buf.Len() == 0 {
		return nil, fmt.Errorf("%s: no keys published yet", url)
	}
	return buf.Bytes(), nil
}

func writeAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return fmt.Sprintf("%x", h[:6])
}
