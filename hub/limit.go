package hub

import (
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter is a token bucket per client, with a bounded number of clients.
type limiter struct {
	r     rate.Limit
	burst int

	mu      sync.Mutex
	clients map[string]*client
}

type client struct {
	lim  *rate.Limiter
	seen time.Time
}

// maxClients bounds the limiter's memory; past it, idle clients are
// dropped (a dropped client starts again with a full bucket, which only
// matters to clients idle for longer than a bucket takes to refill).
const maxClients = 10000

func newLimiter(r rate.Limit, burst int) *limiter {
	return &limiter{r: r, burst: burst, clients: map[string]*client{}}
}

func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.clients[key]
	if !ok {
		if len(l.clients) >= maxClients {
			l.sweep(now)
		}
		c = &client{lim: rate.NewLimiter(l.r, l.burst)}
		l.clients[key] = c
	}
	c.seen = now
	return c.lim.AllowN(now, 1)
}

// sweep drops clients whose bucket has refilled (they lose nothing); if
// that is not enough, it drops arbitrary clients down to half the bound.
func (l *limiter) sweep(now time.Time) {
	full := time.Duration(float64(l.burst) / float64(l.r) * float64(time.Second))
	for k, c := range l.clients {
		if now.Sub(c.seen) > full {
			delete(l.clients, k)
		}
	}
	for k := range l.clients {
		if len(l.clients) <= maxClients/2 {
			break
		}
		delete(l.clients, k)
	}
}

// remoteKey is the default client key: the remote IP, IPv6 addresses by
// their /64 (one subscriber's usual allocation).
func remoteKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
