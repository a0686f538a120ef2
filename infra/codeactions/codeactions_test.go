package codeactions

import (
	"strings"
	"testing"
)

// TestAnalyze runs the analysis on testdata/repo, a small module in the
// repository's shape whose adapters offer more calls than each function
// makes: it must find every call each function can reach and none other.
func TestAnalyze(t *testing.T) {
	got, err := Analyze("testdata/repo", []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		fn   string
		want []Use
		// where maps a use to the file that must be named as its place.
		where map[Use]string
	}{
		{"a", []Use{
			{"cognito-idp:AdminCreateUser", Pool}, // through the adapter's interface
			{"cognito-idp:ListUsers", Pool},       // through a paginator
			{"dynamodb:GetItem", Table},
			{"dynamodb:PutItem", Table},        // a transaction's Put entry
			{"dynamodb:Query", Index + "GSI1"}, // an index name passed as a constant
		}, map[Use]string{
			{"cognito-idp:AdminCreateUser", Pool}: "shared/pool/pool.go",
			{"dynamodb:PutItem", Table}:           "shared/store/store.go",
		}},
		{"b", []Use{
			{"cognito-idp:AdminDisableUser", Pool},
			{"dynamodb:BatchWriteItem", Table},
			{"dynamodb:ConditionCheckItem", Table}, // a transaction's ConditionCheck entry
			{"dynamodb:Query", Table},              // no index
			{"dynamodb:Query", Index + "GSI2"},     // an index name stored in a struct field
			{"ses:SendEmail", Identity},            // through an interface value
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.fn, func(t *testing.T) {
			uses := got[tt.fn]
			for _, u := range tt.want {
				if _, ok := uses[u]; !ok {
					t.Errorf("%s: no %s among %v", tt.fn, u, uses.Sorted())
				}
			}
			for _, u := range uses.Sorted() {
				found := false
				for _, w := range tt.want {
					found = found || w == u
				}
				if !found {
					t.Errorf("%s: %s (at %s), which its code never reaches", tt.fn, u, uses[u])
				}
			}
			for u, file := range tt.where {
				if pos := uses[u]; !strings.HasSuffix(pos.Filename, file) || pos.Line == 0 {
					t.Errorf("%s: %s placed at %s, want a line of %s", tt.fn, u, pos, file)
				}
			}
		})
	}
}

func TestAnalyzeUnknownFunction(t *testing.T) {
	if _, err := Analyze("testdata/repo", []string{"nosuch"}); err == nil || !strings.Contains(err.Error(), "functions/nosuch") {
		t.Errorf("Analyze(nosuch) = %v, want an error naming functions/nosuch", err)
	}
}
