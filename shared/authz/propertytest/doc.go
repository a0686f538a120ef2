// Package propertytest holds the property tests of rule intersections
// (docs/security.md, "property tests"): seeded random worlds of orgs up to
// three levels deep, members with roles, flags, expiries and statuses,
// groups, custom roles, narrowed API tokens and invites, driven by random
// operations through the real services over minidyn. After each operation
// nobody may hold a permission in an org that it did not hold before or
// that was not given by someone who held it, and every org keeps an owner.
//
// The package has no code of its own: everything is in its tests.
package propertytest
