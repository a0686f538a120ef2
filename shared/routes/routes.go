// Package routes declares every HTTP route of Gatehouse in one table: method,
// path, the Lambda function that serves it and what the caller must hold.
//
// The table is the single source for the CDK routes (infra/), the local API
// Gateway emulator (cmd/gatehouse-local), the authorizer's permission check and
// the OpenAPI document. It imports nothing beyond the standard library so that
// the infra module can use it without pulling in the SDK.
package routes

import "strings"

// Access says what a caller needs before a route's handler runs.
type Access int

const (
	// Public routes skip the authorizer entirely (activation by token).
	Public Access = iota
	// SignedIn routes need a valid identity with an active account; no org.
	SignedIn
	// Member routes need an active membership of the org in the path.
	Member
	// Permission routes need Route.Permission in the org in the path.
	Permission
	// PlatformAdmin routes need the caller's account to be a platform admin.
	PlatformAdmin
)

// String names the access level as the OpenAPI document and logs show it.
func (a Access) String() string {
	switch a {
	case Public:
		return "public"
	case SignedIn:
		return "signed-in"
	case Member:
		return "member"
	case Permission:
		return "permission"
	case PlatformAdmin:
		return "platform-admin"
	}
	return "unknown"
}

// Function names: one Lambda each. The authorizer, triggers and sweeper are
// not HTTP routes but are listed so infra and the local stack know them.
const (
	FnAuthorizer = "authorizer"
	FnTriggers   = "triggers"
	FnSweeper    = "sweeper"
	FnMe         = "me"
	FnOrgs       = "orgs"
	FnMembers    = "members"
	FnInvites    = "invites"
	FnRoles      = "roles"
	FnGroups     = "groups"
	FnResources  = "resources"
	FnTokens     = "tokens"
	FnLimits     = "limits"
	FnAudit      = "audit"
	FnAdmin      = "admin"
	FnActivate   = "activate"
	// FnNotFound answers the $default route: every request no route of
	// the table matches.
	FnNotFound = "notfound"
	// FnScim serves SCIM 2.0 for identity providers and the org's SCIM
	// tokens (docs/scim.md).
	FnScim = "scim"
	// FnEventPublisher puts the org event stream on the EventBridge bus;
	// the table's stream invokes it (docs/events.md).
	FnEventPublisher = "eventpublisher"
	// Verified domains and join policies (docs/domains.md).
	FnDomains = "domains"
	// Bulk import of members (docs/imports.md).
	FnImports = "imports"
)

// DefaultRouteKey is the route key of an HTTP API's catch-all route.
const DefaultRouteKey = "$default"

// Default is the HTTP API's $default route: API Gateway sends it every
// request that matches no route of Table, and its function answers 404, or
// 405 with Allow when the path exists with other methods, as problem+json.
// It is public (no authorizer runs) and its function touches no data. It
// is not in Table, which lists the API's operations (and so the OpenAPI
// document); infra and the local gateway add it beside them.
var Default = Route{Path: DefaultRouteKey, Function: FnNotFound, Access: Public,
	Summary: "Unknown paths (404) and methods (405 with Allow)"}

// HTTPFunctions lists the functions that serve HTTP routes.
var HTTPFunctions = []string{FnMe, FnOrgs, FnMembers, FnInvites, FnActivate, FnRoles, FnGroups, FnResources, FnTokens, FnLimits, FnAudit, FnAdmin, FnNotFound, FnScim,
	// Verified domains, bulk import.
	FnDomains, FnImports}

// AllFunctions lists every Lambda function of the product.
var AllFunctions = append([]string{FnAuthorizer, FnTriggers, FnSweeper}, append(HTTPFunctions,
	// The event stream (docs/events.md).
	FnEventPublisher)...)

// Route is one HTTP API route.
type Route struct {
	Method   string
	Path     string // API Gateway template, e.g. /v1/orgs/{orgId}
	Function string
	Access   Access
	// Permission is required when Access is Permission. "{type}" is replaced by
	// the path parameter of that name (resource routes).
	Permission string
	Summary    string
}

// Key is the API Gateway route key, "METHOD /path", as HTTP API puts it in
// the event's routeKey.
func (r Route) Key() string {
	if r.Path == DefaultRouteKey {
		return DefaultRouteKey
	}
	return r.Method + " " + r.Path
}

// OrgScoped reports whether the route names an org in its path.
func (r Route) OrgScoped() bool { return strings.Contains(r.Path, "{orgId}") }

// AcceptsQueryToken reports whether an API token may come as ?token= (embedded
// read-only views): GET routes only.
func (r Route) AcceptsQueryToken() bool { return r.Method == "GET" && r.Access != Public }

// RequiredPermission resolves Permission with the path parameters.
func (r Route) RequiredPermission(params map[string]string) string {
	if !strings.Contains(r.Permission, "{") {
		return r.Permission
	}
	p := r.Permission
	for k, v := range params {
		p = strings.ReplaceAll(p, "{"+k+"}", v)
	}
	return p
}

func perm(method, path, fn, permission, summary string) Route {
	return Route{Method: method, Path: path, Function: fn, Access: Permission, Permission: permission, Summary: summary}
}

func with(method, path, fn string, access Access, summary string) Route {
	return Route{Method: method, Path: path, Function: fn, Access: access, Summary: summary}
}

const org = "/v1/orgs/{orgId}"

// Table is every route of the API, in the order the OpenAPI document lists them.
var Table = []Route{
	with("GET", "/v1/openapi.json", FnMe, Public, "OpenAPI document of this API"),
	with("GET", "/v1/permissions", FnMe, SignedIn, "The permission catalogue and built-in roles"),
	with("GET", "/v1/me", FnMe, SignedIn, "The caller's profile and memberships"),
	with("PATCH", "/v1/me", FnMe, SignedIn, "Update the caller's name, phone, time zone, language"),

	with("POST", "/v1/orgs", FnOrgs, SignedIn, "Create an org; the caller becomes its owner"),
	perm("GET", org, FnOrgs, "org:read", "An org with its usage and limits"),
	perm("PATCH", org, FnOrgs, "org:update", "Rename an org or change its settings"),
	perm("DELETE", org, FnOrgs, "org:delete", "Delete an org"),
	perm("POST", org+"/suborgs", FnOrgs, "suborgs:create", "Create a sub-org"),
	perm("GET", org+"/suborgs", FnOrgs, "suborgs:read", "List sub-orgs"),
	with("GET", org+"/me", FnOrgs, Member, "The caller's effective roles and permissions in the org"),
	with("POST", org+"/leave", FnMembers, Member, "Leave the org"),

	perm("GET", org+"/members", FnMembers, "members:read", "List members"),
	perm("POST", org+"/members", FnMembers, "members:create", "Create a user directly as a member"),
	perm("GET", org+"/members/{userId}", FnMembers, "members:read", "One member"),
	perm("PATCH", org+"/members/{userId}", FnMembers, "members:update", "Change enabled, expiresAt, readonly, resourceReadonly"),
	perm("DELETE", org+"/members/{userId}", FnMembers, "members:remove", "Remove a member"),
	perm("PUT", org+"/members/{userId}/roles", FnMembers, "members:roles", "Replace a member's roles"),
	perm("PUT", org+"/members/{userId}/limits", FnMembers, "members:limits", "Set a member's userLimit and resourceLimit"),

	perm("POST", org+"/invites", FnInvites, "members:invite", "Invite someone by email"),
	perm("GET", org+"/invites", FnInvites, "members:read", "List invites"),
	perm("DELETE", org+"/invites/{inviteId}", FnInvites, "members:invite", "Revoke an invite"),
	perm("POST", org+"/invites/{inviteId}/resend", FnInvites, "members:invite", "Resend an invite"),
	with("POST", "/v1/invites/accept", FnInvites, SignedIn, "Accept an invite"),
	// Public, so in a function of its own that can do nothing else.
	with("POST", "/v1/activate", FnActivate, Public, "Activate an account with its activation token"),

	perm("GET", org+"/roles", FnRoles, "roles:read", "List built-in and custom roles"),
	perm("POST", org+"/roles", FnRoles, "roles:manage", "Create a custom role"),
	perm("PUT", org+"/roles/{roleId}", FnRoles, "roles:manage", "Update a custom role"),
	perm("DELETE", org+"/roles/{roleId}", FnRoles, "roles:manage", "Delete a custom role"),

	perm("GET", org+"/groups", FnGroups, "groups:read", "List groups"),
	perm("POST", org+"/groups", FnGroups, "groups:manage", "Create a group"),
	perm("DELETE", org+"/groups/{groupId}", FnGroups, "groups:manage", "Delete a group"),
	perm("PUT", org+"/groups/{groupId}/members/{userId}", FnGroups, "groups:manage", "Add a member to a group"),
	perm("DELETE", org+"/groups/{groupId}/members/{userId}", FnGroups, "groups:manage", "Remove a member from a group"),
	perm("PUT", org+"/groups/{groupId}/roles", FnGroups, "groups:manage", "Replace a group's roles"),

	// Resource routes: the type is in the body (POST) or filtered per item
	// (GET), so the authorizer checks membership and the service checks
	// <type>:create / <type>:read with the resource's data.
	with("POST", org+"/resources", FnResources, Member, "Register a resource (counts against limits)"),
	with("GET", org+"/resources", FnResources, Member, "List the resources the caller may see"),
	perm("DELETE", org+"/resources/{type}/{resourceId}", FnResources, "{type}:delete", "Unregister a resource"),
	perm("PUT", org+"/resources/{type}/{resourceId}/grants", FnResources, "{type}:share", "Set allow/deny grants on a resource"),
	with("POST", org+"/authorize", FnResources, Member, "Check whether a user may act on a resource"),

	perm("GET", org+"/limits", FnLimits, "limits:read", "Quotas and usage"),
	perm("PUT", org+"/limits", FnLimits, "limits:update", "Set quotas (parent org admin or platform admin)"),

	perm("POST", org+"/tokens", FnTokens, "tokens:manage", "Create an API token (shown once)"),
	perm("GET", org+"/tokens", FnTokens, "tokens:manage", "List API tokens"),
	perm("DELETE", org+"/tokens/{tokenId}", FnTokens, "tokens:manage", "Revoke an API token"),

	perm("GET", org+"/audit", FnAudit, "audit:read", "Audit log, newest first"),
	// The event stream (docs/events.md).
	perm("GET", org+"/events", FnAudit, "events:read", "The org's events, oldest first, after a given event id"),

	with("GET", "/v1/admin/users", FnAdmin, PlatformAdmin, "Find users by email prefix"),
	with("GET", "/v1/admin/users/{userId}", FnAdmin, PlatformAdmin, "One user account"),
	with("PATCH", "/v1/admin/users/{userId}", FnAdmin, PlatformAdmin, "Disable, expire or set limits of an account"),
	with("DELETE", "/v1/admin/users/{userId}", FnAdmin, PlatformAdmin, "Delete an account"),
	with("GET", "/v1/admin/signup-policy", FnAdmin, PlatformAdmin, "The sign-up policy"),
	with("PUT", "/v1/admin/signup-policy", FnAdmin, PlatformAdmin, "Replace the sign-up policy"),

	// Resource lifecycle and collections (issue 17, docs/resources.md). The
	// collection routes are for members: who may manage or read
	// collections is authz's (rules_collections.go), with the org's data.
	perm("GET", org+"/resources/{type}/{resourceId}", FnResources, "{type}:read", "One resource the caller may see"),
	perm("PATCH", org+"/resources/{type}/{resourceId}", FnResources, "{type}:update", "Rename a resource or replace its metadata"),
	perm("POST", org+"/resources/{type}/{resourceId}/transfer", FnResources, "{type}:update", "Give a resource to another member (owners and admins)"),
	with("POST", org+"/collections", FnResources, Member, "Create a collection of resources (owners and admins)"),
	with("GET", org+"/collections", FnResources, Member, "List collections"),
	with("GET", org+"/collections/{collectionId}", FnResources, Member, "One collection with its grants"),
	with("PATCH", org+"/collections/{collectionId}", FnResources, Member, "Rename a collection or change its description"),
	with("DELETE", org+"/collections/{collectionId}", FnResources, Member, "Delete a collection (its resources stay)"),
	with("PUT", org+"/collections/{collectionId}/grants", FnResources, Member, "Set allow/deny grants on every resource of a collection"),
	with("GET", org+"/collections/{collectionId}/resources", FnResources, Member, "The resources of a collection"),
	perm("PUT", org+"/collections/{collectionId}/resources/{type}/{resourceId}", FnResources, "{type}:share", "Add a resource to a collection"),
	perm("DELETE", org+"/collections/{collectionId}/resources/{type}/{resourceId}", FnResources, "{type}:share", "Take a resource out of a collection"),
	// SCIM 2.0 (docs/scim.md): the org's SCIM tokens, made by an owner or
	// admin, and the SCIM service provider an identity provider calls with
	// one (RFC 7644; responses application/scim+json).
	perm("POST", org+"/scim/tokens", FnScim, "tokens:manage", "Create a SCIM token (shown once)"),
	perm("GET", org+"/scim/tokens", FnScim, "tokens:manage", "List SCIM tokens"),
	perm("DELETE", org+"/scim/tokens/{tokenId}", FnScim, "tokens:manage", "Revoke a SCIM token"),
	perm("GET", scim+"/ServiceProviderConfig", FnScim, "members:read", "SCIM: what this service provider supports"),
	perm("GET", scim+"/ResourceTypes", FnScim, "members:read", "SCIM: the resource types (User, Group)"),
	perm("GET", scim+"/Schemas", FnScim, "members:read", "SCIM: the schemas of User and Group"),
	perm("GET", scim+"/Users", FnScim, "members:read", "SCIM: list or filter users (members and pending invites)"),
	perm("POST", scim+"/Users", FnScim, "members:create", "SCIM: provision a user (an account under a verified domain, else an invite)"),
	perm("GET", scim+"/Users/{scimId}", FnScim, "members:read", "SCIM: one user"),
	perm("PUT", scim+"/Users/{scimId}", FnScim, "members:update", "SCIM: replace a user (active, roles)"),
	perm("PATCH", scim+"/Users/{scimId}", FnScim, "members:update", "SCIM: patch a user (active, roles)"),
	perm("DELETE", scim+"/Users/{scimId}", FnScim, "members:remove", "SCIM: deprovision a user (removes the membership)"),
	perm("GET", scim+"/Groups", FnScim, "groups:read", "SCIM: list or filter groups"),
	perm("POST", scim+"/Groups", FnScim, "groups:manage", "SCIM: create a group"),
	perm("GET", scim+"/Groups/{scimId}", FnScim, "groups:read", "SCIM: one group with its members"),
	perm("PATCH", scim+"/Groups/{scimId}", FnScim, "groups:manage", "SCIM: add or remove group members"),
	perm("DELETE", scim+"/Groups/{scimId}", FnScim, "groups:manage", "SCIM: delete a group"),
	// Org lifecycle (issue 17, items 2 and 6): moving a member between the
	// orgs of one tree ("change owner"), deleting a sub-org through its
	// parent, and a platform admin deleting any org.
	perm("POST", org+"/members/{userId}/move", FnMembers, "members:remove", "Move a member to another org of the same tree (change owner)"),
	perm("DELETE", org+"/suborgs/{subOrgId}", FnOrgs, "suborgs:delete", "Delete a sub-org (cascade: and its sub-orgs)"),
	with("DELETE", "/v1/admin/orgs/{targetOrgId}", FnAdmin, PlatformAdmin, "Delete any org (cascade: and its sub-orgs)"),
	// Groups in full (issue 17, item 7).
	perm("GET", org+"/groups/{groupId}", FnGroups, "groups:read", "One group with its roles"),
	perm("PATCH", org+"/groups/{groupId}", FnGroups, "groups:manage", "Rename a group or change its description"),
	perm("GET", org+"/groups/{groupId}/members", FnGroups, "groups:read", "List a group's members"),

	// Impersonation, "log in as user" (issue 17, item 1).
	perm("POST", org+"/impersonations", FnMembers, "members:update", "Start an impersonation session acting as a member (secret shown once)"),
	perm("GET", org+"/impersonations", FnMembers, "members:update", "List impersonation sessions"),
	perm("DELETE", org+"/impersonations/{sessionId}", FnMembers, "members:update", "Revoke an impersonation session"),
	with("POST", "/v1/admin/impersonations", FnAdmin, PlatformAdmin, "Start an impersonation session in an org (secret shown once)"),
	with("GET", "/v1/admin/impersonations", FnAdmin, PlatformAdmin, "List an org's impersonation sessions"),
	with("DELETE", "/v1/admin/impersonations/{sessionId}", FnAdmin, PlatformAdmin, "Revoke an impersonation session"),
	with("GET", "/v1/me/audit", FnMe, SignedIn, "The caller's own audit view: impersonation of its account"),

	// Account administration (issue 17, item 5).
	with("PATCH", "/v1/admin/users/{userId}/profile", FnAdmin, PlatformAdmin, "Edit an account's name, email, phone, time zone, language or password"),
	with("POST", "/v1/admin/users/{userId}/activation", FnAdmin, PlatformAdmin, "A new activation link for a pending account"),
	with("GET", "/v1/admin/audit", FnAdmin, PlatformAdmin, "The platform audit log (accounts, profiles, sign-up policy, org deletions), newest first"),
	// Verified domains and join policies (docs/domains.md).
	perm("GET", org+"/domains", FnDomains, "org:read", "List the org's email domains"),
	perm("POST", org+"/domains", FnDomains, "org:update", "Add an email domain (pending until verified)"),
	perm("POST", org+"/domains/{domain}/verify", FnDomains, "org:update", "Verify a domain by its DNS TXT record or the caller's own verified email"),
	perm("PUT", org+"/domains/{domain}/policy", FnDomains, "org:update", "Set a domain's join policy (none, suggest, auto) and role"),
	perm("DELETE", org+"/domains/{domain}", FnDomains, "org:update", "Remove a domain"),
	with("GET", "/v1/me/suggested-orgs", FnDomains, SignedIn, "Orgs the caller may join by its verified email's domain"),
	with("POST", "/v1/me/suggested-orgs/join", FnDomains, SignedIn, "Join a suggested org"),

	// Bulk import of members (docs/imports.md).
	perm("POST", org+"/imports", FnImports, "members:create", "Import up to 1,000 members (JSON rows or CSV), with an outcome per row"),
	perm("GET", org+"/imports", FnImports, "members:create", "List the org's imports (progress counters)"),
	perm("GET", org+"/imports/{importId}", FnImports, "members:create", "An import's progress, and its rows' outcomes once ended"),
}

// scim is the base path of an org's SCIM service provider.
const scim = org + "/scim/v2"

// ByKey returns the route with the given route key.
func ByKey(key string) (Route, bool) {
	if key == DefaultRouteKey {
		return Default, true
	}
	// Compared in parts, not as r.Key(): the authorizer calls this on
	// every request, and building each key allocates.
	method, path, ok := strings.Cut(key, " ")
	if !ok {
		return Route{}, false
	}
	for i := range Table {
		if Table[i].Path == path && Table[i].Method == method {
			return Table[i], true
		}
	}
	return Route{}, false
}

// ForFunction returns the routes served by one function.
func ForFunction(fn string) []Route {
	var out []Route
	if fn == Default.Function {
		out = append(out, Default)
	}
	for _, r := range Table {
		if r.Function == fn {
			out = append(out, r)
		}
	}
	return out
}

// Match finds the route for a concrete method and path, as API Gateway does,
// and returns the path parameters. Literal segments win over parameters.
func Match(method, path string) (Route, map[string]string, bool) {
	segs := splitPath(path)
	var best Route
	var bestParams map[string]string
	bestScore := -1
	for _, r := range Table {
		if r.Method != method {
			continue
		}
		tsegs := splitPath(r.Path)
		if len(tsegs) != len(segs) {
			continue
		}
		params := map[string]string{}
		score := 0
		ok := true
		for i, t := range tsegs {
			if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
				if segs[i] == "" {
					ok = false
					break
				}
				params[t[1:len(t)-1]] = segs[i]
				continue
			}
			if t != segs[i] {
				ok = false
				break
			}
			score++
		}
		if ok && score > bestScore {
			best, bestParams, bestScore = r, params, score
		}
	}
	return best, bestParams, bestScore >= 0
}

// AllowedMethods lists the methods that have a route for this path, in
// the order of an Allow header; none for an unknown path.
func AllowedMethods(path string) []string {
	var out []string
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		if _, _, ok := Match(m, path); ok {
			out = append(out, m)
		}
	}
	return out
}

func splitPath(p string) []string {
	return strings.Split(strings.Trim(p, "/"), "/")
}
