package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/ids"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// Intents (docs/reliability.md). A change that spans Cognito and the table
// first records its intent here (one conditional write), then calls
// Cognito, then completes: the transaction that writes its result removes
// the intent. A request that dies on the way (a timeout, a kill, an
// unknown outcome) leaves the intent: the same request retried resumes it,
// and the sweep, which finds it in the expiry index once IntentGrace has
// passed, completes or undoes it. One intent per account (lower-case
// email) at a time: it also reserves the email while it is pending.

// Intent kinds.
const (
	IntentMemberCreate  = "member.create"
	IntentActivate      = "account.activate"
	IntentAccountDelete = "account.delete"
	IntentAccountStatus = "account.status"
)

// ExpiryKindIntent is the expiry-index kind of a pending intent.
const ExpiryKindIntent = "intent"

// IntentGrace is how long an intent stays pending before the sweep
// reconciles it: longer than any request lives (routes.Timeout).
const IntentGrace = 5 * time.Minute

// ErrIntentPending refuses a change of an account while another one is
// under way (or was left for the sweep).
var ErrIntentPending = &gatehouse.Error{Code: gatehouse.CodeConflict, Reason: gatehouse.ReasonInProgress,
	Message: "another change of this account is in progress; retry in a few minutes"}

// Intent is one pending change that spans Cognito and the table.
type Intent struct {
	ID    string
	Kind  string
	Email string // lower-case: the Cognito username and the key
	// UserID is the account's id when known (every kind but a creation
	// before Cognito answered).
	UserID string
	OrgID  string
	// Fingerprint identifies the request: the same request retried
	// resumes the intent; another one is refused while it is pending.
	Fingerprint string
	// Replaceable intents (a status change) give way to a newer request
	// of the same kind: the latest wins, and the sweep applies the state
	// the table holds.
	Replaceable bool
	// Data is what the sweep needs to finish the job (never a password or
	// a secret).
	Data      map[string]string
	Actor     gatehouse.Actor
	CreatedAt time.Time
	DueAt     time.Time
	// Undoing: the sweep claimed the intent to undo it (ClaimUndo).
	Undoing bool
}

// NewIntent returns an intent made now, due for the sweep IntentGrace later.
func NewIntent(kind, email string, now time.Time) *Intent {
	return &Intent{ID: ids.New("int"), Kind: kind, Email: NormalizeEmail(email), CreatedAt: now, DueAt: now.Add(IntentGrace), Data: map[string]string{}}
}

func intentItem(in *Intent) item {
	it := newItem(intentKey(in.Email)).
		setS(attrKind, ExpiryKindIntent).
		setS("intentId", in.ID).
		setS("intentKind", in.Kind).
		setS("email", in.Email).
		setS("userId", in.UserID).
		setS("orgId", in.OrgID).
		setS("fingerprint", in.Fingerprint).
		setBool("replaceable", in.Replaceable).
		setJSON("data", in.Data).
		setJSON("actor", in.Actor).
		setTime(attrCreated, in.CreatedAt).
		setTime(attrExpires, in.DueAt)
	due := in.DueAt
	return it.setExpiry(&due, ExpiryKindIntent)
}

func decodeIntent(it item) *Intent {
	in := &Intent{
		ID: it.getS("intentId"), Kind: it.getS("intentKind"), Email: it.getS("email"),
		UserID: it.getS("userId"), OrgID: it.getS("orgId"), Fingerprint: it.getS("fingerprint"),
		Replaceable: it.getBool("replaceable"), CreatedAt: it.getTime(attrCreated), DueAt: it.getTime(attrExpires),
		Undoing: it.getBool("undoing"),
	}
	it.getJSON("data", &in.Data)
	it.getJSON("actor", &in.Actor)
	if in.Data == nil {
		in.Data = map[string]string{}
	}
	return in
}

// IntentOf is the intent of a due expiry-index entry of kind
// ExpiryKindIntent (the index projects the whole item).
func IntentOf(e ExpiryEntry) *Intent { return decodeIntent(e.it) }

// BeginIntent records an intent with one conditional write, and returns
// the intent to act under: in itself, or the pending intent of the same
// request (same kind and fingerprint), which the caller resumes. A
// pending intent of another request is ErrIntentPending; a replaceable one
// of the same kind is replaced.
func (s *Store) BeginIntent(ctx context.Context, in *Intent) (*Intent, error) {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                aws.String(s.table),
		Item:                     intentItem(in),
		ConditionExpression:      aws.String("attribute_not_exists(#pk) OR (#k = :k AND #r = :true)"),
		ExpressionAttributeNames: map[string]string{"#pk": tabledef.PK, "#k": "intentKind", "#r": "replaceable"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":k": str(in.Kind), ":true": &types.AttributeValueMemberBOOL{Value: true},
		},
	})
	if err == nil {
		return in, nil
	}
	if !IsConditionFailed(err) {
		return nil, fmt.Errorf("begin intent %s of %s: %w", in.Kind, in.Email, err)
	}
	cur, err := s.PendingIntent(ctx, in.Email)
	if err != nil {
		return nil, err
	}
	if cur != nil && cur.Kind == in.Kind && cur.Fingerprint == in.Fingerprint && !cur.Undoing {
		return cur, nil
	}
	return nil, ErrIntentPending
}

// PendingIntent returns the pending intent of an email, nil when none.
func (s *Store) PendingIntent(ctx context.Context, email string) (*Intent, error) {
	it, err := s.find(ctx, intentKey(email), true)
	if err != nil || it == nil {
		return nil, err
	}
	return decodeIntent(it), nil
}

// EndIntent removes an intent, if it is still this one (a replaced or
// already ended intent is left alone).
func (s *Store) EndIntent(ctx context.Context, in *Intent) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 aws.String(s.table),
		Key:                       keyAV(intentKey(in.Email)),
		ConditionExpression:       aws.String("#id = :id"),
		ExpressionAttributeNames:  map[string]string{"#id": "intentId"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(in.ID)},
	})
	if err != nil && !IsConditionFailed(err) {
		return fmt.Errorf("end intent %s of %s: %w", in.Kind, in.Email, err)
	}
	return nil
}

// endIntent removes the intent in the transaction that completes it: the
// transaction fails (a conflict) if the intent is no longer this one, so a
// change is never written twice, e.g. by a retry and the sweep at once.
func (t *tx) endIntent(in *Intent) {
	t.delete(intentKey(in.Email), "#id = :id AND attribute_not_exists(#undo)",
		gatehouse.Errorf(gatehouse.CodeConflict, "the change was finished or undone meanwhile; retry"),
		map[string]string{"#id": "intentId", "#undo": "undoing"}, map[string]types.AttributeValue{":id": str(in.ID)})
}

// CompleteActivation is Activate that also ends the activation's intent,
// in the same transaction.
func (s *Store) CompleteActivation(ctx context.Context, sec *Secret, ev gatehouse.AuditEvent, in *Intent) error {
	t := s.activateTx(sec, ev)
	if in != nil {
		t.endIntent(in)
	}
	if err := t.commit(ctx); err != nil {
		return fmt.Errorf("activate %s: %w", sec.UserID, err)
	}
	return nil
}

// ClaimUndo marks a pending intent as being undone by the sweep, so that
// a late retry of its request can no longer complete it (endIntent's
// condition): the sweep may then delete what the intent made. False when
// the intent is gone or is another one.
func (s *Store) ClaimUndo(ctx context.Context, in *Intent) (bool, error) {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       keyAV(intentKey(in.Email)),
		UpdateExpression:          aws.String("SET #undo = :true"),
		ConditionExpression:       aws.String("#id = :id"),
		ExpressionAttributeNames:  map[string]string{"#id": "intentId", "#undo": "undoing"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(in.ID), ":true": &types.AttributeValueMemberBOOL{Value: true}},
	})
	if IsConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim intent %s of %s: %w", in.Kind, in.Email, err)
	}
	in.Undoing = true
	return true, nil
}
