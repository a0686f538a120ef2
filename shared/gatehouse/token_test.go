package gatehouse_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// TestTokenMatchesThePattern: Token decides as the regexp it replaces, on
// edge cases and on every string of a small alphabet up to length 3.
func TestTokenMatchesThePattern(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._-]{0,3}$`)
	tok := func(s string) bool { return gatehouse.Token(s, 4, gatehouse.IsAlpha, gatehouse.AlnumOr("._-")) }
	cases := []string{"", "a", "A9", "9a", "a.b-", "abcd", "abcde", "a b", "é", "a\x00", strings.Repeat("a", 5)}
	alphabet := []string{"a", "Z", "0", ".", "-", "_", ":", " "}
	for _, x := range alphabet {
		cases = append(cases, x)
		for _, y := range alphabet {
			cases = append(cases, x+y)
			for _, z := range alphabet {
				cases = append(cases, x+y+z)
			}
		}
	}
	for _, s := range cases {
		if got, want := tok(s), re.MatchString(s); got != want {
			t.Errorf("Token(%q) = %v, want %v as the pattern", s, got, want)
		}
	}
}
