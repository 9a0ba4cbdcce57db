package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dockmaster/dockmaster/internal/testutil/latencyproxy"
)

// slowDBDelay is the latency added each way between Dockmaster and
// PostgreSQL for figure 7 (issue 13's setting).
const slowDBDelay = 25 * time.Millisecond

// slowDBFigure is figure 7: authenticated token requests with PostgreSQL
// 25 ms away each way (a latency-injecting proxy of our own), at 1, 10 and
// 100 connections; without Redis (every login reads its user row) and with
// a local Redis (user rows cached, so the caches' expiry is what reaches
// the database). More clients must never mean less throughput: the target
// is rate(100) ≥ rate(10), and the ratio is printed.
func (b *bench) slowDBFigure(ctx context.Context) error {
	b.logf("starting PostgreSQL and Redis for the slow-database figure ...")
	pg, err := startPostgres(b.o.serverCore)
	if err != nil {
		return err
	}
	defer pg.stop()
	redisAddr, stopRedis, err := b.startRedis()
	if err != nil {
		return err
	}
	defer stopRedis()
	host := pg.url[strings.Index(pg.url, "@")+1:]
	host = host[:strings.IndexByte(host, '/')]
	proxy, err := latencyproxy.Start(host, 0)
	if err != nil {
		return err
	}
	defer proxy.Close()
	for i, variant := range []struct {
		name string
		env  []string
	}{
		{"no Redis", nil},
		{"Redis", []string{"DOCKMASTER_REDIS_URL=redis://" + redisAddr}},
	} {
		proxy.SetDelay(0)
		// Each variant on its own database: the figures must not share a
		// user or a throttle.
		db := strings.Replace(pg.url, host, proxy.Addr(), 1)
		if i > 0 {
			if db, err = pg.createDB(ctx, fmt.Sprintf("slowdb%d", i)); err != nil {
				return err
			}
			db = strings.Replace(db, host, proxy.Addr(), 1)
		}
		dm, err := b.startDockmaster(fmt.Sprintf("dockmaster-slowdb-%d", i), db, variant.env...)
		if err != nil {
			return err
		}
		pw := randomHex(12)
		if err := b.setupTokens(ctx, dm, userName, pw); err != nil {
			dm.stop()
			return err
		}
		proxy.SetDelay(slowDBDelay)
		err = b.slowDBRows(ctx, dm, pw, variant.name)
		dm.stop()
		if err != nil {
			return err
		}
	}
	return nil
}

func (b *bench) slowDBRows(ctx context.Context, dm *server, pw, variant string) error {
	path := "/auth/token?service=" + service + "&scope=" + pushScope
	rates := map[int]LoadResult{}
	for _, conns := range []int{1, 10, 100} {
		name := fmt.Sprintf("token-slowdb-%s-%d", strings.ReplaceAll(strings.ToLower(variant), " ", ""), conns)
		cfg := LoadConfig{Mode: "token", Conns: conns, User: userName, Password: pw, URL: dm.url + path,
			Duration: b.o.duration, Warmup: b.o.warmup}
		d, err := b.load(ctx, cfg, dm, b.profilePath(name))
		if err != nil {
			return err
		}
		b.logf("%-28s dockmaster: %s", name, d.summary())
		if d.Errors > 0 || d.BadStatus > 0 {
			b.notes = append(b.notes, fmt.Sprintf("%s: %d errors and %d non-2xx (last: %s); the rate counts only 2xx",
				name, d.Errors, d.BadStatus, d.LastError))
		}
		rates[conns] = d
	}
	fig := fmt.Sprintf("7. token, Basic, PostgreSQL +%s each way, %s", slowDBDelay, variant)
	b.add(row{figure: fig + ", 1 conn", value: rate(rates[1].Rate()) + ", p50 " + fmtDur(rates[1].Percentile(50))})
	b.add(row{figure: fig + ", 10 conns", value: rate(rates[10].Rate()) + ", p50 " + fmtDur(rates[10].Percentile(50))})
	r10, r100 := rates[10].Rate(), rates[100].Rate()
	ratio := 0.0
	if r10 > 0 {
		ratio = r100 / r10
	}
	b.add(row{figure: fig + ", 100 conns", value: rate(r100) + ", p50 " + fmtDur(rates[100].Percentile(50)) + ", p99 " + fmtDur(rates[100].Percentile(99)),
		pct: fmt.Sprintf("%.2f× of 10", ratio), target: "≥ 1.00× of 10 conns",
		pass: ptr(ratio >= 1 && rates[100].Errors == 0 && rates[100].BadStatus == 0)})
	return nil
}

// startRedis runs redis-server on a free loopback port, pinned to the
// server core.
func (b *bench) startRedis() (addr string, stop func(), err error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", nil, fmt.Errorf("redis-server not found (apt-get install redis-server): %w", err)
	}
	if addr, err = freeAddr(); err != nil {
		return "", nil, err
	}
	_, port, _ := net.SplitHostPort(addr)
	dir := filepath.Join(b.tmp, "redis")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, err
	}
	argv := pinned(b.o.serverCore, bin, "--port", port, "--bind", "127.0.0.1", "--dir", dir, "--save", "",
		"--appendonly", "no", "--protected-mode", "no")
	cmd := exec.Command(argv[0], argv[1:]...)
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop = func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return addr, stop, nil
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("redis-server on %s not ready: %w", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// createDB creates database name on the server and returns its URL.
func (pg *postgres) createDB(ctx context.Context, name string) (string, error) {
	conn, err := pgx.Connect(ctx, pg.url)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	return strings.Replace(pg.url, "/postgres?", "/"+name+"?", 1), nil
}
