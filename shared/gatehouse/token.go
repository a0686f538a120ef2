package gatehouse

import "strings"

// Token reports whether s is 1 to max bytes long, its first byte
// accepted by first and every other by rest: what a bounded pattern such
// as ^[A-Za-z][A-Za-z0-9._-]{0,63}$ says, checked without a regexp. A
// regexp's counted repetition compiles into as many copies of its class,
// paid at every cold start for a package-level pattern (docs/performance.md,
// "Cold start").
func Token(s string, max int, first, rest func(byte) bool) bool {
	if len(s) == 0 || len(s) > max || !first(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !rest(s[i]) {
			return false
		}
	}
	return true
}

// IsAlnum reports an ASCII letter or digit.
func IsAlnum(b byte) bool { return IsAlpha(b) || '0' <= b && b <= '9' }

// IsAlpha reports an ASCII letter.
func IsAlpha(b byte) bool { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }

// AlnumOr accepts an ASCII letter or digit or one of extra.
func AlnumOr(extra string) func(byte) bool {
	return func(b byte) bool { return IsAlnum(b) || strings.IndexByte(extra, b) >= 0 }
}
