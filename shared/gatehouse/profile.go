package gatehouse

import (
	"regexp"
	"strings"
	"time"

	"golang.org/x/text/language"
)

// Profile is the part of an account a person describes itself with: what
// PATCH /v1/me changes, and what an admin may give a member it creates or
// invites (issue 17, item 9). Empty fields are not set.
type Profile struct {
	Name     string `json:"name,omitempty"`
	Phone    string `json:"phone,omitempty"`
	TimeZone string `json:"timeZone,omitempty"`
	Language string `json:"language,omitempty"`
}

// IsZero reports whether no field is set.
func (p Profile) IsZero() bool { return p == Profile{} }

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// CheckProfileFields validates the profile fields that are given (nil:
// not given; "" clears), the one validation of a profile wherever it is set
// (docs/data-model.md): the name trimmed, printable, at most 200
// characters; the phone E.164; the time zone IANA; the language a BCP 47
// tag, canonicalized in place. prefix is put before each field's name in
// the errors ("" at the top of a body).
func CheckProfileFields(v *Validator, prefix string, name, phone, timeZone, lang *string) {
	if name != nil {
		*name = strings.TrimSpace(*name)
		v.Check(PrintableText(*name, 200), prefix+"name", "must be at most 200 printable characters")
	}
	if phone != nil && *phone != "" {
		v.Check(e164.MatchString(*phone), prefix+"phone", "must be an E.164 number such as +34600123456")
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

// Check validates every field of p (as CheckProfileFields).
func (p *Profile) Check(v *Validator, prefix string) {
	CheckProfileFields(v, prefix, &p.Name, &p.Phone, &p.TimeZone, &p.Language)
}
