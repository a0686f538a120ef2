package jwtverify

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const testClient = "client-1"

// pool is a fake Cognito user pool: an RSA key served as a JWKS, and a
// clock the verifier reads.
type pool struct {
	key     *rsa.PrivateKey
	srv     *httptest.Server
	fetches atomic.Int32
	now     time.Time
}

func newPool(t *testing.T) *pool {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &pool{key: key, now: time.Now().Truncate(time.Second)}
	jwks, _ := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "k1",
		"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
	}}})
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		p.fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(jwks)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *pool) issuer() string { return p.srv.URL + "/pool" }

func (p *pool) verifier(size int) *Verifier {
	return New(p.issuer(), testClient, p.srv.URL+"/jwks.json").
		WithClock(func() time.Time { return p.now }).WithCacheSize(size)
}

// token signs an access token for sub that expires after ttl.
func (p *pool) token(t *testing.T, sub string, ttl time.Duration) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"sub": sub, "iss": p.issuer(), "token_use": "access", "client_id": testClient,
		"username": sub, "iat": p.now.Unix(), "exp": p.now.Add(ttl).Unix(),
	})
	tok.Header["kid"] = "k1"
	s, err := tok.SignedString(p.key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (v *Verifier) stats() (hits, misses int64) {
	v.cache.mu.Lock()
	defer v.cache.mu.Unlock()
	return v.cache.hits, v.cache.misses
}

func TestCacheHitAndMiss(t *testing.T) {
	p := newPool(t)
	v := p.verifier(10)
	ctx := context.Background()
	tok := p.token(t, "u-1", time.Hour)
	for i, want := range []struct{ hits, misses int64 }{{0, 1}, {1, 1}, {2, 1}} {
		c, err := v.Verify(ctx, tok)
		if err != nil {
			t.Fatalf("verify #%d: %v, want the token accepted", i, err)
		}
		if c.Subject != "u-1" || !c.Expires.Equal(p.now.Add(time.Hour)) {
			t.Fatalf("verify #%d: claims %+v, want subject u-1 expiring in an hour", i, c)
		}
		c.Subject = "tampered by the caller"
		if h, m := v.stats(); h != want.hits || m != want.misses {
			t.Errorf("after verify #%d: %d hits %d misses, want %d and %d", i, h, m, want.hits, want.misses)
		}
	}
	// A caller changing the claims it got does not change what is kept.
	if c, _ := v.Verify(ctx, tok); c.Subject != "u-1" {
		t.Errorf("subject from the cache %q, want u-1", c.Subject)
	}
	if n := p.fetches.Load(); n != 1 {
		t.Errorf("JWKS fetched %d times, want 1", n)
	}
}

func TestCacheNeverPastExp(t *testing.T) {
	p := newPool(t)
	v := p.verifier(10)
	ctx := context.Background()
	start := p.now
	tok := p.token(t, "u-1", time.Minute)
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		at       time.Duration
		wantOK   bool
		wantHits int64
	}{
		{"a second before exp: kept", time.Minute - time.Second, true, 1},
		// At exp the cache no longer answers; the full verification still
		// allows its 5 s of clock skew, and what it proves is not kept.
		{"at exp: verified again (leeway)", time.Minute, true, 1},
		{"within the leeway: verified again", time.Minute + 3*time.Second, true, 1},
		{"after the leeway: refused", time.Minute + 6*time.Second, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.now = start.Add(tt.at)
			_, err := v.Verify(ctx, tok)
			if ok := err == nil; ok != tt.wantOK {
				t.Fatalf("accepted=%v (err %v), want %v", ok, err, tt.wantOK)
			}
			if !tt.wantOK && !errors.Is(err, ErrInvalid) {
				t.Errorf("err %v, want ErrInvalid", err)
			}
			if h, _ := v.stats(); h != tt.wantHits {
				t.Errorf("%d cache hits, want %d", h, tt.wantHits)
			}
			if tt.at >= time.Minute && v.cache.len() != 0 {
				t.Errorf("%d entries kept past exp, want 0", v.cache.len())
			}
		})
	}
}

func TestCacheBound(t *testing.T) {
	p := newPool(t)
	v := p.verifier(3)
	ctx := context.Background()
	var toks []string
	for i := range 5 {
		toks = append(toks, p.token(t, fmt.Sprintf("u-%d", i), time.Hour))
	}
	verify := func(i int) {
		t.Helper()
		if _, err := v.Verify(ctx, toks[i]); err != nil {
			t.Fatalf("token %d: %v", i, err)
		}
	}
	verify(0)
	verify(1)
	verify(2)
	verify(0) // 0 is now the most recent, 1 the least
	verify(3) // evicts 1
	verify(4) // evicts 2
	if n := v.cache.len(); n != 3 {
		t.Fatalf("%d entries, want the bound 3", n)
	}
	for _, tt := range []struct {
		tok  int
		kept bool
	}{{0, true}, {1, false}, {2, false}, {3, true}, {4, true}} {
		_, kept := v.cache.get(tokenKey(toks[tt.tok]), p.now)
		if kept != tt.kept {
			t.Errorf("token %d kept=%v, want %v (least recently used goes first)", tt.tok, kept, tt.kept)
		}
	}
}

func TestCacheOneByteDiffers(t *testing.T) {
	p := newPool(t)
	v := p.verifier(10)
	ctx := context.Background()
	tok := p.token(t, "u-1", time.Hour)
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatal(err)
	}
	flip := func(i int) string {
		b := []byte(tok)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	dot := 0
	for i := range tok {
		if tok[i] == '.' {
			dot = i
			break
		}
	}
	tests := []struct{ name, tok string }{
		{"last byte of the signature", flip(len(tok) - 2)},
		{"first byte of the payload", flip(dot + 1)},
		{"a byte appended", tok + "A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h0, m0 := v.stats()
			_, err := v.Verify(ctx, tt.tok)
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("err %v, want ErrInvalid: a changed token is verified in full", err)
			}
			if h, m := v.stats(); h != h0 || m != m0+1 {
				t.Errorf("hits %d→%d misses %d→%d, want one more miss and no hit", h0, h, m0, m)
			}
		})
	}
	if n := v.cache.len(); n != 1 {
		t.Errorf("%d entries, want only the valid token kept", n)
	}
}

func TestCacheOff(t *testing.T) {
	p := newPool(t)
	v := p.verifier(0)
	tok := p.token(t, "u-1", time.Hour)
	for range 2 {
		if _, err := v.Verify(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
	}
	if n := v.cache.len(); n != 0 {
		t.Errorf("%d entries with size 0, want none", n)
	}
}
