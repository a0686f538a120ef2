// Package scim is Gatehouse's SCIM 2.0 service provider (RFC 7643, RFC
// 7644) for identity providers such as Okta and Microsoft Entra ID: Users
// mapped onto an org's members (and the invites rule 11 makes instead),
// Groups onto its groups, behind an org-scoped SCIM token. It holds no
// rule of its own: every change goes through the members, invites and
// groups use cases, with the token as the caller (authz.ScimCaller), so
// rule 6, rule 11, quotas and limits are theirs (docs/scim.md).
package scim

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gatehouse-dev/gatehouse/shared/apigw"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// Schema and message URNs of RFC 7643 and RFC 7644.
const (
	SchemaUser         = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaGroup        = "urn:ietf:params:scim:schemas:core:2.0:Group"
	SchemaListResponse = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	SchemaPatchOp      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SchemaError        = "urn:ietf:params:scim:api:messages:2.0:Error"
	SchemaSPConfig     = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	SchemaResourceType = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	SchemaSchema       = "urn:ietf:params:scim:schemas:core:2.0:Schema"
	// MediaType is SCIM's media type (RFC 7644 section 3.1).
	MediaType = "application/scim+json"
)

// scimType values of RFC 7644 section 3.12 that Gatehouse answers.
const (
	TypeInvalidFilter = "invalidFilter"
	TypeInvalidSyntax = "invalidSyntax"
	TypeInvalidPath   = "invalidPath"
	TypeInvalidValue  = "invalidValue"
	TypeMutability    = "mutability"
	TypeUniqueness    = "uniqueness"
	TypeNoTarget      = "noTarget"
)

// Error is the SCIM error body (RFC 7644 section 3.12). Status is a
// string, as the RFC's examples and Okta and Entra send it.
type Error struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail,omitempty"`
	// Code, Reason and Limit are Gatehouse's, as in a problem
	// (docs/errors.md): what a client other than an identity provider
	// branches on.
	Code   gatehouse.Code `json:"code"`
	Reason string         `json:"reason,omitempty"`
	Limit  string         `json:"limit,omitempty"`
}

// The fields of a validation error that name the scimType to answer:
// whatever else is invalid is an invalidValue.
const (
	fieldFilter = "filter"
	fieldPath   = "path"
	fieldBody   = "body"
	// fieldImmutable marks an attribute Gatehouse does not let SCIM change.
	fieldImmutable = "mutability"
	fieldNoTarget  = "noTarget"
)

// errorOf turns a problem into the SCIM error of the same status. The
// Gatehouse code, reason and limit stay readable in detail, for people:
// SCIM clients branch on status and scimType.
func errorOf(p apigw.Problem) Error {
	e := Error{Schemas: []string{SchemaError}, Status: strconv.Itoa(p.Status), Code: p.Code, Reason: p.Reason, Limit: p.Limit}
	var parts []string
	switch p.Code {
	case gatehouse.CodeValidation:
		e.ScimType = TypeInvalidValue
		for _, f := range p.Errors {
			switch f.Field {
			case fieldFilter:
				e.ScimType = TypeInvalidFilter
			case fieldPath:
				e.ScimType = TypeInvalidPath
			case fieldBody:
				e.ScimType = TypeInvalidSyntax
			case fieldImmutable:
				e.ScimType = TypeMutability
			case fieldNoTarget:
				e.ScimType = TypeNoTarget
			}
			parts = append(parts, f.Field+": "+f.Message)
		}
	case gatehouse.CodeConflict:
		e.ScimType = TypeUniqueness
	}
	head := string(p.Code)
	if p.Reason != "" {
		head += " (" + p.Reason + ")"
	}
	if p.Limit != "" {
		head += " [" + p.Limit + "]"
	}
	detail := head
	if p.Detail != "" {
		detail += ": " + p.Detail
	}
	if len(parts) > 0 {
		detail += ": " + strings.Join(parts, "; ")
	}
	e.Detail = detail
	return e
}

// Rewrite is the SCIM function's answer rewriter (apigw.Mux.Rewrite): on
// the SCIM protocol routes (under /scim/v2/) every JSON answer is
// application/scim+json and every problem, the guard's refusals included,
// a SCIM error. The token routes, Gatehouse's own API, answer as the rest
// of the API does.
func Rewrite(ev *events.APIGatewayV2HTTPRequest, r apigw.Response) apigw.Response {
	if !strings.Contains(ev.RouteKey, "/scim/v2/") {
		return r
	}
	return rewrite(r)
}

// rewrite turns one answer of a SCIM protocol route into SCIM's shape.
func rewrite(r apigw.Response) apigw.Response {
	mt, _, _ := mime.ParseMediaType(r.Headers["Content-Type"])
	switch mt {
	case "application/json":
		r.Headers["Content-Type"] = MediaType
	case "application/problem+json":
		var p apigw.Problem
		if err := json.Unmarshal([]byte(r.Body), &p); err != nil {
			p = apigw.ProblemFor(errors.New("unreadable problem"), "")
		}
		b, _ := json.Marshal(errorOf(p))
		r.Headers["Content-Type"] = MediaType
		r.Body = string(b)
		if r.StatusCode == 0 {
			r.StatusCode = http.StatusInternalServerError
		}
	}
	return r
}
