package jwtverify

import (
	"context"
	"crypto/rsa"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

// keyOf resolves a token's signing key: from the keys already resolved,
// by key id, else through the JWKS key function (which reads the fetched
// set, and refreshes it, rate-limited, for an unknown key id), keeping an
// RSA key it returns. The JWKS is never refreshed in the background (a
// frozen sandbox), so a kept key is as fresh as the set it came from;
// keeping it saves a first-seen token the key function's lookups
// (docs/performance.md). The token's alg is checked by the parser
// (RS256 only) either way.
func (v *Verifier) keyOf(ctx context.Context, kf keyfunc.Keyfunc) jwt.Keyfunc {
	resolve := kf.KeyfuncCtx(ctx)
	return func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid != "" {
			if k, ok := v.keys.Load(kid); ok {
				return k, nil
			}
		}
		k, err := resolve(t)
		if err != nil {
			return nil, err
		}
		if pub, ok := k.(*rsa.PublicKey); ok && kid != "" {
			v.keys.Store(kid, pub)
		}
		return k, nil
	}
}

// parser is the verifier's JWT parser and claims validator, built once:
// building them for every token was a measurable part of a first-seen
// token's cost.
func (v *Verifier) parser() *jwt.Parser {
	v.parserOnce.Do(func() {
		v.jwtParser = jwt.NewParser(
			jwt.WithValidMethods([]string{"RS256"}),
			jwt.WithIssuer(v.issuer),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithTimeFunc(v.now),
			jwt.WithLeeway(5*time.Second),
		)
	})
	return v.jwtParser
}
