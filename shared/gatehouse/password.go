package gatehouse

import (
	"unicode"
	"unicode/utf8"
)

// Password rule, the same as the Cognito user pool's (infra/auth.go): a
// password that passes here is not refused later by Cognito for its length
// or its lack of a digit.
const (
	// MinPasswordLength is the minimum length, in characters.
	MinPasswordLength = 12
	// MaxPasswordLength is Cognito's maximum, in characters.
	MaxPasswordLength = 256
	// PasswordRequirement says the rule to the caller, as a field message.
	PasswordRequirement = "12 to 256 characters with at least one letter and one digit"
)

// ValidPassword reports whether pw has MinPasswordLength to
// MaxPasswordLength characters, at least one letter and at least one digit
// (0-9, as Cognito counts them). Length, not composition, is what makes a
// password strong (NIST SP 800-63B); the letter and digit only rule out
// the commonest all-digit and all-letter choices.
func ValidPassword(pw string) bool {
	if !utf8.ValidString(pw) {
		return false
	}
	if n := utf8.RuneCountInString(pw); n < MinPasswordLength || n > MaxPasswordLength {
		return false
	}
	var letter, digit bool
	for _, r := range pw {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case unicode.IsLetter(r):
			letter = true
		}
	}
	return letter && digit
}
