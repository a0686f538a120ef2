// Package jwtverify verifies Cognito access tokens: RS256 signatures against
// the pool's JWKS (fetched once, lazily, and cached; refreshed only when a
// token names a key id it does not know), the issuer, token_use, the app
// client and expiry. What verifying a token proved is kept, keyed by the
// token's SHA-256, until its exp (cache.go), so a token seen again costs a
// hash and a map lookup instead of an RSA verification.
//
// Gatehouse accepts access tokens only: they are the tokens meant for APIs,
// and they carry client_id and token_use "access". Id tokens are refused.
package jwtverify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// Claims are the verified claims Gatehouse uses. Role or org claims a user
// could influence are never read.
type Claims struct {
	Subject  string
	Username string
	ClientID string
	Expires  time.Time
}

// ErrInvalid is wrapped by every verification failure.
var ErrInvalid = errors.New("invalid token")

// Verifier verifies access tokens of one user pool and app client.
type Verifier struct {
	issuer   string
	clientID string
	jwksURL  string
	client   *http.Client
	now      func() time.Time
	cache    *tokenCache

	mu sync.Mutex
	kf keyfunc.Keyfunc
	// keys are the public keys the JWKS gave, by key id (keys.go).
	keys       sync.Map
	parserOnce sync.Once
	jwtParser  *jwt.Parser
}

// New returns a verifier; it fetches nothing until the first token.
func New(issuer, clientID, jwksURL string) *Verifier {
	return &Verifier{
		issuer:   issuer,
		clientID: clientID,
		jwksURL:  jwksURL,
		client:   &http.Client{Timeout: 5 * time.Second},
		now:      time.Now,
		cache:    newTokenCache(DefaultCacheSize),
	}
}

// WithClock returns a copy of the verifier with another clock (tests), and
// a cache of its own.
func (v *Verifier) WithClock(now func() time.Time) *Verifier {
	return &Verifier{issuer: v.issuer, clientID: v.clientID, jwksURL: v.jwksURL, client: v.client, now: now,
		cache: newTokenCache(v.cache.max), kf: v.kf}
}

// WithCacheSize returns a copy of the verifier that keeps at most n
// verified tokens (0: none, every token is verified in full).
func (v *Verifier) WithCacheSize(n int) *Verifier {
	return &Verifier{issuer: v.issuer, clientID: v.clientID, jwksURL: v.jwksURL, client: v.client, now: v.now,
		cache: newTokenCache(n), kf: v.kf}
}

// keyfunc returns the cached JWKS key function, fetching the set on first
// use. A failed fetch is not cached, so the next request tries again.
func (v *Verifier) keyfunc(ctx context.Context) (keyfunc.Keyfunc, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.kf != nil {
		return v.kf, nil
	}
	storage, err := jwkset.NewStorageFromHTTP(v.jwksURL, jwkset.HTTPClientStorageOptions{
		Client:      v.client,
		Ctx:         context.WithoutCancel(ctx),
		HTTPTimeout: 5 * time.Second,
		// No background refresh: a Lambda sandbox is frozen between
		// invocations. Unknown key ids trigger a rate-limited refresh.
		RefreshInterval: 0,
	})
	if err != nil {
		return nil, fmt.Errorf("fetch JWKS %s: %w", v.jwksURL, err)
	}
	hc, err := jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
		HTTPURLs:          map[string]jwkset.Storage{v.jwksURL: storage},
		RefreshUnknownKID: rate.NewLimiter(rate.Every(5*time.Minute), 1),
	})
	if err != nil {
		return nil, fmt.Errorf("JWKS client: %w", err)
	}
	kf, err := keyfunc.New(keyfunc.Options{Storage: hc, Ctx: context.WithoutCancel(ctx)})
	if err != nil {
		return nil, fmt.Errorf("JWKS keyfunc: %w", err)
	}
	v.kf = kf
	return kf, nil
}

// Verify checks a raw access token and returns its claims. Errors wrap
// ErrInvalid when the token is at fault; other errors (JWKS unreachable)
// mean the verifier could not decide, and callers must fail closed.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Claims, error) {
	key := tokenKey(raw)
	if c, ok := v.cache.get(key, v.now()); ok {
		return c, nil
	}
	c, err := v.verify(ctx, raw)
	if err != nil {
		return nil, err
	}
	v.cache.put(key, *c, v.now())
	return c, nil
}

// verify checks a token in full: signature, issuer, times and claims.
func (v *Verifier) verify(ctx context.Context, raw string) (*Claims, error) {
	kf, err := v.keyfunc(ctx)
	if err != nil {
		return nil, err
	}
	var c accessClaims
	_, err = v.parser().ParseWithClaims(raw, &c, v.keyOf(ctx, kf))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if c.TokenUse != "access" {
		return nil, fmt.Errorf("%w: token_use %q, want access", ErrInvalid, c.TokenUse)
	}
	if c.ClientID == "" || c.ClientID != v.clientID {
		return nil, fmt.Errorf("%w: issued to another app client", ErrInvalid)
	}
	if c.Subject == "" {
		return nil, fmt.Errorf("%w: no subject", ErrInvalid)
	}
	return &Claims{Subject: c.Subject, Username: c.Username, ClientID: c.ClientID, Expires: c.ExpiresAt.time()}, nil
}
