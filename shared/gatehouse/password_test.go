package gatehouse

import (
	"strings"
	"testing"
)

func TestValidPassword(t *testing.T) {
	tests := []struct {
		name string
		pw   string
		want bool
	}{
		{"empty", "", false},
		{"eleven characters", "abcdefghij1", false},
		{"twelve characters", "abcdefghijk1", true},
		{"upper case letters count", "ABCDEFGHIJK1", true},
		{"letters only", "abcdefghijkl", false},
		{"digits only", "123456789012", false},
		{"symbols and digits, no letter", "!@#$%^&*()_1", false},
		{"passphrase", "correct horse battery staple 7", true},
		{"non-Latin letters", "пароль-пароль-1", true},
		{"twelve characters in more bytes", "ééééééééééé1", true},
		{"eleven characters in twelve bytes", "éééééééééé1", false},
		{"non-ASCII digits are not digits", "abcdefghijk١", false},
		{"256 characters", strings.Repeat("a", 255) + "1", true},
		{"257 characters", strings.Repeat("a", 256) + "1", false},
		{"invalid UTF-8", "abcdefghijk1\xff", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidPassword(tt.pw); got != tt.want {
				t.Errorf("ValidPassword(%q) = %v, want %v", tt.pw, got, tt.want)
			}
		})
	}
	if MinPasswordLength != 12 {
		t.Errorf("MinPasswordLength = %d, want 12 (the user pool's, infra/auth.go)", MinPasswordLength)
	}
}
