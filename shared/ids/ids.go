// Package ids makes random identifiers and secrets.
package ids

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"strings"
)

var enc = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// New returns prefix + "_" + 128 random bits in lower-case base32 (26
// characters): unique without coordination, and safe in keys and paths.
func New(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return prefix + "_" + enc.EncodeToString(b[:])
}

// Secret returns a single-purpose secret: a kind prefix ("ghi" for invites,
// "ghv" for activation, "gha" for API tokens) and 256 random bits. Secrets are
// shown once and stored only as Hash.
func Secret(kind string) string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return kind + "_" + enc.EncodeToString(b[:])
}

// Hash is the stored form of a secret: hex SHA-256. The secrets carry 256
// bits of entropy, so a fast hash is enough (no password stretching needed).
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// HashEqual compares two hashes in constant time.
func HashEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// SecretKind returns the kind prefix of a secret, "" if it has none.
func SecretKind(secret string) string {
	kind, _, ok := strings.Cut(secret, "_")
	if !ok {
		return ""
	}
	return kind
}
