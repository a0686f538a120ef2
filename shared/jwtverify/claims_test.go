package jwtverify

import (
	"encoding/json"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// TestNumericDateAsJWT: the claims' times decode as jwt.NumericDate
// decodes them, and refuse what it refuses.
func TestNumericDateAsJWT(t *testing.T) {
	for _, in := range []string{`1700000000`, `1700000000.75`, `-1.5`, `0`, `"1700000000"`, `1e9`, `"abc"`, `true`, `{}`, `"1700000000.25"`} {
		var want jwt.NumericDate
		wantErr := json.Unmarshal([]byte(in), &want)
		var got numericDate
		gotErr := json.Unmarshal([]byte(in), &got)
		if (gotErr != nil) != (wantErr != nil) {
			t.Errorf("%s: error %v, want %v", in, gotErr, wantErr)
			continue
		}
		if wantErr == nil && !got.t.Equal(want.Time) {
			t.Errorf("%s: %v, want %v", in, got.t, want.Time)
		}
	}
	var c accessClaims
	if err := json.Unmarshal([]byte(`{"exp":null,"iat":1700000000}`), &c); err != nil || c.ExpiresAt != nil || c.IssuedAt == nil {
		t.Errorf("null exp and a number iat: %+v, %v; want exp absent, iat set", c, err)
	}
	if exp, _ := c.GetExpirationTime(); exp != nil {
		t.Errorf("absent exp read as %v", exp)
	}
}
