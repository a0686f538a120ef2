package localstack

import (
	"context"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/app"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
	"github.com/truora/minidyn/server"
)

// TestStartWithExternalDynamoDB points the stack at a DynamoDB it does not
// run (another minidyn standing in for DynamoDB Local): the table and the
// platform admin land there, and Close stops cognito-local.
func TestStartWithExternalDynamoDB(t *testing.T) {
	t.Parallel()
	ext := httptest.NewServer(server.NewServer())
	defer ext.Close()

	st, err := Start(context.Background(), Options{
		DataDir:          t.TempDir(),
		APIAddr:          "127.0.0.1:0",
		DynamoDBEndpoint: ext.URL,
		Table:            "gatehouse-external",
		SweepInterval:    -1,
		Console:          io.Discard,
		Functions:        func(*app.Deps) (Functions, error) { return Functions{}, nil },
	})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer st.Close()

	if st.miniDyn != nil {
		t.Errorf("the stack started its own minidyn")
	}
	if st.Info.DynamoDBEndpoint != ext.URL || st.Config.DynamoDBEndpoint != ext.URL {
		t.Errorf("endpoint %q / %q, want %q", st.Info.DynamoDBEndpoint, st.Config.DynamoDBEndpoint, ext.URL)
	}
	store := dynamo.New(dynamotest.NewClient(ext.URL, nil), "gatehouse-external", dynamo.Options{CursorKey: dynamotest.RandomKey()})
	u, err := store.User(context.Background(), st.Info.AdminUserID)
	if err != nil {
		t.Fatalf("admin profile in the external table: %v", err)
	}
	if !u.PlatformAdmin || u.Email != DefaultAdminEmail {
		t.Errorf("admin %+v, want platform admin %s", u, DefaultAdminEmail)
	}
	if _, err := os.Stat(filepath.Join(st.DataDir, "stack.json")); err != nil {
		t.Errorf("stack.json: %v", err)
	}

	st.Close()
	if st.cognito.running() {
		t.Errorf("cognito-local still running after Close")
	}
	st.Close() // idempotent
}
