package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/gatehouse-dev/gatehouse/infra/codeactions"
	"github.com/gatehouse-dev/gatehouse/shared/routes"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// grants maps each function to the data uses its role allows.
type grants map[string]map[codeactions.Use]bool

// dataAction reports whether an IAM action touches data: the table, the
// user pool or email sending.
func dataAction(action string) bool {
	for _, p := range []string{"dynamodb:", "cognito-idp:", "ses:", "events:"} {
		if strings.HasPrefix(action, p) {
			return true
		}
	}
	return false
}

// resourceKind names what a policy resource is, in codeactions' terms.
func resourceKind(r any, tableID, poolID, busID string) (string, error) {
	// The table's stream (its StreamArn) and "*" (dynamodb:ListStreams
	// names no stream): the event source mapping's reads (streamReads).
	if m, ok := r.(map[string]any); ok {
		if ga, ok := m["Fn::GetAtt"].([]any); ok && len(ga) == 2 && ga[0] == tableID && ga[1] == "StreamArn" {
			return streamResource, nil
		}
	}
	if r == "*" {
		return "*", nil
	}
	if refID(r) == busID && busID != "" {
		return codeactions.Bus, nil
	}
	if refID(r) == tableID && tableID != "" {
		return codeactions.Table, nil
	}
	if refID(r) == poolID && poolID != "" {
		return codeactions.Pool, nil
	}
	lits := strings.Join(literals(r), "")
	if m, ok := r.(map[string]any); ok {
		if join, ok := m["Fn::Join"].([]any); ok && len(join) == 2 {
			parts, _ := join[1].([]any)
			if len(parts) == 2 && refID(parts[0]) == tableID {
				if ix, ok := parts[1].(string); ok && strings.HasPrefix(ix, "/index/") {
					return codeactions.Index + strings.TrimPrefix(ix, "/index/"), nil
				}
			}
		}
	}
	if strings.Contains(lits, ":ses:") && strings.Contains(lits, ":identity/") {
		return codeactions.Identity, nil
	}
	return "", fmt.Errorf("resource %v is not the table, its stream, an index, the pool, an SES identity or the bus", r)
}

// streamResource is the table's stream as a policy resource.
const streamResource = "stream"

// streamReads are the grants an event source mapping on the table's
// stream needs from its function's role (the mapping reads the stream,
// not the function's code): exactly these, and only for a function whose
// spec says ReadsStream.
var streamReads = map[codeactions.Use]bool{
	{Action: "dynamodb:DescribeStream", Resource: streamResource}:   true,
	{Action: "dynamodb:GetRecords", Resource: streamResource}:       true,
	{Action: "dynamodb:GetShardIterator", Resource: streamResource}: true,
	{Action: "dynamodb:ListStreams", Resource: "*"}:                 true,
}

// splitStreamReads takes the stream grants out of each function's grants
// (compareGrants compares the rest with the code) and lists what differs
// from streamReads and the specs.
func splitStreamReads(granted grants) []string {
	var problems []string
	for _, fn := range slices.Sorted(maps.Keys(granted)) {
		got := map[codeactions.Use]bool{}
		for u := range granted[fn] {
			if u.Resource == streamResource || u.Resource == "*" {
				got[u] = true
				delete(granted[fn], u)
			}
		}
		want := map[codeactions.Use]bool{}
		if functionSpecs[fn].ReadsStream {
			want = streamReads
		}
		if !maps.Equal(got, want) {
			problems = append(problems, fmt.Sprintf("%s: stream grants %v, want %v (only the function the stream invokes reads it)", fn, got, want))
		}
	}
	return problems
}

// grantedUses reads every function role's data grants from a template.
func grantedUses(tpl assertions.Template) (grants, error) {
	fnOfRole := map[string]string{}
	for _, name := range routes.AllFunctions {
		fn := resources(tpl, "AWS::Lambda::Function")[functionID(name)]
		if fn == nil {
			return nil, fmt.Errorf("no function %s", functionID(name))
		}
		fnOfRole[refID(props(fn)["Role"])] = name
	}
	var tableID, poolID, busID string
	for id := range resources(tpl, "AWS::DynamoDB::Table") {
		tableID = id
	}
	for id := range resources(tpl, "AWS::Events::EventBus") {
		busID = id
	}
	for id := range resources(tpl, "AWS::Cognito::UserPool") {
		poolID = id
	}
	out := grants{}
	for _, name := range routes.AllFunctions {
		out[name] = map[codeactions.Use]bool{}
	}
	for id, pol := range resources(tpl, "AWS::IAM::Policy") {
		p := props(pol)
		for _, role := range p["Roles"].([]any) {
			fn, ok := fnOfRole[refID(role)]
			if !ok {
				continue
			}
			for i, st := range p["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				s := st.(map[string]any)
				if s["Effect"] != "Allow" {
					continue
				}
				res, ok := s["Resource"].([]any)
				if !ok {
					res = []any{s["Resource"]}
				}
				for _, a := range strs(s["Action"]) {
					if !dataAction(a) {
						continue
					}
					for _, r := range res {
						kind, err := resourceKind(r, tableID, poolID, busID)
						if err != nil {
							return nil, fmt.Errorf("%s statement %d (%s): %w", id, i, a, err)
						}
						out[fn][codeactions.Use{Action: a, Resource: kind}] = true
					}
				}
			}
		}
	}
	return out, nil
}

// expand turns a use on every index into one use per index.
func expand(uses codeactions.Uses) codeactions.Uses {
	out := codeactions.Uses{}
	for u, pos := range uses {
		if u.Resource != codeactions.Index+"*" {
			out[u] = pos
			continue
		}
		for _, ix := range tabledef.Indexes {
			out[codeactions.Use{Action: u.Action, Resource: codeactions.Index + ix.Name}] = pos
		}
	}
	return out
}

// compareGrants lists every difference, both ways, between what each
// function's code calls and what its role is granted.
func compareGrants(code map[string]codeactions.Uses, granted grants) []string {
	var problems []string
	for _, fn := range slices.Sorted(maps.Keys(granted)) {
		calls := expand(code[fn])
		for _, u := range calls.Sorted() {
			if !granted[fn][u] {
				problems = append(problems, fmt.Sprintf("%s: the code calls %s (%s) but the role does not allow it: add it to functionSpecs (infra/specs.go)", fn, u, calls[u]))
			}
		}
		for _, u := range slices.SortedFunc(maps.Keys(granted[fn]), func(a, b codeactions.Use) int { return strings.Compare(a.String(), b.String()) }) {
			if _, ok := calls[u]; !ok {
				problems = append(problems, fmt.Sprintf("%s: the role allows %s but no code path of the function calls it: remove it from functionSpecs (infra/specs.go)", fn, u))
			}
		}
	}
	return problems
}

// TestLeastPrivilege proves each function's role allows exactly the table,
// index, Cognito and SES actions its code calls, on both stages.
func TestLeastPrivilege(t *testing.T) {
	if codeErr != nil {
		t.Fatalf("code analysis: %v", codeErr)
	}
	for stage, tpl := range templates() {
		t.Run(stage, func(t *testing.T) {
			granted, err := grantedUses(tpl)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range splitStreamReads(granted) {
				t.Error(p)
			}
			for _, p := range compareGrants(codeUses, granted) {
				t.Error(p)
			}
		})
	}
}

// TestLeastPrivilegeCatchesDifferences injects one difference at a time
// into the real grants and calls, and wants compareGrants to report exactly
// that difference.
func TestLeastPrivilegeCatchesDifferences(t *testing.T) {
	if codeErr != nil {
		t.Fatalf("code analysis: %v", codeErr)
	}
	createUser := codeactions.Use{Action: "cognito-idp:AdminCreateUser", Resource: codeactions.Pool}
	enableUser := codeactions.Use{Action: "cognito-idp:AdminEnableUser", Resource: codeactions.Pool}
	queryExpiry := codeactions.Use{Action: "dynamodb:Query", Resource: codeactions.Index + tabledef.ExpiryIndex}
	tests := []struct {
		name   string
		change func(code map[string]codeactions.Uses, granted grants)
		want   []string // fragments of the one problem
	}{
		{"none", func(map[string]codeactions.Uses, grants) {}, nil},
		{"a call without its grant", func(_ map[string]codeactions.Uses, g grants) {
			delete(g[routes.FnSweeper], enableUser) // the bug issue 12 found
		}, []string{"sweeper", "calls cognito-idp:AdminEnableUser", "shared/cognito"}},
		{"a grant without its call", func(_ map[string]codeactions.Uses, g grants) {
			g[routes.FnAdmin][createUser] = true
		}, []string{"admin", "allows cognito-idp:AdminCreateUser", "no code path"}},
		{"a new call in the code", func(c map[string]codeactions.Uses, _ grants) {
			c[routes.FnMe][createUser] = c[routes.FnMembers][createUser]
		}, []string{"me", "calls cognito-idp:AdminCreateUser"}},
		{"a grant on the wrong index", func(_ map[string]codeactions.Uses, g grants) {
			g[routes.FnMe][queryExpiry] = true
		}, []string{"me", "allows dynamodb:Query on index:" + tabledef.ExpiryIndex}},
	}
	granted, err := grantedUses(prodTpl)
	if err != nil {
		t.Fatal(err)
	}
	splitStreamReads(granted)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := map[string]codeactions.Uses{}
			for fn, u := range codeUses {
				code[fn] = maps.Clone(u)
			}
			g := grants{}
			for fn, u := range granted {
				g[fn] = maps.Clone(u)
			}
			tt.change(code, g)
			problems := compareGrants(code, g)
			if tt.want == nil {
				if len(problems) != 0 {
					t.Errorf("problems %q, want none", problems)
				}
				return
			}
			if len(problems) != 1 {
				t.Fatalf("problems %q, want exactly one about %q", problems, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(problems[0], w) {
					t.Errorf("problem %q does not say %q", problems[0], w)
				}
			}
		})
	}
}

// TestSpecs wants a spec per function, each with a memory size and a
// timeout, and only known actions and indexes.
func TestSpecs(t *testing.T) {
	indexes := map[string]bool{}
	for _, ix := range tabledef.Indexes {
		indexes[ix.Name] = true
	}
	for _, name := range routes.AllFunctions {
		spec, ok := functionSpecs[name]
		if !ok {
			t.Errorf("%s: no entry in functionSpecs", name)
			continue
		}
		if spec.MemoryMB < 128 || spec.TimeoutSeconds <= 0 {
			t.Errorf("%s: memory %v MB, timeout %v s: want at least 128 MB and a positive timeout", name, spec.MemoryMB, spec.TimeoutSeconds)
		}
		for _, a := range spec.Table {
			if a == "Scan" || strings.Contains(a, "Table") || strings.HasPrefix(a, "Transact") {
				t.Errorf("%s: table action %s: no scans, no table management, and transactions are granted by their entries", name, a)
			}
		}
		for _, ix := range spec.QueryIndexes {
			if !indexes[ix] {
				t.Errorf("%s: queries unknown index %q", name, ix)
			}
		}
	}
	if len(functionSpecs[routes.FnTriggers].Cognito) > 0 {
		t.Errorf("triggers granted Cognito actions: a pool reference from the trigger is a dependency cycle (auth.go)")
	}
}

// TestStreamReadsCatchesDifferences: the stream's grants are the
// publisher's only, and all of them (the event stream, events.go).
func TestStreamReadsCatchesDifferences(t *testing.T) {
	granted, err := grantedUses(prodTpl)
	if err != nil {
		t.Fatal(err)
	}
	getRecords := codeactions.Use{Action: "dynamodb:GetRecords", Resource: streamResource}
	tests := []struct {
		name   string
		change func(g grants)
		want   string
	}{
		{"none", func(grants) {}, ""},
		{"another function reads the stream", func(g grants) { g[routes.FnMe][getRecords] = true }, "me: stream grants"},
		{"the publisher misses one", func(g grants) { delete(g[routes.FnEventPublisher], getRecords) }, "eventpublisher: stream grants"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := grants{}
			for fn, u := range granted {
				g[fn] = maps.Clone(u)
			}
			tt.change(g)
			problems := splitStreamReads(g)
			if tt.want == "" && len(problems) != 0 || tt.want != "" && (len(problems) != 1 || !strings.HasPrefix(problems[0], tt.want)) {
				t.Errorf("problems %q, want %q", problems, tt.want)
			}
		})
	}
}
