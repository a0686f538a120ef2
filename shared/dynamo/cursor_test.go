package dynamo_test

import (
	"context"
	"encoding/base64"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

func TestCursorsCannotBeEditedIntoAnotherOrg(t *testing.T) {
	env := dynamotest.New(t)
	ctx := context.Background()
	forged := []string{
		"not base64 !",
		base64.RawURLEncoding.EncodeToString([]byte(`{"p":"ORG#other","s":"MEMBER#x"}`)),
		base64.RawURLEncoding.EncodeToString([]byte(`{"p":"ORG#mine","s":"AUDIT#x"}`)),
		base64.RawURLEncoding.EncodeToString([]byte(`[]`)),
	}
	for _, c := range forged {
		if _, _, err := env.Store.MembersPage(ctx, "mine", 10, c); gatehouse.ErrorCode(err) != gatehouse.CodeValidation {
			t.Errorf("cursor %q: err %v, want validation_failed", c, err)
		}
	}
	ok := base64.RawURLEncoding.EncodeToString([]byte(`{"p":"ORG#mine","s":"MEMBER#x"}`))
	if _, _, err := env.Store.MembersPage(ctx, "mine", 10, ok); err != nil {
		t.Errorf("own cursor: %v", err)
	}
	if _, _, err := env.Store.AuditPage(ctx, "mine", dynamo.AuditFilter{}, 10, ok); gatehouse.ErrorCode(err) != gatehouse.CodeValidation {
		t.Errorf("member cursor on the audit list: %v", err)
	}
}
