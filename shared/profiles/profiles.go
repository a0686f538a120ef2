// Package profiles is the one validation of a profile (name, phone, time
// zone, language) wherever one is set: PATCH /v1/me, members created or
// invited, the platform admin's account edit. It is apart from
// shared/gatehouse so that what imports the domain types (infra too) does
// not pull in the language tag parser.
package profiles

import (
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"golang.org/x/text/language"
)

// isE164: + then 7 to 15 digits, the first not 0.
func isE164(s string) bool {
	digit := func(b byte) bool { return '0' <= b && b <= '9' }
	return len(s) >= 8 && s[0] == '+' && s[1] != '0' && gatehouse.Token(s[1:], 15, digit, digit)
}

// CheckFields validates the profile fields that are given (nil: not
// given; "" clears): the name trimmed, printable, at most 200 characters;
// the phone E.164; the time zone IANA; the language a BCP 47 tag,
// canonicalized in place. prefix is put before each field's name in the
// errors ("" at the top of a body).
func CheckFields(v *gatehouse.Validator, prefix string, name, phone, timeZone, lang *string) {
	if name != nil {
		*name = strings.TrimSpace(*name)
		v.Check(gatehouse.PrintableText(*name, 200), prefix+"name", "must be at most 200 printable characters")
	}
	if phone != nil && *phone != "" {
		v.Check(isE164(*phone), prefix+"phone", "must be an E.164 number such as +34600123456")
	}
	if timeZone != nil && *timeZone != "" {
		_, err := time.LoadLocation(*timeZone)
		v.Check(err == nil && *timeZone != "Local", prefix+"timeZone", "must be an IANA time zone such as Europe/Madrid")
	}
	if lang != nil && *lang != "" {
		tag, err := language.Parse(*lang)
		if err != nil {
			v.Add(prefix+"language", "must be a BCP 47 language tag such as en-GB")
		} else {
			*lang = tag.String()
		}
	}
}

// Check validates every field of p (as CheckFields).
func Check(v *gatehouse.Validator, prefix string, p *gatehouse.Profile) {
	CheckFields(v, prefix, &p.Name, &p.Phone, &p.TimeZone, &p.Language)
}
