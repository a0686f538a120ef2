// Package gatehouse holds the domain of Gatehouse: users, orgs, memberships,
// roles, invites, tokens, audit events, and the one error type every layer
// uses to say what went wrong.
//
// It has no I/O and imports no adapter: the store (shared/dynamo), the
// Cognito adapter (shared/cognito) and the HTTP layer (shared/apigw) depend on
// it, never the other way round.
package gatehouse

import (
	"errors"
	"fmt"
	"net/http"
	"unicode"
	"unicode/utf8"
)

// Code is a stable, machine-readable error code of the API contract.
type Code string

// The error codes of the API (docs/errors.md).
const (
	CodeUnauthenticated  Code = "unauthenticated"
	CodeForbidden        Code = "forbidden"
	CodeNotFound         Code = "not_found"
	CodeValidation       Code = "validation_failed"
	CodeConflict         Code = "conflict"
	CodeLimitExceeded    Code = "limit_exceeded"
	CodeLastOwner        Code = "last_owner"
	CodeExpired          Code = "expired"
	CodePayloadTooLarge  Code = "payload_too_large"
	CodeMethodNotAllowed Code = "method_not_allowed"
	CodeUnavailable      Code = "unavailable"
	CodeInternal         Code = "internal"
)

// HTTPStatus maps each code to its HTTP status: the one table of it.
var HTTPStatus = map[Code]int{
	CodeUnauthenticated:  http.StatusUnauthorized,
	CodeForbidden:        http.StatusForbidden,
	CodeNotFound:         http.StatusNotFound,
	CodeValidation:       http.StatusBadRequest,
	CodeConflict:         http.StatusConflict,
	CodeLimitExceeded:    http.StatusConflict,
	CodeLastOwner:        http.StatusConflict,
	CodeExpired:          http.StatusForbidden,
	CodePayloadTooLarge:  http.StatusRequestEntityTooLarge,
	CodeMethodNotAllowed: http.StatusMethodNotAllowed,
	CodeUnavailable:      http.StatusServiceUnavailable,
	CodeInternal:         http.StatusInternalServerError,
}

// Reasons for CodeForbidden, so a client knows why (docs/errors.md).
const (
	ReasonNotMember         = "not_member"
	ReasonMissingPerm       = "missing_permission"
	ReasonReadonly          = "readonly"
	ReasonResourceReadonly  = "resource_readonly"
	ReasonNotManaged        = "not_managed"
	ReasonEscalation        = "escalation"
	ReasonDisabled          = "disabled"
	ReasonExpired           = "expired"
	ReasonNoAccess          = "no_resource_access"
	ReasonDenied            = "denied"
	ReasonNotPlatformAdmin  = "platform_admin_only"
	ReasonOwnerLink         = "owner_link"
	ReasonExpiryCeiling     = "expiry_ceiling"
	ReasonEmailMismatch     = "email_mismatch"
	ReasonEmailUnverified   = "email_unverified"
	ReasonTokenNarrowing    = "token_narrowing"
	ReasonPolicy            = "signup_policy"
	ReasonNoProfile         = "no_profile"
	ReasonTokenInURL        = "token_in_url"
	ReasonUnknownRoute      = "unknown_route"
	ReasonNoDecision        = "no_decision"
	ReasonUnauthenticated   = "unauthenticated"
	ReasonUnavailable       = "unavailable"
	ReasonLastOwner         = "last_owner"
	ReasonDomainNotVerified = "domain_not_verified"
	ReasonMFARequired       = "mfa_required"
	// Collections, resource lifecycle, embedded view (issue 17).
	ReasonNotReadonly = "not_readonly"
	// ReasonImpersonation: an impersonation session may not do this (start
	// sessions, mint tokens, leave its org or its kind of route).
	ReasonImpersonation = "impersonation"
	// ReasonInProgress: another change of the same account is under way
	// (docs/reliability.md).
	ReasonInProgress = "in_progress"
	// ReasonIdempotencyKeyReused: an Idempotency-Key sent again with
	// another body; ReasonAlreadyDone: a replay of a request whose answer
	// held a secret shown once (docs/reliability.md).
	ReasonIdempotencyKeyReused = "idempotency_key_reused"
	ReasonAlreadyDone          = "already_done"
)

// FieldError is one invalid field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the error of the domain. Services return it for every expected
// failure; the HTTP layer turns it into problem+json. Anything else becomes
// an opaque 500 whose details go only to the log.
type Error struct {
	Code    Code
	Message string // safe to show the client
	Reason  string // for forbidden: why
	Limit   string // for limit_exceeded: which limit
	Fields  []FieldError
	Err     error // the cause, for logs only
}

func (e *Error) Error() string {
	s := string(e.Code) + ": " + e.Message
	if e.Reason != "" {
		s += " (" + e.Reason + ")"
	}
	if e.Limit != "" {
		s += " (limit " + e.Limit + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// HTTPStatus is the status for the error's code.
func (e *Error) HTTPStatus() int {
	if s, ok := HTTPStatus[e.Code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Errorf builds an Error with a code and a client-safe message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Forbidden builds a forbidden error with its reason.
func Forbidden(reason, format string, args ...any) *Error {
	return &Error{Code: CodeForbidden, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// LimitExceeded builds a limit_exceeded error naming the limit.
func LimitExceeded(limit, format string, args ...any) *Error {
	return &Error{Code: CodeLimitExceeded, Limit: limit, Message: fmt.Sprintf(format, args...)}
}

// NotFound builds a not_found error for a kind of thing.
func NotFound(what string) *Error {
	return &Error{Code: CodeNotFound, Message: what + " not found"}
}

// Invalid builds a validation_failed error from field errors.
func Invalid(fields ...FieldError) *Error {
	return &Error{Code: CodeValidation, Message: "the request is not valid", Fields: fields}
}

// ErrorCode returns the code of err, CodeInternal when it is not an *Error.
func ErrorCode(err error) Code {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return CodeInternal
}

// Validator collects field errors while checking a request.
type Validator struct{ fields []FieldError }

// Add records that a field is invalid.
func (v *Validator) Add(field, format string, args ...any) {
	v.fields = append(v.fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Check records the field error when ok is false.
func (v *Validator) Check(ok bool, field, format string, args ...any) {
	if !ok {
		v.Add(field, format, args...)
	}
}

// Err returns a validation_failed error when any field was invalid, else nil.
func (v *Validator) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return Invalid(v.fields...)
}

// PrintableText reports whether s is valid UTF-8 of at most max characters
// with no control characters: the rule for names, messages and labels.
func PrintableText(s string, max int) bool {
	if utf8.RuneCountInString(s) > max || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}
