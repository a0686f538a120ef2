package server

import (
	"encoding/base64"
	"slices"
	"unicode/utf8"
)

// Gatehouse patch: AttributeValue encodes itself. encoding/json's
// reflection over its ten omitempty fields, for every attribute of every
// item, was most of the time minidyn spent answering large BatchGetItem
// and Query calls. The bytes are the same as encoding/json's with
// SetEscapeHTML(false) (types_json_test.go compares them).

// MarshalJSON encodes the attribute value as DynamoDB's JSON protocol does.
func (a *AttributeValue) MarshalJSON() ([]byte, error) {
	if a == nil {
		return []byte("null"), nil
	}

	return a.appendJSON(make([]byte, 0, 64)), nil
}

func (a *AttributeValue) appendJSON(b []byte) []byte {
	if a == nil {
		return append(b, "null"...)
	}

	b = append(b, '{')
	first := true
	field := func(name string) {
		if !first {
			b = append(b, ',')
		}

		first = false
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, '"', ':')
	}

	if len(a.B) > 0 {
		field("B")
		b = appendBytes(b, a.B)
	}

	if a.BOOL != nil {
		field("BOOL")
		b = appendBool(b, *a.BOOL)
	}

	if len(a.BS) > 0 {
		field("BS")
		b = append(b, '[')

		for i, v := range a.BS {
			if i > 0 {
				b = append(b, ',')
			}

			b = appendBytes(b, v)
		}

		b = append(b, ']')
	}

	if len(a.L) > 0 {
		field("L")
		b = append(b, '[')

		for i, v := range a.L {
			if i > 0 {
				b = append(b, ',')
			}

			b = v.appendJSON(b)
		}

		b = append(b, ']')
	}

	if len(a.M) > 0 {
		field("M")
		b = appendAttributeMap(b, a.M)
	}

	if a.N != nil {
		field("N")
		b = appendString(b, *a.N)
	}

	if len(a.NS) > 0 {
		field("NS")
		b = appendStringPtrs(b, a.NS)
	}

	if a.NULL != nil {
		field("NULL")
		b = appendBool(b, *a.NULL)
	}

	if a.S != nil {
		field("S")
		b = appendString(b, *a.S)
	}

	if len(a.SS) > 0 {
		field("SS")
		b = appendStringPtrs(b, a.SS)
	}

	return append(b, '}')
}

// appendAttributeMap encodes a map with its keys sorted, as encoding/json
// does.
func appendAttributeMap(b []byte, m map[string]*AttributeValue) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}

	sortStrings(keys)

	b = append(b, '{')

	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}

		b = appendString(b, k)
		b = append(b, ':')
		b = m[k].appendJSON(b)
	}

	return append(b, '}')
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}

	return append(b, "false"...)
}

func appendBytes(b []byte, v []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, v)

	return append(b, '"')
}

func appendStringPtrs(b []byte, vs []*string) []byte {
	b = append(b, '[')

	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}

		if v == nil {
			b = append(b, "null"...)
		} else {
			b = appendString(b, *v)
		}
	}

	return append(b, ']')
}

const hexDigits = "0123456789abcdef"

// appendString is encoding/json's string encoding without HTML escaping:
// quotes, backslashes and control characters escaped, invalid UTF-8 as
// U+FFFD, U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0

	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++

				continue
			}

			b = append(b, s[start:i]...)

			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}

			i++
			start = i

			continue
		}

		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i

			continue
		}

		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i

			continue
		}

		i += size
	}

	b = append(b, s[start:]...)

	return append(b, '"')
}

func sortStrings(s []string) { slices.Sort(s) }
