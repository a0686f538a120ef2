package jwtverify

import (
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// accessClaims are the claims of a Cognito access token Gatehouse reads
// (no aud: access tokens carry client_id instead). They implement
// jwt.Claims for the parser's validator, as jwt.RegisteredClaims would,
// with times decoded straight from their JSON numbers (numericDate):
// jwt.NumericDate decodes each through a json.Unmarshal of its own, a
// measurable part of a first-seen token's cost (docs/performance.md).
type accessClaims struct {
	Issuer    string       `json:"iss"`
	Subject   string       `json:"sub"`
	ExpiresAt *numericDate `json:"exp"`
	NotBefore *numericDate `json:"nbf"`
	IssuedAt  *numericDate `json:"iat"`
	TokenUse  string       `json:"token_use"`
	ClientID  string       `json:"client_id"`
	Username  string       `json:"username"`
}

func (c *accessClaims) GetExpirationTime() (*jwt.NumericDate, error) { return c.ExpiresAt.jwt(), nil }
func (c *accessClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return c.IssuedAt.jwt(), nil }
func (c *accessClaims) GetNotBefore() (*jwt.NumericDate, error)      { return c.NotBefore.jwt(), nil }
func (c *accessClaims) GetIssuer() (string, error)                   { return c.Issuer, nil }
func (c *accessClaims) GetSubject() (string, error)                  { return c.Subject, nil }
func (c *accessClaims) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }

// numericDate is a JWT time (seconds since the epoch, fractions allowed),
// read as jwt.NumericDate reads it: a JSON number, or a string holding
// one, truncated to jwt.TimePrecision.
type numericDate struct{ t time.Time }

func (d *numericDate) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		s = n.String()
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return err
	}
	round, frac := math.Modf(f)
	d.t = jwt.NewNumericDate(time.Unix(int64(round), int64(frac*1e9))).Time
	return nil
}

func (d *numericDate) jwt() *jwt.NumericDate {
	if d == nil {
		return nil
	}
	return &jwt.NumericDate{Time: d.t}
}

func (d *numericDate) time() time.Time {
	if d == nil {
		return time.Time{}
	}
	return d.t
}
