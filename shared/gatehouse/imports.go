package gatehouse

import "time"

// Bulk import of members (docs/imports.md).

// Import job statuses.
const (
	ImportRunning = "running"
	// ImportDone: every row has its outcome.
	ImportDone = "done"
	// ImportPartial: the request's time budget ran out; the rows left are
	// "not_processed" and running the same file again finishes them.
	ImportPartial = "partial"
)

// Row outcomes of an import.
const (
	RowCreated      = "created"
	RowInvited      = "invited"
	RowSkipped      = "skipped"
	RowRefused      = "refused"
	RowNotProcessed = "not_processed"
)

// ImportJob is one bulk import and its progress; Results are its rows'
// outcomes, in file order, once it has finished.
type ImportJob struct {
	ID     string `json:"id"`
	OrgID  string `json:"orgId"`
	Status string `json:"status" jsonschema:"enum=running,enum=done,enum=partial"`
	// Total is the number of rows; Processed those with an outcome so far.
	Total     int       `json:"total"`
	Processed int       `json:"processed"`
	Created   int       `json:"created"`
	Invited   int       `json:"invited"`
	Skipped   int       `json:"skipped"`
	Refused   int       `json:"refused"`
	CreatedBy string    `json:"createdBy"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// FinishedAt is set once the job is done or partial.
	FinishedAt *time.Time        `json:"finishedAt,omitempty"`
	Results    []ImportRowResult `json:"results,omitempty"`
}

// ImportRowResult is what one row of an import did.
type ImportRowResult struct {
	// Row is the row's number in the file, from 1 (a CSV's header is row 0).
	Row int `json:"row"`
	// Email is the row's email as the file gave it, valid or not.
	Email string `json:"email" openapi:"as-given"`
	// Outcome is created, invited (the email had an account: rule 11),
	// skipped (already a member or invited: nothing changed), refused (see
	// code, reason, limit, message) or not_processed.
	Outcome  string `json:"outcome" jsonschema:"enum=created,enum=invited,enum=skipped,enum=refused,enum=not_processed"`
	UserID   string `json:"userId,omitempty"`
	InviteID string `json:"inviteId,omitempty"`
	Code     Code   `json:"code,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Limit    string `json:"limit,omitempty"`
	Message  string `json:"message,omitempty"`
	// Fields are the row's invalid fields, for a validation refusal.
	Fields []FieldError `json:"fields,omitempty"`
}
