package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/dockmaster/dockmaster/internal/testutil/latencyproxy"
)

// slowDBDelay is the latency added each way between Dockmaster and
// PostgreSQL for figure 7 (issue 13's setting).
const slowDBDelay = 25 * time.Millisecond

// slowDBFigure is figure 7: authenticated token requests with PostgreSQL
// 25 ms away each way (a latency-injecting proxy of our own), at 1, 10 and
// 100 connections. More clients must never mean less throughput: the
// target is rate(100) ≥ rate(10), and the ratio is printed.
func (b *bench) slowDBFigure(ctx context.Context) error {
	b.logf("starting PostgreSQL for the slow-database figure ...")
	pg, err := startPostgres(b.o.serverCore)
	if err != nil {
		return err
	}
	defer pg.stop()
	host := pg.url[strings.Index(pg.url, "@")+1:]
	host = host[:strings.IndexByte(host, '/')]
	proxy, err := latencyproxy.Start(host, 0)
	if err != nil {
		return err
	}
	defer proxy.Close()
	dm, err := b.startDockmaster("dockmaster-slowdb", strings.Replace(pg.url, host, proxy.Addr(), 1))
	if err != nil {
		return err
	}
	defer dm.stop()
	pw := randomHex(12)
	if err := b.setupTokens(ctx, dm, userName, pw); err != nil {
		return err
	}
	proxy.SetDelay(slowDBDelay)
	path := "/auth/token?service=" + service + "&scope=" + pushScope
	rates := map[int]LoadResult{}
	for _, conns := range []int{1, 10, 100} {
		cfg := LoadConfig{Mode: "token", Conns: conns, User: userName, Password: pw, URL: dm.url + path,
			Duration: b.o.duration, Warmup: b.o.warmup}
		d, err := b.load(ctx, cfg, dm, b.profilePath(fmt.Sprintf("token-slowdb-%d", conns)))
		if err != nil {
			return err
		}
		b.logf("%-28s dockmaster: %s", fmt.Sprintf("token-slowdb-%d", conns), d.summary())
		if d.Errors > 0 || d.BadStatus > 0 {
			b.notes = append(b.notes, fmt.Sprintf("slow database, %d conns: %d errors and %d non-2xx (last: %s); the rate counts only 2xx",
				conns, d.Errors, d.BadStatus, d.LastError))
		}
		rates[conns] = d
	}
	fig := fmt.Sprintf("7. token, Basic, PostgreSQL +%s each way", slowDBDelay)
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
