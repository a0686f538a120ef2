package dynamo

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// ItemsOf returns the items the store writes for a domain value: a
// *gatehouse.User, a *gatehouse.Membership, a *gatehouse.Resource with
// the grantee items of its grants, or a *gatehouse.AuditEvent. It exists for seeding a table with
// states that would take many calls to reach (shared/dynamo/dynamotest);
// services write through the store's methods, which keep the counters,
// conditions and audit bare items skip.
func ItemsOf(v any) ([]map[string]types.AttributeValue, error) {
	switch v := v.(type) {
	case *gatehouse.User:
		return []map[string]types.AttributeValue{userItem(v)}, nil
	case *gatehouse.Membership:
		return []map[string]types.AttributeValue{membershipItem(v)}, nil
	case *gatehouse.Resource:
		out := []map[string]types.AttributeValue{resourceItem(v)}
		for _, p := range principalsOf(v.Grants) {
			out = append(out, granteeItem(v.OrgID, p, v.Ref()))
		}
		return out, nil
	case *gatehouse.AuditEvent:
		// As a stream record carries it (the event publisher's tests).
		return []map[string]types.AttributeValue{auditItem(*v)}, nil
	}
	return nil, fmt.Errorf("dynamo: no items for %T", v)
}

// Item kinds as they appear in the expiry index and the "kind" attribute.
const (
	kindUser       = "user"
	kindEmail      = "email"
	kindOrg        = "org"
	kindMember     = "member"
	kindAudit      = "audit"
	kindInvite     = "invite"
	kindGroup      = "group"
	kindGroupMem   = "groupmember"
	kindResource   = "resource"
	kindTypeGrants = "typegrants"
	kindToken      = "apitoken"
	kindSecret     = "secret"
	kindPolicy     = "signuppolicy"
)

// Attribute names shared by several item kinds.
const (
	attrKind    = "kind"
	attrVersion = "version"
	attrCreated = "createdAt"
	attrUpdated = "updatedAt"
	attrStatus  = "status"
	attrExpires = "expiresAt"
)

// Per-type resource counters and quotas are top-level attributes
// (resCount_<type>, maxRes_<type>) so that ADD and conditions work on them
// without first creating a nested map.
const (
	attrResCountPrefix = "resCount_"
	// attrTreeResPrefix counts the resources of a type in the org's whole
	// subtree (itself and its sub-orgs), which maxRes_<type> bounds.
	attrTreeResPrefix = "treeRes_"
	attrMaxResPrefix  = "maxRes_"
)

// Seat counters. An invite holds a seat from its creation until it is
// accepted (the seat becomes the membership's), revoked or expired, so the
// counters the quota conditions compare are seats, and the pending invites
// among them are counted apart for the usage report:
//   - org: memberCount = memberships + pending invites holding a seat,
//     bounded by maxMembers; inviteCount = those invites;
//   - manager's membership: managedCount = managed members + its pending
//     invites holding a slot, bounded by userLimit; managedInvites = those
//     invites.
//
// Items written before invites held seats have no inviteCount or
// managedInvites: absent is 0, and their invites hold nothing (see
// Invite.SeatHeld).
const (
	attrMemberCount    = "memberCount"
	attrInviteCount    = "inviteCount"
	attrManagedCount   = "managedCount"
	attrManagedInvites = "managedInvites"
)

func userItem(u *gatehouse.User) item {
	it := newItem(userKey(u.ID)).
		setS(attrKind, kindUser).
		setS("userId", u.ID).
		setS("email", u.Email).
		setS("emailLower", NormalizeEmail(u.Email)).
		setBool("emailVerified", u.EmailVerified).
		setS("name", u.Name).
		setS("phone", u.Phone).
		setS("timeZone", u.TimeZone).
		setS("language", u.Language).
		setS(attrStatus, string(u.Status)).
		setTimePtr(attrExpires, u.ExpiresAt).
		setBool("platformAdmin", u.PlatformAdmin).
		setN("resourceLimit", int64(u.ResourceLimit)).
		setTime(attrCreated, u.CreatedAt).
		setTime(attrUpdated, u.UpdatedAt).
		setN(attrVersion, u.Version).
		setInverse(Key{gsiEmails, NormalizeEmail(u.Email) + "#" + u.ID})
	if u.Status == gatehouse.StatusActive {
		it.setExpiry(u.ExpiresAt, kindUser)
	}
	return it
}

func decodeUser(it item) *gatehouse.User {
	return &gatehouse.User{
		ID:            it.getS("userId"),
		Email:         it.getS("email"),
		EmailVerified: it.getBool("emailVerified"),
		Name:          it.getS("name"),
		Phone:         it.getS("phone"),
		TimeZone:      it.getS("timeZone"),
		Language:      it.getS("language"),
		Status:        gatehouse.Status(it.getS(attrStatus)),
		ExpiresAt:     it.getTimePtr(attrExpires),
		PlatformAdmin: it.getBool("platformAdmin"),
		ResourceLimit: it.getIntOr("resourceLimit", -1),
		CreatedAt:     it.getTime(attrCreated),
		UpdatedAt:     it.getTime(attrUpdated),
		Version:       it.getN(attrVersion),
	}
}

func emailItem(email, userID string) item {
	return newItem(emailKey(email)).setS(attrKind, kindEmail).setS("userId", userID)
}

func orgItem(o *gatehouse.Org) item {
	it := newItem(orgKey(o.ID)).
		setS(attrKind, kindOrg).
		setS("orgId", o.ID).
		setS("name", o.Name).
		setS("parentId", o.ParentID).
		setList("ancestors", o.Ancestors).
		setList("verifiedDomains", o.VerifiedDomains).
		setBool("personal", o.Personal).
		setJSON("settings", o.Settings).
		setN("maxMembers", int64(quotaOr(o.Quotas.MaxMembers))).
		setN(attrMemberCount, int64(o.Usage.Seats())).
		setN(attrInviteCount, int64(o.Usage.PendingInvites)).
		setN("ownerCount", int64(o.Usage.Owners)).
		setN("subOrgCount", int64(o.Usage.SubOrgCount)).
		setN(attrTreeSeats, int64(max(o.Usage.SubtreeSeats, o.Usage.Seats()))).
		setJSON("customRoles", nonNilRoles(o.CustomRoles)).
		setJSON("groupRoles", nonNilGroups(o.GroupRoles)).
		setTime(attrCreated, o.CreatedAt).
		setTime(attrUpdated, o.UpdatedAt).
		setN(attrVersion, o.Version)
	for t, n := range o.Quotas.MaxResources {
		it.setN(attrMaxResPrefix+t, int64(n))
	}
	for t, n := range o.Usage.Resources {
		it.setN(attrResCountPrefix+t, int64(n))
	}
	for t, n := range o.Usage.SubtreeResources {
		it.setN(attrTreeResPrefix+t, int64(max(n, o.Usage.Resources[t])))
	}
	if o.ParentID != "" {
		it.setInverse(childInverse(o.ParentID, o.ID))
	}
	return it
}

// quotaOr treats the zero value of a new org's quota as unlimited; an
// explicit 0 is set through the limits API, which writes the item directly.
func quotaOr(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

func nonNilRoles(m map[string]gatehouse.Role) map[string]gatehouse.Role {
	if m == nil {
		return map[string]gatehouse.Role{}
	}
	return m
}

func nonNilGroups(m map[string][]string) map[string][]string {
	if m == nil {
		return map[string][]string{}
	}
	return m
}

func decodeOrg(it item) *gatehouse.Org {
	o := &gatehouse.Org{
		ID:        it.getS("orgId"),
		Name:      it.getS("name"),
		ParentID:  it.getS("parentId"),
		Ancestors: it.getList("ancestors"),
		Personal:  it.getBool("personal"),
		// Verified domains are read wherever the org is: they decide
		// who may mint accounts (rule 11).
		VerifiedDomains: it.getList("verifiedDomains"),
		Quotas:          gatehouse.Quotas{MaxMembers: it.getIntOr("maxMembers", -1), MaxResources: map[string]int{}},
		Usage: gatehouse.Usage{
			// memberCount holds the seats: members and the pending
			// invites holding one (inviteCount; absent is 0).
			Members:        it.getInt(attrMemberCount) - it.getInt(attrInviteCount),
			PendingInvites: it.getInt(attrInviteCount),
			Owners:         it.getInt("ownerCount"),
			SubOrgCount:    it.getInt("subOrgCount"),
			SubtreeSeats:   it.getIntOr(attrTreeSeats, it.getInt(attrMemberCount)),
			Resources:      map[string]int{},
			// An org written before treeRes_ existed counts its own.
			SubtreeResources: map[string]int{},
		},
		CreatedAt: it.getTime(attrCreated),
		UpdatedAt: it.getTime(attrUpdated),
		Version:   it.getN(attrVersion),
	}
	it.getJSON("settings", &o.Settings)
	if o.Settings.DefaultResourceAccess == "" {
		o.Settings.DefaultResourceAccess = gatehouse.ResourceAccessGranted
	}
	it.getJSON("customRoles", &o.CustomRoles)
	it.getJSON("groupRoles", &o.GroupRoles)
	for name := range it {
		switch {
		case strings.HasPrefix(name, attrMaxResPrefix):
			o.Quotas.MaxResources[strings.TrimPrefix(name, attrMaxResPrefix)] = it.getInt(name)
		case strings.HasPrefix(name, attrResCountPrefix):
			o.Usage.Resources[strings.TrimPrefix(name, attrResCountPrefix)] = it.getInt(name)
		case strings.HasPrefix(name, attrTreeResPrefix):
			o.Usage.SubtreeResources[strings.TrimPrefix(name, attrTreeResPrefix)] = it.getInt(name)
		}
	}
	for t, n := range o.Usage.Resources {
		if _, ok := o.Usage.SubtreeResources[t]; !ok {
			o.Usage.SubtreeResources[t] = n
		}
	}
	return o
}

func membershipItem(m *gatehouse.Membership) item {
	it := newItem(memberKey(m.OrgID, m.UserID)).
		setS(attrKind, kindMember).
		setS("orgId", m.OrgID).
		setS("userId", m.UserID).
		setList("roles", m.Roles).
		setList("groups", m.Groups).
		setBool("readonly", m.Readonly).
		setBool("resourceReadonly", m.ResourceReadonly).
		setS(attrStatus, string(m.Status)).
		setTimePtr(attrExpires, m.ExpiresAt).
		setS("managedBy", m.ManagedBy).
		setN("userLimit", int64(m.UserLimit)).
		setN("resourceLimit", int64(m.ResourceLimit)).
		setN(attrManagedCount, int64(m.ManagedCount+m.PendingInvites)).
		setN(attrManagedInvites, int64(m.PendingInvites)).
		setN("resourceCount", int64(m.ResourceCount)).
		setS("invitedBy", m.InvitedBy).
		setBool(attrAccountLimited, m.AccountLimited).
		setTime(attrCreated, m.CreatedAt).
		setTime(attrUpdated, m.UpdatedAt).
		setN(attrVersion, m.Version).
		setInverse(memberInverse(m.OrgID, m.UserID))
	if m.Status == gatehouse.StatusActive {
		it.setExpiry(m.ExpiresAt, kindMember)
	}
	return it
}

func decodeMembership(it item) *gatehouse.Membership {
	return &gatehouse.Membership{
		OrgID:            it.getS("orgId"),
		UserID:           it.getS("userId"),
		Roles:            it.getList("roles"),
		Groups:           it.getList("groups"),
		Readonly:         it.getBool("readonly"),
		ResourceReadonly: it.getBool("resourceReadonly"),
		Status:           gatehouse.Status(it.getS(attrStatus)),
		ExpiresAt:        it.getTimePtr(attrExpires),
		ManagedBy:        it.getS("managedBy"),
		UserLimit:        it.getIntOr("userLimit", 0),
		ResourceLimit:    it.getIntOr("resourceLimit", 0),
		// managedCount holds the managed slots: managed members and the
		// manager's pending invites holding one (managedInvites; absent
		// is 0).
		ManagedCount:   it.getInt(attrManagedCount) - it.getInt(attrManagedInvites),
		PendingInvites: it.getInt(attrManagedInvites),
		ResourceCount:  it.getInt("resourceCount"),
		InvitedBy:      it.getS("invitedBy"),
		AccountLimited: it.getBool(attrAccountLimited),
		CreatedAt:      it.getTime(attrCreated),
		UpdatedAt:      it.getTime(attrUpdated),
		Version:        it.getN(attrVersion),
	}
}

// platformAuditPK holds audit events that belong to no org (profile
// changes, platform admin actions on accounts).
const platformAuditPK = "PLATFORM#AUDIT"

func auditItem(ev gatehouse.AuditEvent) item {
	k := auditKey(ev.OrgID, ev.Time, ev.ID)
	if ev.OrgID == "" {
		k.PK = platformAuditPK
	}
	return newItem(k).
		setS(attrKind, kindAudit).
		setS("eventId", ev.ID).
		setS("orgId", ev.OrgID).
		setTime("time", ev.Time).
		setS("actor", ev.ActorID).
		setS("action", ev.Action).
		setS("target", ev.Target).
		setJSON("before", ev.Before).
		setJSON("after", ev.After).
		setS("requestId", ev.RequestID).
		setS("sourceIp", ev.SourceIP)
}

func decodeAudit(it item) gatehouse.AuditEvent {
	ev := gatehouse.AuditEvent{
		ID:        it.getS("eventId"),
		OrgID:     it.getS("orgId"),
		Time:      it.getTime("time"),
		ActorID:   it.getS("actor"),
		Action:    it.getS("action"),
		Target:    it.getS("target"),
		RequestID: it.getS("requestId"),
		SourceIP:  it.getS("sourceIp"),
	}
	it.getJSON("before", &ev.Before)
	it.getJSON("after", &ev.After)
	return ev
}
