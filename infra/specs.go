package main

import (
	"github.com/gatehouse-dev/gatehouse/shared/routes"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// FunctionSpec is what one function is sized at and allowed to do.
//
// The grants are written out by hand, so that a new AWS call is a reviewed
// change of this file, and TestLeastPrivilege proves them equal to what the
// function's code calls (infra/codeactions): a call without its grant, or a
// grant without its call, fails the infra tests.
type FunctionSpec struct {
	MemoryMB       float64
	TimeoutSeconds float64
	// Table lists DynamoDB actions on the table. IAM has no action for
	// TransactWriteItems or TransactGetItems: a transaction is authorized
	// entry by entry, as PutItem, UpdateItem, DeleteItem, ConditionCheckItem
	// (writes) and GetItem (reads).
	Table []string
	// QueryIndexes lists the indexes the function queries (dynamodb:Query
	// on the index ARN).
	QueryIndexes []string
	// Cognito lists cognito-idp actions on the user pool.
	Cognito []string
	// SendsEmail grants ses:SendEmail as the EmailFrom identity.
	SendsEmail bool
	// PutsEvents grants events:PutEvents on the event stream's bus
	// (events.go).
	PutsEvents bool
	// ReadsStream marks the function the table's stream invokes: its
	// event source mapping reads the stream with the function's role
	// (streamReads in the tests), not its code.
	ReadsStream bool
}

// Memory and timeout. Go binaries need little memory, but Lambda allots CPU
// in proportion to memory, and CPU is what cold starts, JWT signature checks
// and JSON encoding spend; 256 MB is the knee for small Go handlers, the
// authorizer gets 512 MB because it runs before every request. Timeouts sit
// under what the caller waits: HTTP API gives up on an integration after 30 s
// and on an authorizer after 10 s; Cognito waits 5 s for a trigger.
//
// The timeouts come from the route table (routes.Timeout, docs/reliability.md),
// which the local gateway and the functions' own answer deadline share.
var (
	httpMemory       = 256.0
	httpTimeout      = routes.TimeoutHTTP.Seconds()
	lifecycleTimeout = routes.TimeoutLifecycle.Seconds()
	sweepTimeout     = routes.TimeoutSweep.Seconds()
)

var (
	inverse = tabledef.InverseIndex
	expiry  = tabledef.ExpiryIndex
)

// functionSpecs is the per-function least-privilege map, one line per
// action the function's code performs (TestLeastPrivilege lists where).
var functionSpecs = map[string]FunctionSpec{
	// Reads the caller's account, membership, roles, groups and token.
	routes.FnAuthorizer: {MemoryMB: 512, TimeoutSeconds: routes.Timeout(routes.FnAuthorizer).Seconds(),
		Table: []string{"GetItem", "BatchGetItem"}},
	// PreSignUp reads the policy and looks the email up; PostConfirmation
	// creates the profile and the personal org in one transaction. No
	// Cognito calls (see auth.go).
	// The auto join policy of verified domains (docs/domains.md) adds the
	// membership and the org's counters (UpdateItem) to that transaction.
	routes.FnTriggers: {MemoryMB: httpMemory, TimeoutSeconds: routes.Timeout(routes.FnTriggers).Seconds(),
		Table: []string{"GetItem", "PutItem", "UpdateItem", "ConditionCheckItem"}, QueryIndexes: []string{inverse}},
	// Expires accounts, memberships, invites and tokens, with audit events,
	// and cuts expired accounts off in Cognito (or lets them back in when an
	// expiry was lifted).
	// Reliability (docs/reliability.md): it also reconciles intents left
	// pending: undoes creations (AdminGetUser, AdminDeleteUser), finishes
	// activations (AdminUpdateUserAttributes) and account deletions (the
	// admin's reads: BatchGetItem, Query on the table and GSI1).
	routes.FnSweeper: {MemoryMB: httpMemory, TimeoutSeconds: sweepTimeout,
		// Query and BatchWriteItem: draining deleted orgs (org lifecycle,
		// issue 17: their tombstones, then their partitions); the rest:
		// reconciling intents (docs/reliability.md).
		Table:        []string{"GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem", "BatchWriteItem"},
		QueryIndexes: []string{expiry, inverse},
		Cognito:      []string{"AdminDisableUser", "AdminEnableUser", "AdminUserGlobalSignOut", "AdminGetUser", "AdminDeleteUser", "AdminUpdateUserAttributes"}},
	// Profile reads and PATCH /v1/me (update + audit event).
	routes.FnMe: {MemoryMB: httpMemory, TimeoutSeconds: httpTimeout,
		// Query: the caller's own audit view (issue 17).
		Table: []string{"GetItem", "BatchGetItem", "PutItem", "UpdateItem", "Query"}, QueryIndexes: []string{inverse}},
	// Deleting an org purges its partition with BatchWriteItem (deletes),
	// after the transaction that removes the org itself.
	routes.FnOrgs: {MemoryMB: httpMemory, TimeoutSeconds: lifecycleTimeout,
		// BatchGetItem: the caller's ancestor memberships when deleting a
		// sub-org (org lifecycle, issue 17).
		Table:        []string{"GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem", "BatchWriteItem", "BatchGetItem"},
		QueryIndexes: []string{inverse}},
	// Creates users directly (with a password or an emailed activation
	// link), and undoes a half-made account.
	routes.FnMembers: {MemoryMB: httpMemory, TimeoutSeconds: lifecycleTimeout,
		Table:        []string{"GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem"},
		QueryIndexes: []string{inverse},
		// AdminGetUser: a retried creation adopts the user its intent made.
		Cognito:    []string{"AdminCreateUser", "AdminSetUserPassword", "AdminDisableUser", "AdminDeleteUser", "AdminGetUser"},
		SendsEmail: true},
	// Invites (emailed) and acceptance (reads the caller's verified email).
	routes.FnInvites: {MemoryMB: httpMemory, TimeoutSeconds: lifecycleTimeout,
		Table:      []string{"GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem"},
		Cognito:    []string{"AdminGetUser"},
		SendsEmail: true},
	// Activation by token: sets the password, marks the address verified,
	// spends the token and activates the account in one transaction.
	// DeleteItem: the transaction that activates ends the intent.
	routes.FnActivate: {MemoryMB: httpMemory, TimeoutSeconds: lifecycleTimeout,
		Table:   []string{"GetItem", "PutItem", "UpdateItem", "DeleteItem"},
		Cognito: []string{"AdminSetUserPassword", "AdminUpdateUserAttributes"}},
	// Custom roles live on the org item.
	// DeleteItem (roles, tokens): a failed request releases its
	// Idempotency-Key (docs/reliability.md).
	routes.FnRoles: {MemoryMB: httpMemory, TimeoutSeconds: httpTimeout,
		Table: []string{"GetItem", "PutItem", "UpdateItem", "DeleteItem"}},
	routes.FnGroups: {MemoryMB: httpMemory, TimeoutSeconds: httpTimeout,
		Table: []string{"GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem"}},
	routes.FnResources: {MemoryMB: httpMemory, TimeoutSeconds: httpTimeout,
		Table:        []string{"GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem"},
		QueryIndexes: []string{inverse}},
	routes.FnTokens: {MemoryMB: httpMemory, TimeoutSeconds: httpTimeout,
		Table: []string{"GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"}},
	routes.FnLimits: {MemoryMB: httpMemory, TimeoutSeconds: httpTimeout,
		Table: []string{"GetItem", "BatchGetItem", "PutItem", "UpdateItem", "ConditionCheckItem"}},
	// Answers unknown routes (404, 405) from the route table alone.
	routes.FnNotFound: {MemoryMB: 128, TimeoutSeconds: routes.Timeout(routes.FnNotFound).Seconds()},
	// The audit log is written by the other functions, in their own
	// transactions; this one only reads it.
	routes.FnAudit: {MemoryMB: httpMemory, TimeoutSeconds: httpTimeout,
		Table: []string{"Query"}},
	// Finds, disables, expires and deletes accounts, in the table and in
	// Cognito.
	routes.FnAdmin: {MemoryMB: httpMemory, TimeoutSeconds: lifecycleTimeout,
		// BatchWriteItem: deleting an org drains its partition (org
		// lifecycle, issue 17).
		Table:        []string{"GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem", "BatchWriteItem"},
		QueryIndexes: []string{inverse},
		// AdminGetUser: whether a platform admin has MFA (authz.PlatformAdminMFA);
		// ListUsers: accounts are found by sub (rule 12, cognito.BySub).
		Cognito: []string{"AdminDisableUser", "AdminEnableUser", "AdminDeleteUser", "AdminUserGlobalSignOut", "AdminGetUser", "ListUsers",
			// Account administration (issue 17): a new password, a new email.
			"AdminSetUserPassword", "AdminUpdateUserAttributes"}},
	// SCIM (docs/scim.md): provisions through the members, invites and
	// groups use cases, so it makes what they make.
	routes.FnScim: {MemoryMB: httpMemory, TimeoutSeconds: routes.Timeout(routes.FnScim).Seconds(),
		Table:        []string{"GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem"},
		QueryIndexes: []string{inverse},
		Cognito:      []string{"AdminCreateUser", "AdminSetUserPassword", "AdminDisableUser", "AdminDeleteUser", "AdminGetUser"},
		SendsEmail:   true},
	// The event stream (docs/events.md): invoked by the table's stream
	// with org audit items, it puts them on the bus and touches no table
	// item. A batch of 100 records takes at least 10 PutEvents calls, plus
	// its retries and their waits.
	routes.FnEventPublisher: {MemoryMB: httpMemory, TimeoutSeconds: routes.Timeout(routes.FnEventPublisher).Seconds(), PutsEvents: true, ReadsStream: true},

	// Verified domains (docs/domains.md): the domain, its claim and the
	// org's verifiedDomains in one transaction; joining by domain. The TXT
	// lookup is DNS, no AWS call.
	routes.FnDomains: {MemoryMB: httpMemory, TimeoutSeconds: httpTimeout,
		Table: []string{"GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem"}},
	// Bulk import (docs/imports.md): the members, invites and groups use
	// cases row by row, under API Gateway's 30 s.
	routes.FnImports: {MemoryMB: httpMemory, TimeoutSeconds: routes.Timeout(routes.FnImports).Seconds(),
		// GetItem/DeleteItem and AdminGetUser: creation's intents (docs/reliability.md).
		Table:      []string{"GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem"},
		Cognito:    []string{"AdminCreateUser", "AdminSetUserPassword", "AdminDisableUser", "AdminDeleteUser", "AdminGetUser"},
		SendsEmail: true},
}
