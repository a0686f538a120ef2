package localstack

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
)

// TestPersistAcrossRuns starts a persisting stack, writes an org, stops it
// and starts it again on the same data dir: the org, the pool, the app
// client and the admin's password are still there; a stack without Persist
// on the same dir starts fresh.
func TestPersistAcrossRuns(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	web := t.TempDir()
	if err := os.WriteFile(filepath.Join(web, "index.html"), []byte("<!doctype html><title>console</title>"), 0o644); err != nil {
		t.Fatal(err)
	}
	start := func(persist bool) *Stack {
		t.Helper()
		st, err := Start(context.Background(), Options{
			DataDir: dir, APIAddr: "127.0.0.1:0", SweepInterval: -1, Console: io.Discard,
			Persist: persist, ConsoleDir: web,
		})
		if err != nil {
			t.Fatalf("Start (persist %v): %v", persist, err)
		}
		return st
	}

	first := start(true)
	ctx := context.Background()
	org := &gatehouse.Org{ID: "org_persisted", Name: "Kept between runs", Settings: gatehouse.OrgSettings{DefaultResourceAccess: "none"}}
	now := first.Store().Now()
	org.CreatedAt, org.UpdatedAt = now, now
	owner := &gatehouse.Membership{OrgID: org.ID, UserID: first.Info.AdminUserID, Roles: []string{"owner"},
		Status: gatehouse.StatusActive, CreatedAt: now, UpdatedAt: now}
	if err := first.Store().CreateOrg(ctx, org, owner, gatehouse.Actor{UserID: first.Info.AdminUserID}); err != nil {
		t.Fatalf("CreateOrg: %v", err)
	}
	// The console and its configuration are served by the API.
	for path, want := range map[string]string{
		"/console/":            "<title>console</title>",
		"/console/config.json": `"userPoolId":"` + first.Info.UserPoolID + `"`,
		"/invites/accept":      "<title>console</title>",
	} {
		res, err := http.Get(first.Info.APIURL + path + "?token=x")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("GET %s: %d %q, want 200 with %q", path, res.StatusCode, b, want)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: Content-Security-Policy %q, want frame-ancestors 'none'", path, csp)
		}
	}
	info := first.Info
	first.Close()

	second := start(true)
	if second.Info.UserPoolID != info.UserPoolID || second.Info.ClientID != info.ClientID {
		t.Errorf("pool %s client %s after restart, want the same %s %s", second.Info.UserPoolID, second.Info.ClientID, info.UserPoolID, info.ClientID)
	}
	if second.Info.AdminPassword != info.AdminPassword || second.Info.AdminUserID != info.AdminUserID {
		t.Errorf("admin %s/%s after restart, want the same %s and password", second.Info.AdminUserID, second.Info.AdminPassword, info.AdminUserID)
	}
	if second.Restored() == 0 {
		t.Errorf("no items restored, want the table of the first run")
	}
	got, err := second.Store().Org(ctx, org.ID)
	if err != nil || got.Name != org.Name {
		t.Errorf("org after restart: %+v, %v; want %q", got, err, org.Name)
	}
	if _, err := second.Store().Membership(ctx, org.ID, info.AdminUserID); err != nil {
		t.Errorf("owner membership after restart: %v", err)
	}
	out, err := second.Cognito().InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow: types.AuthFlowTypeUserPasswordAuth, ClientId: aws.String(info.ClientID),
		AuthParameters: map[string]string{"USERNAME": info.AdminEmail, "PASSWORD": info.AdminPassword},
	})
	if err != nil || out.AuthenticationResult == nil {
		t.Errorf("admin sign-in after restart: %v", err)
	}
	second.Close()

	// The table dump names the pool: a lost stack.json does not matter.
	if err := os.Remove(filepath.Join(dir, "stack.json")); err != nil {
		t.Fatal(err)
	}
	third := start(true)
	if third.Info.UserPoolID != info.UserPoolID || third.Info.AdminUserID != info.AdminUserID {
		t.Errorf("pool %s admin %s without stack.json, want %s %s", third.Info.UserPoolID, third.Info.AdminUserID, info.UserPoolID, info.AdminUserID)
	}
	third.Close()

	// cognito-local's pool lost but the table kept: the stack refuses to
	// start with two halves that do not fit, and says how to start over.
	if err := os.RemoveAll(filepath.Join(dir, "cognito")); err != nil {
		t.Fatal(err)
	}
	if st, err := Start(context.Background(), Options{DataDir: dir, APIAddr: "127.0.0.1:0", SweepInterval: -1, Console: io.Discard, Persist: true}); err == nil {
		st.Close()
		t.Errorf("Start with the table of a lost pool succeeded, want an error")
	} else if !strings.Contains(err.Error(), "make reset") {
		t.Errorf("Start with the table of a lost pool: %v, want it to say make reset", err)
	}

	fresh := start(false)
	defer fresh.Close()
	if fresh.Info.UserPoolID == info.UserPoolID {
		t.Errorf("a stack without Persist reused pool %s, want a new one", info.UserPoolID)
	}
	if _, err := fresh.Store().Org(ctx, org.ID); gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
		t.Errorf("org in a fresh stack: %v, want not found", err)
	}
}
