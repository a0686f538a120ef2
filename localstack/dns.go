package localstack

import (
	"net"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// DNSServer is the local stack's authoritative DNS server for domain
// verification (docs/domains.md): the functions check TXT challenges
// through it (GATEHOUSE_DNS_RESOLVER), as in AWS they check them through
// the public DNS. It answers TXT queries from the records set on it, and
// NXDOMAIN for every other name, over UDP and TCP on one loopback port.
type DNSServer struct {
	// Addr is host:port, the value of GATEHOUSE_DNS_RESOLVER.
	Addr string

	mu      sync.RWMutex
	txt     map[string][]string
	servers []*dns.Server
}

// StartDNS starts a DNS server on a free loopback port.
func StartDNS() (*DNSServer, error) {
	// UDP and TCP on one port: the UDP port the system gives may be taken
	// for TCP by another process, so try a few.
	var (
		pc  net.PacketConn
		ln  net.Listener
		err error
	)
	for range 20 {
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			return nil, err
		}
		if ln, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			break
		}
		_ = pc.Close()
	}
	if err != nil {
		return nil, err
	}
	s := &DNSServer{Addr: pc.LocalAddr().String(), txt: map[string][]string{}}
	h := dns.HandlerFunc(s.serve)
	s.servers = []*dns.Server{{PacketConn: pc, Handler: h}, {Listener: ln, Handler: h}}
	for _, srv := range s.servers {
		go func() { _ = srv.ActivateAndServe() }()
	}
	return s, nil
}

// SetTXT replaces the TXT records of a name (no values removes them).
func (s *DNSServer) SetTXT(name string, values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(values) == 0 {
		delete(s.txt, dns.Fqdn(strings.ToLower(name)))
		return
	}
	s.txt[dns.Fqdn(strings.ToLower(name))] = values
}

func (s *DNSServer) serve(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	found := false
	s.mu.RLock()
	for _, q := range req.Question {
		values, ok := s.txt[strings.ToLower(q.Name)]
		found = found || ok
		if !ok || q.Qtype != dns.TypeTXT {
			continue
		}
		for _, v := range values {
			m.Answer = append(m.Answer, &dns.TXT{
				Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60},
				Txt: []string{v},
			})
		}
	}
	s.mu.RUnlock()
	if !found {
		m.Rcode = dns.RcodeNameError
	}
	_ = w.WriteMsg(m)
}

// Close stops the server.
func (s *DNSServer) Close() {
	for _, srv := range s.servers {
		_ = srv.Shutdown()
	}
}
