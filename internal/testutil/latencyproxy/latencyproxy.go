// Package latencyproxy is a TCP proxy for tests and benchmarks that puts a
// dependency (PostgreSQL, Redis) at a distance: every chunk of bytes is
// delivered a set delay after it was read, in each direction, without
// limiting throughput (chunks are pipelined, as on a long link). It can also
// take the dependency down and bring it back (Down, Up): the listener closes,
// open connections are cut, and new ones are refused, as when the process
// stops, on the same address.
package latencyproxy

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Proxy forwards connections from Addr to a target.
type Proxy struct {
	target string
	addr   string
	delay  atomic.Int64 // nanoseconds, each way

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
	done  bool
}

// Start listens on a free loopback port and forwards to target (host:port),
// delaying each direction by delay.
func Start(target string, delay time.Duration) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{target: target, addr: ln.Addr().String(), conns: map[net.Conn]struct{}{}}
	p.delay.Store(int64(delay))
	p.serve(ln)
	return p, nil
}

// Addr is the proxy's host:port, where clients connect instead of the target.
func (p *Proxy) Addr() string { return p.addr }

// SetDelay changes the delay each way for what is read from now on.
func (p *Proxy) SetDelay(d time.Duration) { p.delay.Store(int64(d)) }

// Delay is the delay each way.
func (p *Proxy) Delay() time.Duration { return time.Duration(p.delay.Load()) }

// Down takes the target away: the listener closes (new connections are
// refused) and every open connection is cut.
func (p *Proxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		_ = c.Close()
	}
}

// Up brings the target back on the same address after Down.
func (p *Proxy) Up() error {
	p.mu.Lock()
	if p.ln != nil || p.done {
		p.mu.Unlock()
		return nil
	}
	p.mu.Unlock()
	// The port was ours a moment ago; retry briefly in case the kernel
	// still holds it.
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	p.serve(ln)
	return nil
}

// Close stops the proxy and cuts every connection.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.done = true
	p.mu.Unlock()
	p.Down()
	p.wg.Wait()
	return nil
}

func (p *Proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				p.handle(c)
			}()
		}
	}()
}

// track registers c (false when the proxy is down or closed: c is closed).
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		_ = c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	_ = c.Close()
}

func (p *Proxy) handle(client net.Conn) {
	if !p.track(client) {
		return
	}
	defer p.untrack(client)
	server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		return
	}
	if !p.track(server) {
		return
	}
	defer p.untrack(server)
	var wg sync.WaitGroup
	wg.Go(func() { p.pipe(server, client) })
	wg.Go(func() { p.pipe(client, server) })
	wg.Wait()
}

// chunk is what one read returned and when it may be delivered.
type chunk struct {
	b  []byte
	at time.Time
}

// pipe copies src to dst, each chunk delay after it was read; when either
// side ends, both are closed (so the other pipe ends too).
func (p *Proxy) pipe(dst, src net.Conn) {
	q := make(chan chunk, 4096)
	go func() {
		defer close(q)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				q <- chunk{b: buf[:n], at: time.Now().Add(p.Delay())}
			}
			if err != nil {
				return
			}
		}
	}()
	defer func() {
		_ = dst.Close()
		_ = src.Close()
		for range q { // let the reader finish
		}
	}()
	for c := range q {
		if d := time.Until(c.at); d > 0 {
			time.Sleep(d)
		}
		if _, err := dst.Write(c.b); err != nil {
			return
		}
	}
}
