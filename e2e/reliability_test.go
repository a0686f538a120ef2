package e2e

// Reliability (docs/reliability.md): the drill (Cognito hangs during a
// creation, then recovers), Idempotency-Key on creating routes, and the
// fault table: every Cognito-spanning flow stopped at every outside call.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/gatehouse-dev/gatehouse/shared/activation"
	"github.com/gatehouse-dev/gatehouse/shared/admin"
	"github.com/gatehouse-dev/gatehouse/shared/authz"
	"github.com/gatehouse-dev/gatehouse/shared/cognito"
	"github.com/gatehouse-dev/gatehouse/shared/dynamo"
	"github.com/gatehouse-dev/gatehouse/shared/gatehouse"
	"github.com/gatehouse-dev/gatehouse/shared/invites"
	"github.com/gatehouse-dev/gatehouse/shared/members"
	"github.com/gatehouse-dev/gatehouse/shared/reconcile"
	gsweep "github.com/gatehouse-dev/gatehouse/shared/sweep"
)

// TestReliabilityDrill is the drill through the local stack: while
// a platform admin creates a member with a password, Cognito hangs (it
// neither answers nor refuses); the creation answers 503 with Retry-After
// within the function's time; Cognito recovers and creates the user late;
// the same creation retried adopts it and succeeds, the member is listed
// and signs in with the password. Cognito hangs for this member's calls
// only, so the drill runs in parallel with the other tests.
func TestReliabilityDrill(t *testing.T) {
	t.Parallel()
	admin := adminClient(t)
	org := mbOrg(t, admin)
	email := uniqueEmail(t)
	body := map[string]any{"email": email, "name": "Drill", "roles": []string{"viewer"}, "password": defaultPassword}
	path := "/v1/orgs/" + org + "/members"
	raw, _ := json.Marshal(body)

	st := stack()
	recoverCognito := st.CognitoHangFor(t, email)
	r := admin.DoRaw(t, http.MethodPost, path, raw, nil)
	recoverCognito()
	requireProblemResponse(t, r, http.StatusServiceUnavailable, gatehouse.CodeUnavailable)
	if r.Header.Get("Retry-After") == "" {
		t.Errorf("503 without Retry-After")
	}
	// Cognito, recovered, gets the held calls late and creates the user.
	eventually(t, 10e9, func() bool { return mbCognitoUser(t, email) })

	r = admin.DoRaw(t, http.MethodPost, path, raw, nil)
	if r.Status != http.StatusCreated {
		t.Fatalf("the same creation after Cognito recovered: %d %s, want 201 (the Cognito user adopted)", r.Status, r.Body)
	}
	var page struct {
		Items []struct {
			Email string `json:"email"`
		} `json:"items"`
	}
	if s := admin.DoJSON(t, http.MethodGet, path+"?limit=100", nil, &page); s != http.StatusOK {
		t.Fatalf("list members: %d", s)
	}
	listed := false
	for _, m := range page.Items {
		listed = listed || strings.EqualFold(m.Email, email)
	}
	if !listed {
		t.Errorf("%s is not listed among %d members", email, len(page.Items))
	}
	if _, err := trySignIn(email, defaultPassword); err != nil {
		t.Errorf("the member cannot sign in with its password: %v", err)
	}
	if in, err := st.Store().PendingIntent(context.Background(), email); err != nil || in != nil {
		t.Errorf("pending intent %+v (%v), want none", in, err)
	}
}

// TestIdempotencyKey: the same key and body answer the first answer again
// without doing it twice; another body is 409 idempotency_key_reused; an
// answer that held a secret is never replayed (409 already_done).
func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	owner := newUser(t)
	org := mbOrg(t, owner)
	key := http.Header{"Idempotency-Key": {"k-" + uniqueEmail(t)}}
	groups := "/v1/orgs/" + org + "/groups"

	first := owner.DoRaw(t, http.MethodPost, groups, []byte(`{"name":"Installers"}`), key)
	if first.Status != http.StatusCreated {
		t.Fatalf("first: %d %s", first.Status, first.Body)
	}
	again := owner.DoRaw(t, http.MethodPost, groups, []byte(`{"name":"Installers"}`), key)
	if again.Status != first.Status || !bytes.Equal(again.Body, first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: %d %s (replayed %q), want the first answer %d %s", again.Status, again.Body, again.Header.Get("Idempotent-Replayed"), first.Status, first.Body)
	}
	var page struct {
		Items []struct {
			Name string `json:"name"`
		} `json:"items"`
	}
	owner.DoJSON(t, http.MethodGet, groups, nil, &page)
	n := 0
	for _, g := range page.Items {
		if g.Name == "Installers" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d groups named Installers, want 1: the replay did it twice", n)
	}
	other := owner.DoRaw(t, http.MethodPost, groups, []byte(`{"name":"Other"}`), key)
	if p := requireProblemResponse(t, other, http.StatusConflict, gatehouse.CodeConflict); p.Reason != gatehouse.ReasonIdempotencyKeyReused {
		t.Errorf("reason %q, want %q", p.Reason, gatehouse.ReasonIdempotencyKeyReused)
	}

	tokens := "/v1/orgs/" + org + "/tokens"
	tk := http.Header{"Idempotency-Key": {"t-" + uniqueEmail(t)}}
	tb := []byte(`{"name":"ci"}`)
	if r := owner.DoRaw(t, http.MethodPost, tokens, tb, tk); r.Status != http.StatusCreated {
		t.Fatalf("token: %d %s", r.Status, r.Body)
	}
	r := owner.DoRaw(t, http.MethodPost, tokens, tb, tk)
	if p := requireProblemResponse(t, r, http.StatusConflict, gatehouse.CodeConflict); p.Reason != gatehouse.ReasonAlreadyDone {
		t.Errorf("reason %q, want %q", p.Reason, gatehouse.ReasonAlreadyDone)
	}
	if bytes.Contains(r.Body, []byte("ght_")) || bytes.Contains(r.Body, []byte(`"secret"`)) {
		t.Errorf("the replay shows a secret: %s", r.Body)
	}
}

// faultTransport is the fault table's hook: every outside call of the
// services under test (DynamoDB and Cognito) goes through it, numbered in
// order; at call stopAt it cancels the flow's context before sending the
// call, after it was answered, or while Cognito "hangs" (the call is sent
// late, after the caller gave up).
type faultTransport struct {
	next   http.RoundTripper // the stack's (DynamoDB in process)
	mu     sync.Mutex
	n      int
	stopAt int
	mode   string
	cancel context.CancelFunc
	late   sync.WaitGroup
}

func (f *faultTransport) arm(stopAt int, mode string, cancel context.CancelFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n, f.stopAt, f.mode, f.cancel = 0, stopAt, mode, cancel
}

func (f *faultTransport) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

func (f *faultTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.n++
	hit := f.n == f.stopAt
	mode, cancel := f.mode, f.cancel
	f.mu.Unlock()
	if !hit {
		return f.next.RoundTrip(r)
	}
	switch mode {
	case "before":
		cancel()
		return nil, context.Canceled
	case "after":
		resp, err := f.next.RoundTrip(r.WithContext(context.WithoutCancel(r.Context())))
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		cancel()
		return nil, context.Canceled
	default: // "hang": the call lands after its caller gave up
		b, _ := io.ReadAll(r.Body)
		late := r.Clone(context.Background())
		late.Body = io.NopCloser(bytes.NewReader(b))
		cancel()
		f.late.Add(1)
		go func() {
			defer f.late.Done()
			if resp, err := f.next.RoundTrip(late); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
		return nil, context.DeadlineExceeded
	}
}

// faultRig is the services under test over the faulty transport.
type faultRig struct {
	ft      *faultTransport
	store   *dynamo.Store
	pool    *cognito.Pool
	members *members.Service
	act     *activation.Service
	admin   *admin.Service
	rec     *reconcile.Reconciler
}

func newFaultRig(t *testing.T) *faultRig {
	st := stack()
	ft := &faultTransport{next: st.transport}
	hc := &http.Client{Transport: ft}
	creds := credentials.NewStaticCredentialsProvider("local", "local", "")
	ddb := dynamodb.New(dynamodb.Options{Region: st.Info.Region, BaseEndpoint: aws.String(st.Config.DynamoDBEndpoint),
		Credentials: creds, HTTPClient: hc, RetryMaxAttempts: 1, DisableValidateResponseChecksum: true})
	key := make([]byte, dynamo.MinCursorKeyLen)
	_, _ = rand.Read(key)
	store := dynamo.New(ddb, st.Config.Table, dynamo.Options{CursorKey: key})
	pool := cognito.New(cip.New(cip.Options{Region: st.Info.Region, BaseEndpoint: aws.String(st.Config.CognitoEndpoint),
		Credentials: creds, HTTPClient: hc, RetryMaxAttempts: 1}), st.Info.UserPoolID)
	cat := authz.NewCatalogue(st.Config.ResourceTypes)
	inv := invites.NewService(store, pool, cat, nil, invites.Config{PublicURL: "http://gatehouse.test"}, nil)
	r := &faultRig{ft: ft, store: store, pool: pool,
		members: members.NewService(store, inv, pool, cat, nil, members.DefaultConfig("http://gatehouse.test"), nil),
		act:     activation.NewService(store, pool),
		admin:   admin.NewService(store, pool, cat)}
	r.rec = reconcile.New(store, pool, r.admin, nil)
	return r
}

// TestFaultTable stops every Cognito-spanning flow at each outside call
// (its context canceled before the call, after it, or while Cognito hangs
// and answers late), then converges it by a retry of the same request or
// by the sweep's reconciliation, and checks the invariants: no orphan
// Cognito user and no profile without one, no intent left, the org's
// member counter equal to its members, one audit event per committed
// change, Cognito's state equal to the table's. Its services have their
// own transport, which counts and breaks only their calls: it runs in
// parallel with the other tests.
func TestFaultTable(t *testing.T) {
	t.Parallel()
	rig := newFaultRig(t)
	owner := newUser(t)
	cat := authz.NewCatalogue(stack().Config.ResourceTypes)
	perms, _ := cat.BuiltinRole("owner")
	// Each flow works in an org of its own (set below), so that checking
	// an org's counters reads the members of one flow only.
	var org string
	var caller *gatehouse.Caller
	pw := defaultPassword

	// Each flow: prepare (unfaulted) returns the call to fault.
	type flow struct {
		name    string
		prepare func(t *testing.T, email string) func(ctx context.Context) error
	}
	create := func(in members.CreateInput) func(ctx context.Context) error {
		return func(ctx context.Context) error { _, err := rig.members.Create(ctx, caller, org, in); return err }
	}
	created := func(t *testing.T, email string, in members.CreateInput) *members.CreateResult {
		in.Email, in.Roles = email, []string{"viewer"}
		res, err := rig.members.Create(context.Background(), caller, org, in)
		if err != nil || res.Member == nil {
			t.Fatalf("prepare: create %s: %v", email, err)
		}
		return res
	}
	flows := []flow{
		{"create with password", func(t *testing.T, email string) func(context.Context) error {
			return create(members.CreateInput{Email: email, Roles: []string{"viewer"}, Password: &pw})
		}},
		{"create with activation link", func(t *testing.T, email string) func(context.Context) error {
			return create(members.CreateInput{Email: email, Roles: []string{"viewer"}, Activation: members.ActivationDisplay})
		}},
		{"activate", func(t *testing.T, email string) func(context.Context) error {
			res := created(t, email, members.CreateInput{Activation: members.ActivationDisplay})
			token := res.ActivationURL[strings.Index(res.ActivationURL, "token=")+len("token="):]
			return func(ctx context.Context) error { return rig.act.Activate(ctx, gatehouse.Actor{}, token, pw) }
		}},
		{"disable account", func(t *testing.T, email string) func(context.Context) error {
			res := created(t, email, members.CreateInput{Password: &pw})
			no := false
			return func(ctx context.Context) error {
				_, err := rig.admin.Update(ctx, caller, res.Member.UserID, admin.Patch{Enabled: &no})
				return err
			}
		}},
		{"delete account", func(t *testing.T, email string) func(context.Context) error {
			res := created(t, email, members.CreateInput{Password: &pw})
			return func(ctx context.Context) error {
				return rig.admin.Delete(ctx, caller, res.Member.UserID, admin.ResourcesRetain, "", false)
			}
		}},
	}
	for _, fl := range flows {
		org = mbOrg(t, owner)
		caller = &gatehouse.Caller{Actor: gatehouse.Actor{UserID: owner.Sub, PlatformAdmin: true}, OrgID: org, Roles: []string{"owner"}, Permissions: perms}
		// Count the flow's outside calls once, unfaulted.
		run := fl.prepare(t, uniqueEmail(t))
		rig.ft.arm(0, "", func() {})
		if err := run(context.Background()); err != nil {
			t.Fatalf("%s without faults: %v", fl.name, err)
		}
		steps := rig.ft.calls()
		for step := 1; step <= steps; step++ {
			for _, mode := range []string{"before", "after", "hang"} {
				for _, converge := range []string{"retry", "sweep"} {
					name := fmt.Sprintf("%s/call %d of %d/%s/%s", fl.name, step, steps, mode, converge)
					t.Run(name, func(t *testing.T) {
						email := uniqueEmail(t)
						run := fl.prepare(t, email)
						ctx, cancel := context.WithCancel(context.Background())
						rig.ft.arm(step, mode, cancel)
						_ = run(ctx) // stopped: whatever it answers
						cancel()
						rig.ft.late.Wait()
						rig.ft.arm(0, "", func() {})
						if converge == "retry" {
							_ = run(context.Background())
						}
						// The sweep, as it would run once the intent is due.
						if in, err := rig.store.PendingIntent(context.Background(), email); err != nil {
							t.Fatal(err)
						} else if in != nil {
							if err := rig.rec.Reconcile(context.Background(), in); err != nil {
								t.Fatalf("reconcile: %v", err)
							}
						}
						checkInvariants(t, rig, org, email)
					})
				}
			}
		}
	}
}

// checkInvariants checks one email's account after convergence.
func checkInvariants(t *testing.T, rig *faultRig, org, email string) {
	t.Helper()
	ctx := context.Background()
	st := stack().Store()
	if in, err := st.PendingIntent(ctx, email); err != nil || in != nil {
		t.Errorf("intent left: %+v (%v)", in, err)
	}
	acc, err := rig.pool.Lookup(ctx, dynamo.NormalizeEmail(email))
	if err != nil {
		t.Fatal(err)
	}
	uid, err := st.UserIDByEmail(ctx, email)
	hasProfile := err == nil
	if err != nil && gatehouse.ErrorCode(err) != gatehouse.CodeNotFound {
		t.Fatal(err)
	}
	switch {
	case acc != nil && !hasProfile:
		t.Errorf("orphan Cognito user %s (%s): no profile", email, acc.Status)
	case acc == nil && hasProfile:
		t.Errorf("profile %s without a Cognito user", uid)
	case acc != nil && acc.Sub != uid:
		t.Errorf("Cognito sub %s, profile %s", acc.Sub, uid)
	}
	if hasProfile {
		u, err := st.User(ctx, uid)
		if err != nil {
			t.Fatal(err)
		}
		if u.Status != gatehouse.StatusPending && (u.Status == gatehouse.StatusActive) != acc.Enabled {
			t.Errorf("profile status %s, Cognito enabled %v", u.Status, acc.Enabled)
		}
		if (u.Status == gatehouse.StatusPending) == (acc.Status == cognito.StatusConfirmed) {
			t.Errorf("profile status %s, Cognito status %s: the password and the activation disagree", u.Status, acc.Status)
		}
		if _, err := st.Membership(ctx, org, uid); err != nil {
			t.Errorf("profile %s without its membership: %v", uid, err)
		}
		evs, _, err := st.AuditPage(ctx, org, dynamo.AuditFilter{Target: uid}, 100, "")
		if err != nil {
			t.Fatal(err)
		}
		n := map[string]int{}
		for _, ev := range evs {
			n[ev.Action]++
		}
		if n["member.create"] != 1 {
			t.Errorf("audit %v: want exactly one member.create", n)
		}
	}
	o, err := st.Org(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	for cursor := ""; ; {
		ms, next, err := st.MembersPage(ctx, org, 100, cursor)
		if err != nil {
			t.Fatal(err)
		}
		count += len(ms)
		if cursor = next; next == "" {
			break
		}
	}
	if o.Usage.Members != count {
		t.Errorf("org counts %d members, holds %d", o.Usage.Members, count)
	}
}

// TestSweepReconcilesDueIntents: the sweep finds an intent left pending in
// the expiry index once dynamo.IntentGrace has passed (not before) and
// reconciles it: here a creation whose Cognito user was made but never
// completed is undone. Not parallel: it sweeps as of a later time.
func TestSweepReconcilesDueIntents(t *testing.T) {
	rig := newFaultRig(t)
	ctx := context.Background()
	email := dynamo.NormalizeEmail(uniqueEmail(t))
	in := dynamo.NewIntent(dynamo.IntentMemberCreate, email, rig.store.Now())
	in.Fingerprint = "test"
	if _, err := rig.store.BeginIntent(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := rig.pool.CreateUser(ctx, cognito.NewUser{Email: email, Enabled: true}, "Tmp1!"+strings.Repeat("x", 12)); err != nil {
		t.Fatal(err)
	}
	sweepAt := func(later time.Duration) gsweep.Result {
		w := gsweep.New(rig.store.WithClock(func() time.Time { return time.Now().Add(later) }), rig.pool, nil, gsweep.Options{Intents: rig.rec})
		res, err := w.Run(ctx)
		if err != nil {
			t.Fatalf("sweep: %v", err)
		}
		return res
	}
	sweepAt(0)
	if got, _ := rig.store.PendingIntent(ctx, email); got == nil {
		t.Fatalf("the sweep reconciled an intent before it was due")
	}
	res := sweepAt(dynamo.IntentGrace + time.Minute)
	if got, _ := rig.store.PendingIntent(ctx, email); got != nil || res.Intents == 0 {
		t.Fatalf("after the grace: intent %+v, %d reconciled; want it undone", got, res.Intents)
	}
	if mbCognitoUser(t, email) {
		t.Errorf("the creation's Cognito user is still there")
	}
}
