package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/ids"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// NewAudit builds an audit event for the actor at the store's time.
func (s *Store) NewAudit(actor gatehouse.Actor, orgID, action, target string, before, after map[string]any) gatehouse.AuditEvent {
	return gatehouse.AuditEvent{
		ID:        ids.New("evt"),
		OrgID:     orgID,
		Time:      s.Now(),
		ActorID:   actor.UserID,
		Action:    action,
		Target:    target,
		Before:    before,
		After:     after,
		RequestID: actor.RequestID,
		SourceIP:  actor.SourceIP,
		// Changes made through an impersonation session name both.
		ImpersonatedBy: actor.ImpersonatedBy,
	}
}

// ErrEmailTaken is returned when an email already belongs to an account.
var ErrEmailTaken = gatehouse.Errorf(gatehouse.CodeConflict, "an account with this email already exists")

// User reads an account profile.
func (s *Store) User(ctx context.Context, userID string) (*gatehouse.User, error) {
	it, err := s.get(ctx, userKey(userID), true, "user")
	if err != nil {
		return nil, err
	}
	return decodeUser(it), nil
}

// UserIDByEmail finds the account that holds an email (case-insensitive).
func (s *Store) UserIDByEmail(ctx context.Context, email string) (string, error) {
	it, err := s.get(ctx, emailKey(email), true, "user")
	if err != nil {
		return "", err
	}
	return it.getS("userId"), nil
}

// Account reads a user with its memberships.
func (s *Store) Account(ctx context.Context, userID string) (*gatehouse.Account, error) {
	u, err := s.User(ctx, userID)
	if err != nil {
		return nil, err
	}
	ms, err := s.MembershipsOfUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	if ms == nil {
		ms = []gatehouse.MembershipView{}
	}
	return &gatehouse.Account{User: u, Memberships: ms}, nil
}

// NewPersonalOrg returns the personal org of a new user, not yet stored.
func NewPersonalOrg(u *gatehouse.User, now time.Time) *gatehouse.Org {
	name := u.Name
	if name == "" {
		name = u.Email
	}
	return &gatehouse.Org{
		ID:        ids.New("org"),
		Name:      name + "'s organization",
		Personal:  true,
		Settings:  gatehouse.OrgSettings{DefaultResourceAccess: gatehouse.ResourceAccessGranted},
		Quotas:    gatehouse.Quotas{MaxMembers: -1},
		CreatedAt: now,
		UpdatedAt: now,
	}
}

// OwnerMembership is the membership of an org's creator.
func OwnerMembership(orgID, userID string, resourceLimit int, now time.Time) *gatehouse.Membership {
	return &gatehouse.Membership{
		OrgID:         orgID,
		UserID:        userID,
		Roles:         []string{authz.RoleOwner},
		Status:        gatehouse.StatusActive,
		UserLimit:     -1,
		ResourceLimit: resourceLimit,
		CreatedAt:     now,
		UpdatedAt:     now,
	}
}

// ErrAccountDeleted refuses to create a profile for the id of a deleted
// account (rule 12).
var ErrAccountDeleted = gatehouse.Forbidden(gatehouse.ReasonDisabled, "this account was deleted")

// CreateAccount stores a new account profile with its email reservation and,
// when org is not nil, its personal org with the user as owner: all in one
// transaction. A duplicate email fails with ErrEmailTaken and writes nothing.
func (s *Store) CreateAccount(ctx context.Context, u *gatehouse.User, org *gatehouse.Org, actor gatehouse.Actor) error {
	t := s.tx().
		create(emailItem(u.Email, u.ID), ErrEmailTaken).
		create(userItem(u), gatehouse.Errorf(gatehouse.CodeConflict, "the account already exists")).
		// A deleted account never comes back (rule 12), whatever path
		// would re-create it (a trigger's repair, a replayed event).
		check(tombstoneKey(u.ID), "attribute_not_exists(#pk)", ErrAccountDeleted, map[string]string{"#pk": tabledef.PK}, nil)
	if org != nil {
		owner := OwnerMembership(org.ID, u.ID, u.ResourceLimit, u.CreatedAt)
		owner.AccountLimited = AccountLimited(u)
		s.addCreateOrg(t, org, owner)
		t.audit(s.NewAudit(actor, org.ID, "org.create", org.ID, nil, map[string]any{"name": org.Name, "personal": true}))
	}
	t.audit(s.NewAudit(actor, "", "account.create", u.ID, nil, map[string]any{"email": u.Email, "status": u.Status}))
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("create account %s: %w", u.ID, err)
	}
	return nil
}

// addCreateOrg adds an org and its owner's membership to a transaction.
// The owner counts as a usable owner (rule 9) only when it is one.
func (s *Store) addCreateOrg(t *tx, o *gatehouse.Org, owner *gatehouse.Membership) {
	o.Usage.Members, o.Usage.Owners = 1, 0
	if UsableOwner(owner) {
		o.Usage.Owners = 1
	}
	t.create(orgItem(o), gatehouse.Errorf(gatehouse.CodeConflict, "the org already exists"))
	t.create(membershipItem(owner), gatehouse.Errorf(gatehouse.CodeConflict, "already a member"))
}

// CreateOrg stores a new top-level org with the caller as its owner. The
// caller's account must exist and be active at commit time, and, when the
// owner is counted as a usable owner (owner.AccountLimited false, rule 9),
// still without an expiry.
func (s *Store) CreateOrg(ctx context.Context, o *gatehouse.Org, owner *gatehouse.Membership, actor gatehouse.Actor) error {
	t := s.tx()
	cond, values := "#st = :active", map[string]types.AttributeValue{":active": str(string(gatehouse.StatusActive))}
	names := map[string]string{"#st": attrStatus}
	if !owner.AccountLimited {
		cond += " AND " + accountUnlimitedCond
		values = accountUnlimitedValues()
		names["#exp"] = attrExpires
	}
	t.check(userKey(owner.UserID), cond, gatehouse.Forbidden(gatehouse.ReasonDisabled, "the account is not active, or changed meanwhile"), names, values)
	s.addCreateOrg(t, o, owner)
	t.audit(s.NewAudit(actor, o.ID, "org.create", o.ID, nil, map[string]any{"name": o.Name}))
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("create org: %w", err)
	}
	return nil
}

// Org reads an org.
func (s *Store) Org(ctx context.Context, orgID string) (*gatehouse.Org, error) {
	it, err := s.get(ctx, orgKey(orgID), true, "org")
	if err != nil {
		return nil, err
	}
	return decodeOrg(it), nil
}

// Membership reads one membership.
func (s *Store) Membership(ctx context.Context, orgID, userID string) (*gatehouse.Membership, error) {
	it, err := s.get(ctx, memberKey(orgID, userID), true, "member")
	if err != nil {
		return nil, err
	}
	return decodeMembership(it), nil
}

// MembershipsOfUser lists every membership of a user with its org's name.
func (s *Store) MembershipsOfUser(ctx context.Context, userID string) ([]gatehouse.MembershipView, error) {
	items, err := s.queryAll(ctx, queryRange(orgsOfUserRange(userID)), 0)
	if err != nil {
		return nil, fmt.Errorf("memberships of %s: %w", userID, err)
	}
	views := make([]gatehouse.MembershipView, 0, len(items))
	keys := make([]Key, 0, len(items))
	for _, it := range items {
		m := decodeMembership(it)
		views = append(views, gatehouse.MembershipView{Membership: *m})
		keys = append(keys, orgKey(m.OrgID))
	}
	for start := 0; start < len(keys); start += 100 {
		end := min(start+100, len(keys))
		orgs, err := s.batchGet(ctx, keys[start:end])
		if err != nil {
			return nil, fmt.Errorf("orgs of %s: %w", userID, err)
		}
		for i := start; i < end; i++ {
			if it, ok := orgs[keys[i]]; ok {
				views[i].OrgName = it.getS("name")
			}
		}
	}
	// A membership whose org is gone (deleted, purge pending) is not shown.
	kept := views[:0]
	for _, v := range views {
		if v.OrgName != "" {
			kept = append(kept, v)
		}
	}
	return kept, nil
}

// ProfileChanges are the fields of PATCH /v1/me; nil leaves a field as is.
type ProfileChanges struct {
	Name, Phone, TimeZone, Language *string
}

// UpdateProfile changes the given fields of a profile and records the change.
func (s *Store) UpdateProfile(ctx context.Context, userID string, ch ProfileChanges, actor gatehouse.Actor) (*gatehouse.User, error) {
	before, err := s.User(ctx, userID)
	if err != nil {
		return nil, err
	}
	names := map[string]string{"#v": attrVersion, "#u": attrUpdated}
	values := map[string]types.AttributeValue{":v": num(before.Version), ":one": num(1), ":now": str(s.Now().Format(time.RFC3339Nano))}
	expr := "SET #u = :now ADD #v :one"
	set := ""
	b, a := map[string]any{}, map[string]any{}
	after := *before
	for _, f := range []struct {
		name string
		val  *string
		old  string
		dst  *string
	}{
		{"name", ch.Name, before.Name, &after.Name},
		{"phone", ch.Phone, before.Phone, &after.Phone},
		{"timeZone", ch.TimeZone, before.TimeZone, &after.TimeZone},
		{"language", ch.Language, before.Language, &after.Language},
	} {
		if f.val == nil {
			continue
		}
		names["#"+f.name] = f.name
		values[":"+f.name] = str(*f.val)
		set += ", #" + f.name + " = :" + f.name
		b[f.name], a[f.name] = f.old, *f.val
		*f.dst = *f.val
	}
	if set != "" {
		expr = "SET #u = :now" + set + " ADD #v :one"
	}
	t := s.tx().update(userKey(userID), expr, "#v = :v",
		gatehouse.Errorf(gatehouse.CodeConflict, "the profile changed meanwhile; retry"), names, values)
	t.audit(s.NewAudit(actor, "", "profile.update", userID, b, a))
	if err := t.commit(ctx); err != nil {
		return nil, fmt.Errorf("update profile %s: %w", userID, err)
	}
	after.Version++
	after.UpdatedAt = s.Now()
	return &after, nil
}

// SignupPolicy reads the platform's sign-up policy (the default if none set).
func (s *Store) SignupPolicy(ctx context.Context) (gatehouse.SignupPolicy, error) {
	it, err := s.find(ctx, signupPolicyKey(), false)
	if err != nil {
		return gatehouse.SignupPolicy{}, err
	}
	if it == nil {
		return gatehouse.DefaultSignupPolicy(), nil
	}
	p := gatehouse.DefaultSignupPolicy()
	it.getJSON("policy", &p)
	return p, nil
}

// PutSignupPolicy replaces the sign-up policy.
func (s *Store) PutSignupPolicy(ctx context.Context, p gatehouse.SignupPolicy, actor gatehouse.Actor) error {
	before, err := s.SignupPolicy(ctx)
	if err != nil {
		return err
	}
	p.UpdatedAt = s.Now()
	it := newItem(signupPolicyKey()).setS(attrKind, kindPolicy).setJSON("policy", p)
	t := s.tx().put(it, "", nil, nil, nil)
	t.audit(s.NewAudit(actor, "", "signup_policy.update", "signup-policy",
		map[string]any{"policy": before}, map[string]any{"policy": p}))
	return t.commit(ctx)
}

// SetPlatformAdmin marks an account as platform admin (bootstrap only: no
// API route grants it).
func (s *Store) SetPlatformAdmin(ctx context.Context, userID string, admin bool) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       keyAV(userKey(userID)),
		UpdateExpression:          aws.String("SET #pa = :pa"),
		ConditionExpression:       aws.String("attribute_exists(#pk)"),
		ExpressionAttributeNames:  map[string]string{"#pa": "platformAdmin", "#pk": tabledef.PK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pa": &types.AttributeValueMemberBOOL{Value: admin}},
	})
	if err != nil {
		return fmt.Errorf("set platform admin %s: %w", userID, err)
	}
	return nil
}

// AuthContext is what the authorizer loads for one request.
type AuthContext struct {
	User       *gatehouse.User       // nil if no profile
	Org        *gatehouse.Org        // nil if no org asked or not found
	Membership *gatehouse.Membership // nil if not a member
	// AncestorMemberships are the caller's memberships of the org's
	// ancestors, read only when it is not a member of the org itself.
	AncestorMemberships []*gatehouse.Membership
}

// LoadAuthContext reads the account, the org and the membership in one
// BatchGetItem. Only in a sub-org, and only when the caller is not already
// owner or admin there, does it read the caller's memberships of the
// ancestors (rule 5) in a second one.
func (s *Store) LoadAuthContext(ctx context.Context, userID, orgID string) (*AuthContext, error) {
	keys := []Key{userKey(userID)}
	if orgID != "" {
		keys = append(keys, orgKey(orgID), memberKey(orgID, userID))
	}
	got, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("load auth context: %w", err)
	}
	ac := &AuthContext{}
	if it, ok := got[userKey(userID)]; ok {
		ac.User = decodeUser(it)
	}
	if orgID == "" {
		return ac, nil
	}
	if it, ok := got[orgKey(orgID)]; ok {
		ac.Org = decodeOrg(it)
	}
	if it, ok := got[memberKey(orgID, userID)]; ok {
		ac.Membership = decodeMembership(it)
	}
	// Ancestor memberships matter only when this org's own membership does
	// not already make the caller an unflagged owner or admin (rule 5: what
	// a parent gives, the sub-org's flags or status cannot take away).
	m := ac.Membership
	direct := m != nil && m.Usable(s.Now()) && !m.Readonly && !m.ResourceReadonly &&
		(m.HasRole(gatehouse.RoleOwner) || m.HasRole(gatehouse.RoleAdmin))
	if !direct && ac.Org != nil && len(ac.Org.Ancestors) > 0 {
		var aks []Key
		for _, a := range ac.Org.Ancestors {
			aks = append(aks, memberKey(a, userID))
		}
		anc, err := s.batchGet(ctx, aks)
		if err != nil {
			return nil, fmt.Errorf("load ancestor memberships: %w", err)
		}
		for _, k := range aks {
			if it, ok := anc[k]; ok {
				ac.AncestorMemberships = append(ac.AncestorMemberships, decodeMembership(it))
			}
		}
	}
	return ac, nil
}
