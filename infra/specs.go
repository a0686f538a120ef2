package main

import "github.com/gatehouse-dev/gatehouse/shared/routes"

// FunctionSpec is what one function is sized at and allowed to do.
type FunctionSpec struct {
	MemoryMB       float64
	TimeoutSeconds float64
	// TableActions are DynamoDB actions on the table (Query also on its
	// indexes). IAM has no TransactWriteItems/TransactGetItems action: a
	// transaction is authorized item by item, as PutItem, UpdateItem,
	// DeleteItem or ConditionCheckItem (writes) and GetItem (reads).
	TableActions []string
	// CognitoActions are cognito-idp actions on the user pool.
	CognitoActions []string
	// SendsEmail grants ses:SendEmail as the EmailFrom identity.
	SendsEmail bool
}

var (
	tableRead = []string{"GetItem", "BatchGetItem", "Query"}
	// tableTransactUpdate: reads, updates and transactions whose items are
	// updates, new audit events (PutItem) and guards (ConditionCheckItem).
	tableTransactUpdate = append(tableRead[:len(tableRead):len(tableRead)], "UpdateItem", "PutItem", "ConditionCheckItem")
	// tableCRUD: every item action a service uses; never Scan (no scans on
	// request paths, docs/performance.md), never table management.
	tableCRUD = append(tableTransactUpdate[:len(tableTransactUpdate):len(tableTransactUpdate)], "DeleteItem")

	// cognitoUsers: the user lifecycle (create directly, activate, disable,
	// expire, delete, find by email).
	cognitoUsers = []string{
		"AdminCreateUser", "AdminSetUserPassword", "AdminGetUser",
		"AdminDisableUser", "AdminEnableUser", "AdminDeleteUser",
		"AdminUpdateUserAttributes", "AdminUserGlobalSignOut", "ListUsers",
	}
)

// Memory and timeout. Go binaries need little memory, but Lambda allots CPU
// in proportion to memory, and CPU is what cold starts, JWT signature checks
// and JSON encoding spend; 256 MB is the knee for small Go handlers, the
// authorizer gets 512 MB because it runs before every request. Timeouts sit
// under what the caller waits: HTTP API gives up on an integration after 30 s
// and on an authorizer after 10 s; Cognito waits 5 s for a trigger.
const (
	httpMemory  = 256
	httpTimeout = 10 // one transaction plus its reads, with SDK retries
	// Functions that also call Cognito and SES (and compensate on partial
	// failure) get more headroom.
	lifecycleTimeout = 20
)

// functionSpecs is the per-function least-privilege map. The services'
// store methods are the source: a function gets an action only if one of its
// access patterns issues it.
var functionSpecs = map[string]FunctionSpec{
	// Reads the caller's account, membership, roles, groups and token.
	routes.FnAuthorizer: {MemoryMB: 512, TimeoutSeconds: 5, TableActions: tableRead},
	// PostConfirmation creates the profile and the personal org in one
	// transaction; PreSignUp reads the policy. No Cognito calls (see auth.go).
	routes.FnTriggers: {MemoryMB: httpMemory, TimeoutSeconds: 5, TableActions: tableTransactUpdate},
	// Expires accounts, memberships, invites and tokens, with audit events,
	// and cuts expired accounts off in Cognito. Its timeout is under the
	// 5-minute schedule so runs never overlap; it resumes where it stopped.
	routes.FnSweeper: {
		MemoryMB: httpMemory, TimeoutSeconds: 120, TableActions: tableTransactUpdate,
		CognitoActions: []string{"AdminDisableUser", "AdminUserGlobalSignOut"},
	},
	// Profile reads and PATCH /v1/me (update + audit event).
	routes.FnMe: {MemoryMB: httpMemory, TimeoutSeconds: httpTimeout, TableActions: tableTransactUpdate},
	// Deleting an org purges its partition with BatchWriteItem (deletes),
	// after the transaction that removes the org itself.
	routes.FnOrgs: {
		MemoryMB: httpMemory, TimeoutSeconds: lifecycleTimeout,
		TableActions: append(tableCRUD[:len(tableCRUD):len(tableCRUD)], "BatchWriteItem"),
	},
	routes.FnMembers: {
		MemoryMB: httpMemory, TimeoutSeconds: lifecycleTimeout, TableActions: tableCRUD,
		CognitoActions: cognitoUsers, SendsEmail: true, // activation links
	},
	routes.FnInvites: {
		MemoryMB: httpMemory, TimeoutSeconds: lifecycleTimeout, TableActions: tableCRUD,
		CognitoActions: cognitoUsers, SendsEmail: true, // invite emails
	},
	routes.FnAdmin: {
		MemoryMB: httpMemory, TimeoutSeconds: lifecycleTimeout, TableActions: tableCRUD,
		CognitoActions: cognitoUsers,
	},
	routes.FnRoles:     {MemoryMB: httpMemory, TimeoutSeconds: httpTimeout, TableActions: tableCRUD},
	routes.FnGroups:    {MemoryMB: httpMemory, TimeoutSeconds: httpTimeout, TableActions: tableCRUD},
	routes.FnResources: {MemoryMB: httpMemory, TimeoutSeconds: httpTimeout, TableActions: tableCRUD},
	routes.FnTokens:    {MemoryMB: httpMemory, TimeoutSeconds: httpTimeout, TableActions: tableCRUD},
	routes.FnLimits:    {MemoryMB: httpMemory, TimeoutSeconds: httpTimeout, TableActions: tableCRUD},
	// The audit log is written by the other functions, in their own
	// transactions; this one only reads it.
	routes.FnAudit: {MemoryMB: httpMemory, TimeoutSeconds: httpTimeout, TableActions: tableRead},
}
