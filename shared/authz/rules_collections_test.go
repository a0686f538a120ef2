package authz_test

import (
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// clEff compiles a subject of the org "org" with roles, optional flags and
// an optional token scope.
func clEff(user string, readonly bool, scope *authz.TokenScope, roles ...string) *authz.Effective {
	return authz.Compile(pwPolicy(), authz.Subject{UserID: user, Roles: roles, Groups: []string{"all"}, Readonly: readonly, Token: scope})
}

// TestCollectionGrants: grants on a collection reach every resource it
// holds, deny still wins, no deny reaches the resource's owner or an
// admin, a deleted collection gives and narrows nothing, and a token
// narrowed to a collection acts only there (docs/rules.md rule 4).
func TestCollectionGrants(t *testing.T) {
	t.Parallel()
	allowV := []gatehouse.Grant{{Principal: "user:v", Allow: []string{"read"}}}
	denyAll := []gatehouse.Grant{{Principal: "group:all", Deny: []string{"read"}}}
	colls := map[string][]gatehouse.Grant{"col_a": allowV, "col_deny": denyAll, "col_empty": {}}
	res := func(grants []gatehouse.Grant, in ...string) *gatehouse.Resource {
		return &gatehouse.Resource{Type: "device", ID: "d", OwnerID: "o", Grants: grants, Collections: in}
	}
	collToken := &authz.TokenScope{Readonly: true, Collection: "col_a", Permissions: []string{"device:read"}}
	tests := []struct {
		name string
		eff  *authz.Effective
		r    *gatehouse.Resource
		want string
	}{
		{"a collection grant allows", clEff("v", false, nil, "viewer"), res(nil, "col_a"), "true grant"},
		{"no collection, no access", clEff("v", false, nil, "viewer"), res(nil), "false no_resource_access"},
		{"a deleted collection gives nothing", clEff("v", false, nil, "viewer"), res(nil, "col_gone"), "false no_resource_access"},
		{"a deny on a collection beats an allow on the resource", clEff("v", false, nil, "viewer"), res(allowV, "col_deny"), "false denied"},
		{"a deny on a collection beats an allow on another collection", clEff("v", false, nil, "viewer"), res(nil, "col_a", "col_deny"), "false denied"},
		{"a deny on the resource beats an allow on a collection", clEff("v", false, nil, "viewer"),
			res([]gatehouse.Grant{{Principal: "user:v", Deny: []string{"*"}}}, "col_a"), "false denied"},
		{"no deny reaches the resource's owner", clEff("o", false, nil, "developer"), res(nil, "col_deny"), "true resource_owner"},
		{"no deny reaches an admin", clEff("adm", false, nil, "admin"), res(nil, "col_deny"), "true admin"},
		{"a collection token reads its collection", clEff("v", true, collToken, "viewer"), res(nil, "col_a"), "true grant"},
		{"a collection token reads nothing else", clEff("v", true, collToken, "viewer"), res(allowV, "col_empty"), "false token_narrowing"},
		{"a collection token narrows an admin too", clEff("adm", true, &authz.TokenScope{Readonly: true, Collection: "col_a"}, "admin"), res(nil), "false token_narrowing"},
		{"a collection token of a deleted collection reads nothing", clEff("v", true, &authz.TokenScope{Collection: "col_gone"}, "viewer"), res(allowV, "col_gone"), "false token_narrowing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.eff.CheckResource("read", authz.ResourceIn(tt.r, nil, colls), pwNow)
			if got := map[bool]string{true: "true ", false: "false "}[d.Allowed] + d.Reason; got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestCollectionAndLifecycleRules: who manages and reads collections, who
// files, transfers and disposes of resources, and who mints embedded-view
// tokens (docs/rules.md rules 6, 7 and 10).
func TestCollectionAndLifecycleRules(t *testing.T) {
	t.Parallel()
	cat := authz.NewCatalogue(authz.DefaultResourceTypes)
	own := &authz.Resource{Type: "device", ID: "d", OwnerID: "dev"}
	reason := func(err error) string {
		if err == nil {
			return "ok"
		}
		return pwReason(err)
	}
	collToken := &authz.TokenScope{Readonly: true, Collection: "col_a"}
	allowAll := []gatehouse.Grant{{Principal: "group:all", Allow: []string{"*"}}}
	sharedToV := &authz.Resource{Type: "device", ID: "d", OwnerID: "dev", Grants: []gatehouse.Grant{{Principal: "user:v", Allow: []string{"read", "share"}}}}
	tests := []struct {
		name string
		got  error
		want string
	}{
		{"an admin manages collections", clEff("adm", false, nil, "admin").ManagesCollections(cat), "ok"},
		{"a developer does not", clEff("dev", false, nil, "developer").ManagesCollections(cat), gatehouse.ReasonMissingPerm},
		{"a read-only admin does not", clEff("adm", true, nil, "admin").ManagesCollections(cat), gatehouse.ReasonReadonly},
		{"a collection token does not", clEff("adm", false, collToken, "admin").ManagesCollections(cat), gatehouse.ReasonTokenNarrowing},
		{"a viewer reads collections", clEff("v", false, nil, "viewer").ReadsCollections(cat), "ok"},
		{"a collection token reads none", clEff("v", false, collToken, "viewer").ReadsCollections(cat), gatehouse.ReasonTokenNarrowing},
		{"an admin gives read on a collection", clEff("adm", false, nil, "admin").GivesOnCollection(cat, []gatehouse.Grant{{Principal: "user:v", Allow: []string{"*"}}}), "ok"},
		{"a resource-read-only admin gives no update", authz.Compile(pwPolicy(), authz.Subject{UserID: "adm", Roles: []string{"admin"}, ResourceReadonly: true}).
			GivesOnCollection(cat, []gatehouse.Grant{{Principal: "user:v", Allow: []string{"update"}}}), gatehouse.ReasonResourceReadonly},
		{"the owner files its device", clEff("dev", false, nil, "developer").FilesInCollection(own, allowAll, true, pwNow), "ok"},
		{"a developer files no device it cannot share", clEff("dev2", false, nil, "developer").FilesInCollection(own, nil, true, pwNow), gatehouse.ReasonNoAccess},
		{"a sharer gives through a collection only what it may do", clEff("v", false, nil, "viewer", "developer").FilesInCollection(sharedToV, allowAll, true, pwNow), gatehouse.ReasonEscalation},
		{"a sharer takes a resource out", clEff("v", false, nil, "viewer", "developer").FilesInCollection(sharedToV, allowAll, false, pwNow), "ok"},
		{"the owner updates its device", clEff("dev", false, nil, "developer").UpdatesResource(own, pwNow), "ok"},
		{"an admin transfers", clEff("adm", false, nil, "admin").TransfersResource(own, pwNow), "ok"},
		{"the owner below admin does not transfer", clEff("dev", false, nil, "developer").TransfersResource(own, pwNow), gatehouse.ReasonOwnerLink},
		{"a read-only admin does not transfer", clEff("adm", true, nil, "admin").TransfersResource(own, pwNow), gatehouse.ReasonReadonly},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := reason(tt.got); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}

	p := pwPolicy()
	admin, _ := pwCaller(t, p, authz.Standing{User: pwUser("adm"), Membership: pwMember("org", "adm", "admin")}, nil)
	manager, _ := pwCaller(t, p, authz.Standing{User: pwUser("mgr"), Membership: pwMember("org", "mgr", "manager")}, nil)
	ro := pwMember("org", "v", "viewer")
	ro.Readonly = true
	rw := pwMember("org", "w", "viewer")
	owner := pwMember("org", "o", "owner")
	owner.Readonly = true
	tokens := []struct {
		name     string
		c        *gatehouse.Caller
		target   *gatehouse.Membership
		readonly bool
		want     string
	}{
		{"an admin, for a read-only member", admin, ro, true, "ok"},
		{"the token must be read-only", admin, ro, false, "validation_failed"},
		{"the member must be read-only", admin, rw, true, gatehouse.ReasonNotReadonly},
		{"an admin acts on no owner", admin, owner, true, gatehouse.ReasonEscalation},
		{"a manager only for members it manages", manager, ro, true, gatehouse.ReasonNotManaged},
	}
	for _, tt := range tokens {
		t.Run("token "+tt.name, func(t *testing.T) {
			err := authz.MintsTokenFor(tt.c, p, tt.target, nil, tt.readonly)
			got := reason(err)
			if e, ok := err.(*gatehouse.Error); ok && e.Code == gatehouse.CodeValidation {
				got = "validation_failed"
			}
			if got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	if err := authz.DisposesResourcesOf(manager, authz.ResourcesTransfer); reason(err) != gatehouse.ReasonOwnerLink {
		t.Errorf("a manager transferring a removed member's resources: %v, want owner_link", err)
	}
	if err := authz.DisposesResourcesOf(manager, authz.ResourcesRetain); err != nil {
		t.Errorf("a manager retaining: %v", err)
	}
	if err := authz.DisposesResourcesOf(admin, authz.ResourcesDelete); err != nil {
		t.Errorf("an admin deleting: %v", err)
	}
	if _, err := authz.CollectionTokenPermissions(cat, []string{"members:read"}); err == nil {
		t.Error("a collection token with members:read is accepted")
	}
	if perms, err := authz.CollectionTokenPermissions(cat, nil); err != nil || len(perms) != len(cat.ResourceTypes) {
		t.Errorf("a collection token's default narrowing = %v, %v", perms, err)
	}
}
