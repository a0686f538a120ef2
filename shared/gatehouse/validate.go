package gatehouse

import (
	"strings"
	"unicode"
)

// MaxRoles bounds the roles of one membership or invite.
const MaxRoles = 20

// ValidateRoles checks a role list's shape: at least one role, no
// duplicates, at most MaxRoles, each printable.
func ValidateRoles(v *Validator, roles []string) {
	v.Check(len(roles) > 0, "roles", "at least one role is required")
	v.Check(len(roles) <= MaxRoles, "roles", "at most %d roles", MaxRoles)
	seen := map[string]bool{}
	for _, r := range roles {
		v.Check(PrintableText(r, 64), "roles", "role %q is not a role id", r)
		if seen[r] {
			v.Add("roles", "role %q is listed twice", r)
		}
		seen[r] = true
	}
}

// ValidEmail is a deliberately small check: one @, a dot in the domain, no
// spaces or control characters, at most 254 characters.
func ValidEmail(e string) bool {
	if len(e) < 3 || len(e) > 254 {
		return false
	}
	at := -1
	for i, r := range e {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == ',' || r == ';' || r == '<' || r == '>' {
			return false
		}
		if r == '@' {
			if at >= 0 {
				return false
			}
			at = i
		}
	}
	if at <= 0 || at == len(e)-1 {
		return false
	}
	dom := e[at+1:]
	for i := 1; i < len(dom)-1; i++ {
		if dom[i] == '.' {
			return true
		}
	}
	return false
}

// EmailDomain is the lower-case domain of an email address ("" if none).
func EmailDomain(e string) string {
	if i := strings.LastIndexByte(e, '@'); i >= 0 {
		return strings.ToLower(e[i+1:])
	}
	return ""
}

// ValidPassword checks the pool's password policy: 8 to 256 characters with
// at least one letter and one digit.
func ValidPassword(pw string) bool {
	if len(pw) < 8 || len(pw) > 256 {
		return false
	}
	var letter, digit bool
	for _, r := range pw {
		switch {
		case unicode.IsLetter(r):
			letter = true
		case unicode.IsDigit(r):
			digit = true
		}
	}
	return letter && digit
}
