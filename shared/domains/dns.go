package domains

import (
	"context"
	"net"
	"time"
)

// TXTResolver looks up the TXT records of a name.
type TXTResolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// NewResolver returns the resolver that checks TXT challenges: the
// system's (in Lambda, the Amazon-provided DNS of the function's network)
// when addr is empty, else the DNS server at addr (host:port), which is
// how GATEHOUSE_DNS_RESOLVER points the local stack and the tests at their
// own server. The standard library's resolver is enough for one TXT query
// and keeps the function binary small.
func NewResolver(addr string) TXTResolver {
	if addr == "" {
		return net.DefaultResolver
	}
	d := net.Dialer{Timeout: 2 * time.Second}
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
	}
}
