package dynamo

import "testing"

// TestDomainAndImportKeyFormats pins the key formats of verified domains
// and bulk imports (docs/data-model.md), as TestKeyFormats does the rest.
func TestDomainAndImportKeyFormats(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		got, want Key
	}{
		{"domain", domainKey("org_1", "acme.test"), Key{"ORG#org_1", "DOMAIN#acme.test"}},
		{"domain claim", domainClaimKey("acme.test"), Key{"DOMAIN#acme.test", "CLAIM"}},
		{"import", importKey("org_1", "imp_1"), Key{"ORG#org_1", "IMPORT#imp_1"}},
		{"import results", importResultsKey("org_1", "imp_1", 7), Key{"ORG#org_1", "IMPORTRES#imp_1#0007"}},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, tt.got, tt.want)
		}
	}
	for _, r := range []struct {
		name string
		rng  keyRange
		in   Key
		out  Key
	}{
		{"domains", domainsRange("org_1"), domainKey("org_1", "a.test"), importKey("org_1", "imp_1")},
		{"imports", importsRange("org_1"), importKey("org_1", "imp_1"), importResultsKey("org_1", "imp_1", 0)},
		{"import results", importResultsRange("org_1", "imp_1"), importResultsKey("org_1", "imp_1", 3), importResultsKey("org_1", "imp_10", 0)},
	} {
		holds := func(k Key) bool {
			return k.PK == r.rng.pk && len(k.SK) >= len(r.rng.prefix) && k.SK[:len(r.rng.prefix)] == r.rng.prefix
		}
		if !holds(r.in) || holds(r.out) {
			t.Errorf("%s range %+v: holds %v = %v (want true), %v = %v (want false)", r.name, r.rng, r.in, holds(r.in), r.out, holds(r.out))
		}
	}
}
