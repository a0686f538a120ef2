package scim

import (
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Filter is the one filter form Gatehouse answers (RFC 7644 section
// 3.4.2.2): an attribute equal to a value, which is what Okta and Entra
// send to find a user or group before creating it (`userName eq "..."`,
// `emails[type eq "work"].value eq "..."`, `displayName eq "..."`).
// Attribute names are case-insensitive; so is the value of a
// case-insensitive attribute such as userName.
type Filter struct {
	// Attr is the attribute path, lower-case, with a value filter on a
	// multi-valued attribute dropped: emails[type eq "work"].value is
	// emails.value.
	Attr  string
	Value string
}

// ParseFilter reads a filter; anything else is a 400 invalidFilter.
func ParseFilter(s string) (*Filter, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	bad := func(why string) error {
		return gatehouse.Invalid(gatehouse.FieldError{Field: fieldFilter, Message: why})
	}
	if len(s) > 1000 {
		return nil, bad("longer than 1000 characters")
	}
	attr, rest, ok := cutPath(s)
	if !ok {
		return nil, bad(`not a filter Gatehouse answers: use <attribute> eq "<value>"`)
	}
	op, value, ok := strings.Cut(strings.TrimSpace(rest), " ")
	if !ok || !strings.EqualFold(op, "eq") {
		return nil, bad(`only the eq operator is supported, as in userName eq "ada@example.com"`)
	}
	v, err := literal(strings.TrimSpace(value))
	if err != nil {
		return nil, bad(err.Error())
	}
	return &Filter{Attr: attr, Value: v}, nil
}

// cutPath reads an attribute path at the start of s: letters, digits,
// dots, a schema URN prefix, and at most one [value filter], which is
// dropped. It returns the path lower-cased and what follows it.
func cutPath(s string) (path, rest string, ok bool) {
	var b strings.Builder
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return "", "", false
			}
			i += end + 1
			continue
		case c == ' ':
			p := strings.ToLower(b.String())
			return p, s[i:], p != ""
		case c == '.' || c == ':' || c == '_' || c == '-' || c == '$' ||
			(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'):
			b.WriteByte(c)
		default:
			return "", "", false
		}
		i++
	}
	p := strings.ToLower(b.String())
	return p, "", p != ""
}

// literal reads a filter's comparison value: a JSON string, true, false
// or a number, as text.
func literal(v string) (string, error) {
	switch {
	case strings.HasPrefix(v, `"`):
		s, err := strconv.Unquote(v)
		if err != nil {
			return "", errInvalid("the value is not a well-formed string")
		}
		return s, nil
	case strings.EqualFold(v, "true"), strings.EqualFold(v, "false"):
		return strings.ToLower(v), nil
	}
	if _, err := strconv.ParseFloat(v, 64); err == nil {
		return v, nil
	}
	return "", errInvalid("the value must be a string in double quotes, true, false or a number; a compound filter (and, or, not) is not supported")
}

type errInvalid string

func (e errInvalid) Error() string { return string(e) }
