package dynamo

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"

	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Every list of the API pages with one kind of cursor (docs/data-model.md,
// "Paging"): the position of the last item shown (its sort key in the
// range the list reads), sealed with HMAC-SHA256 under the store's cursor
// key over the position, the list's name and the org the list belongs to.
// A cursor is opaque to clients and cannot be edited, moved to another list
// or to another org: any of these is a 400 on the field "cursor". A query
// only ever reads the partition the request's path names anyway; the seal
// turns a forged cursor into a clear refusal, and the position is checked
// against the list's range as well.

// Page limits of the API contract.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 100
)

// MinCursorKeyLen is the shortest cursor key the store accepts: the size
// of an HMAC-SHA256 output.
const MinCursorKeyLen = sha256.Size

// maxCursorLen bounds what a cursor may decode to before its seal is
// checked.
const maxCursorLen = 1024

// cursorDomain separates the cursor seal from any other use of the key.
const cursorDomain = "gatehouse cursor v1"

// ErrBadCursor is returned for a cursor that is malformed, edited, or
// belongs to another list or org.
var ErrBadCursor = gatehouse.Invalid(gatehouse.FieldError{Field: "cursor", Message: "not a cursor of this list"})

// The names of the lists, sealed into their cursors.
const (
	listMembers   = "members"
	listInvites   = "invites"
	listAudit     = "audit"
	listGroups    = "groups"
	listSubOrgs   = "suborgs"
	listTokens    = "tokens"
	listUsers     = "users"
	listResources = "resources"
	// Verified domains and bulk imports (docs/domains.md, docs/imports.md).
	listDomains = "domains"
	listImports = "imports"
)

// seal returns the cursor of a position of a list of an org.
func (s *Store) seal(list, org, position string) string {
	mac := s.cursorMAC(list, org, position)
	return base64.RawURLEncoding.EncodeToString(append(mac, position...))
}

// open returns the position a cursor holds when it was sealed by this
// store's key for this list and org; "" is the first page. valid checks
// the position belongs to the list's range.
func (s *Store) open(list, org, cursor string, valid func(position string) bool) (string, error) {
	if cursor == "" {
		return "", nil
	}
	if base64.RawURLEncoding.DecodedLen(len(cursor)) > maxCursorLen {
		return "", ErrBadCursor
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(raw) <= sha256.Size {
		return "", ErrBadCursor
	}
	mac, position := raw[:sha256.Size], string(raw[sha256.Size:])
	if !hmac.Equal(mac, s.cursorMAC(list, org, position)) || !valid(position) {
		return "", ErrBadCursor
	}
	return position, nil
}

// cursorMAC is HMAC-SHA256 over the domain, the list, the org and the
// position, each prefixed with its length so no two inputs read alike.
func (s *Store) cursorMAC(list, org, position string) []byte {
	h := hmac.New(sha256.New, s.cursorKey)
	var b []byte
	for _, f := range []string{cursorDomain, list, org, position} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	h.Write(b)
	return h.Sum(nil)
}

// ResourcesCursor seals a position of an org's resource list ("type#id",
// the sort key of the last resource shown). The resource list merges
// several of the store's ranges in its service, so its position is the
// service's; the seal is the store's, as for every other list.
func (s *Store) ResourcesCursor(orgID, position string) string {
	return s.seal(listResources, orgID, position)
}

// ResourcesPosition opens a cursor of an org's resource list (ErrBadCursor
// when it is not one); "" is the first page.
func (s *Store) ResourcesPosition(orgID, cursor string) (string, error) {
	return s.open(listResources, orgID, cursor, ValidSortKey)
}

// ValidSortKey reports whether a resource list position ("type#id") is
// well formed.
func ValidSortKey(k string) bool {
	typ, id, ok := strings.Cut(k, "#")
	return ok && typ != "" && id != "" && !strings.Contains(id, "#") && len(k) <= 300
}

// ClampLimit applies the contract's default and bounds to a page limit.
func ClampLimit(limit int) int {
	switch {
	case limit <= 0:
		return DefaultPageLimit
	case limit > MaxPageLimit:
		return MaxPageLimit
	}
	return limit
}
