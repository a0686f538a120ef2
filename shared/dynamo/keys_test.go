package dynamo

import (
	"strings"
	"testing"
	"time"
)

// TestKeyFormats pins every key format: changing one silently would orphan
// every item already written with the old one.
func TestKeyFormats(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 23, 14, 5, 6, 7, time.UTC)
	tests := []struct {
		name string
		got  Key
		want Key
	}{
		{"user", userKey("u1"), Key{"USER#u1", "PROFILE"}},
		{"email is case-insensitive", emailKey(" Ada@Example.COM "), Key{"EMAIL#ada@example.com", "EMAIL"}},
		{"org", orgKey("org_1"), Key{"ORG#org_1", "META"}},
		{"member", memberKey("org_1", "u1"), Key{"ORG#org_1", "MEMBER#u1"}},
		{"member inverse", memberInverse("org_1", "u1"), Key{"USER#u1", "ORG#org_1"}},
		{"child inverse", childInverse("org_p", "org_c"), Key{"CHILDREN#org_p", "ORG#org_c"}},
		{"signup policy", signupPolicyKey(), Key{"PLATFORM", "SIGNUP_POLICY"}},
		{"sweep cursor", sweepCursorKey(), Key{"PLATFORM", "SWEEP_CURSOR"}},
		{"audit", auditKey("org_1", at, "evt_1"), Key{"ORG#org_1", "AUDIT#2026-11-23T14:05:06.000000007Z#evt_1"}},
		{"invite", inviteKey("org_1", "inv_1"), Key{"ORG#org_1", "INVITE#inv_1"}},
		{"invite email", inviteEmailKey("org_1", "Bob@X.io"), Key{"ORG#org_1", "INVITEEMAIL#bob@x.io"}},
		{"group", groupKey("org_1", "g1"), Key{"ORG#org_1", "GROUP#g1"}},
		{"group member", groupMemberKey("org_1", "g1", "u1"), Key{"ORG#org_1", "GROUPMEMBER#g1#u1"}},
		{"resource", resourceKey("org_1", "device", "d1"), Key{"ORG#org_1", "RES#device#d1"}},
		{"owner inverse", ownerInverse("org_1", "u1", "device", "d1"), Key{"OWNER#org_1#u1", "RES#device#d1"}},
		{"grantee", granteeKey("org_1", "user:u1", "device", "d1"), Key{"ORG#org_1", "GRANTEE#user:u1#device#d1"}},
		{"type grants", typeGrantsKey("org_1", "device"), Key{"ORG#org_1", "RESTYPE#device"}},
		{"api token", tokenKey("org_1", "tok_1"), Key{"ORG#org_1", "APITOKEN#tok_1"}},
		{"secret", secretKey("abc"), Key{"SECRET#abc", "SECRET"}},
		// Collections (issue 17).
		{"collection", collectionKey("org_1", "col_1"), Key{"ORG#org_1", "COLL#col_1"}},
		{"collection member", collectionMemberKey("org_1", "col_1", "device", "d1"), Key{"ORG#org_1", "COLLRES#col_1#device#d1"}},
		{"collection grants", collectionGrantsKey("org_1"), Key{"ORG#org_1", "COLLGRANTS"}},
		{"scim token", scimTokenKey("org_1", "sct_1"), Key{"ORG#org_1", "SCIMTOKEN#sct_1"}},
		{"intent", intentKey(" Ada@Example.COM "), Key{"INTENT#ada@example.com", "INTENT"}},
		{"idempotency key", idempotencyKey("abc"), Key{"IDEM#abc", "IDEM"}},
		{"expiry index", expiryIndexKey(at, "member", Key{"ORG#o", "MEMBER#u"}), Key{"EXP#2026-11-23T14", "2026-11-23T14:05:06.000000007Z#member#ORG#o#MEMBER#u"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %+v, want %+v", tt.got, tt.want)
			}
		})
	}
	if ExpiryBucket(at) != "EXP#2026-11-23T14" {
		t.Errorf("ExpiryBucket = %q", ExpiryBucket(at))
	}
}

// TestSortableTimeOrdersAsStrings guards the audit log's newest-first order.
func TestSortableTimeOrdersAsStrings(t *testing.T) {
	t.Parallel()
	a := time.Date(2026, 1, 1, 0, 0, 0, 9, time.UTC)
	b := a.Add(time.Nanosecond * 991)
	c := a.Add(time.Second)
	ka, kb, kc := auditKey("o", a, "z"), auditKey("o", b, "a"), auditKey("o", c, "a")
	if !(ka.SK < kb.SK && kb.SK < kc.SK) {
		t.Errorf("audit keys do not sort by time: %s %s %s", ka.SK, kb.SK, kc.SK)
	}
}

// TestRangeFormats pins the range of every list and range read: a prefix
// that drifted from its key format would silently read nothing.
func TestRangeFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  keyRange
		want keyRange
	}{
		{"members", membersRange("org_1"), keyRange{"", "ORG#org_1", "MEMBER#"}},
		{"invites", invitesRange("org_1"), keyRange{"", "ORG#org_1", "INVITE#"}},
		{"audit", auditRange("org_1"), keyRange{"", "ORG#org_1", "AUDIT#"}},
		{"platform audit", platformAuditRange(), keyRange{"", "PLATFORM#AUDIT", "AUDIT#"}},
		{"groups", groupsRange("org_1"), keyRange{"", "ORG#org_1", "GROUP#"}},
		{"group members", groupMembersRange("org_1", "g1"), keyRange{"", "ORG#org_1", "GROUPMEMBER#g1#"}},
		{"tokens", tokensRange("org_1"), keyRange{"", "ORG#org_1", "APITOKEN#"}},
		{"resources", resourcesRange("org_1", ""), keyRange{"", "ORG#org_1", "RES#"}},
		{"resources of a type", resourcesRange("org_1", "device"), keyRange{"", "ORG#org_1", "RES#device#"}},
		{"granted", granteeRange("org_1", "user:u1", ""), keyRange{"", "ORG#org_1", "GRANTEE#user:u1#"}},
		{"granted of a type", granteeRange("org_1", "user:u1", "device"), keyRange{"", "ORG#org_1", "GRANTEE#user:u1#device#"}},
		{"invite markers", inviteMarkersRange("org_1"), keyRange{"", "ORG#org_1", "INVITEEMAIL#"}},
		{"org partition", orgPartition("org_1"), keyRange{"", "ORG#org_1", ""}},
		{"orgs of a user", orgsOfUserRange("u1"), keyRange{"GSI1", "USER#u1", "ORG#"}},
		{"sub-orgs", subOrgsRange("org_p"), keyRange{"GSI1", "CHILDREN#org_p", "ORG#"}},
		{"owned", ownedRange("org_1", "u1", ""), keyRange{"GSI1", "OWNER#org_1#u1", "RES#"}},
		{"owned of a type", ownedRange("org_1", "u1", "device"), keyRange{"GSI1", "OWNER#org_1#u1", "RES#device#"}},
		{"users by email", usersByEmailRange(" Ada@X"), keyRange{"GSI1", "EMAILS", "ada@x"}},
		{"pending invites", pendingInvitesRange("Bob@X.io"), keyRange{"GSI1", "INVITED#bob@x.io", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %+v, want %+v", tt.got, tt.want)
			}
		})
	}
	// Each range holds the keys it lists.
	holds := []struct {
		r keyRange
		k Key
	}{
		{membersRange("o"), memberKey("o", "u")},
		{invitesRange("o"), inviteKey("o", "i")},
		{auditRange("o"), auditKey("o", time.Now(), "e")},
		{groupsRange("o"), groupKey("o", "g")},
		{groupMembersRange("o", "g"), groupMemberKey("o", "g", "u")},
		{tokensRange("o"), tokenKey("o", "t")},
		{inviteMarkersRange("o"), inviteEmailKey("o", "Bob@X.io")},
		{resourcesRange("o", "device"), resourceKey("o", "device", "d")},
		{granteeRange("o", "user:u", "device"), granteeKey("o", "user:u", "device", "d")},
		{orgsOfUserRange("u"), memberInverse("o", "u")},
		{subOrgsRange("p"), childInverse("p", "c")},
		{ownedRange("o", "u", "device"), ownerInverse("o", "u", "device", "d")},
	}
	for _, h := range holds {
		if h.k.PK != h.r.pk || !strings.HasPrefix(h.k.SK, h.r.prefix) {
			t.Errorf("range %+v does not hold its key %+v", h.r, h.k)
		}
	}
}
