package triggers

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// TestDeletedAccountNeverComesBack: rule 12. Once an account is deleted, a
// Cognito user that still holds its sub (its email was changed in Cognito,
// so the deletion missed it) gets no token, and neither the sign-in's repair
// nor a replayed confirmation re-creates a profile or a personal org.
func TestDeletedAccountNeverComesBack(t *testing.T) {
	env := dynamotest.New(t)
	ctx := context.Background()
	now := env.Store.Now()
	u := &gatehouse.User{ID: "sub-bob", Email: "bob@example.com", Status: gatehouse.StatusActive, ResourceLimit: -1, CreatedAt: now}
	if err := env.Store.CreateAccount(ctx, u, dynamo.NewPersonalOrg(u, now), gatehouse.Actor{}); err != nil {
		t.Fatal(err)
	}
	if err := env.Store.DeleteAccountRecords(ctx, u, gatehouse.Actor{UserID: "admin"}, nil); err != nil {
		t.Fatal(err)
	}
	h := New(env.Store, nil)
	attrs := map[string]string{"sub": u.ID, "email": "bob+new@example.com", "email_verified": "true"}

	tok := &events.CognitoEventUserPoolsPreTokenGen{}
	tok.UserName, tok.Request.UserAttributes = "bob@example.com", attrs
	if err := h.PreTokenGeneration(ctx, tok); !errors.Is(err, ErrAccountDisabled) {
		t.Errorf("token for a deleted account: %v, want ErrAccountDisabled", err)
	}
	conf := &events.CognitoEventUserPoolsPostConfirmation{}
	conf.UserName, conf.Request.UserAttributes = "bob@example.com", attrs
	if err := h.PostConfirmation(ctx, conf); !errors.Is(err, ErrAccountDisabled) {
		t.Errorf("confirmation replayed for a deleted account: %v, want ErrAccountDisabled", err)
	}
	if _, err := env.Store.User(ctx, u.ID); gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
		t.Errorf("profile after deletion: %v, want not found", err)
	}
	// Another account is not affected.
	other := &gatehouse.User{ID: "sub-ann", Email: "ann@example.com", Status: gatehouse.StatusActive, ResourceLimit: -1, CreatedAt: now}
	if err := env.Store.CreateAccount(ctx, other, nil, gatehouse.Actor{}); err != nil {
		t.Errorf("another account: %v", err)
	}
}
