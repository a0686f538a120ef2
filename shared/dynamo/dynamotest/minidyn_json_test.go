package dynamotest

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/truora/minidyn/server"
)

// refAV mirrors minidyn's AttributeValue without its MarshalJSON: what
// encoding/json wrote before third_party/minidyn's patch 6 (PATCHES.md).
type refAV struct {
	B    []byte            `json:"B,omitempty"`
	BOOL *bool             `json:"BOOL,omitempty"`
	BS   [][]byte          `json:"BS,omitempty"`
	L    []*refAV          `json:"L,omitempty"`
	M    map[string]*refAV `json:"M,omitempty"`
	N    *string           `json:"N,omitempty"`
	NS   []*string         `json:"NS,omitempty"`
	NULL *bool             `json:"NULL,omitempty"`
	S    *string           `json:"S,omitempty"`
	SS   []*string         `json:"SS,omitempty"`
}

func toRef(a *server.AttributeValue) *refAV {
	if a == nil {
		return nil
	}
	r := &refAV{B: a.B, BOOL: a.BOOL, BS: a.BS, N: a.N, NS: a.NS, NULL: a.NULL, S: a.S, SS: a.SS}
	if a.L != nil {
		r.L = make([]*refAV, len(a.L))
		for i, v := range a.L {
			r.L[i] = toRef(v)
		}
	}
	if a.M != nil {
		r.M = map[string]*refAV{}
		for k, v := range a.M {
			r.M[k] = toRef(v)
		}
	}
	return r
}

func encode(t *testing.T, v any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // as minidyn's server encodes
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestMinidynAttributeValueJSON: the patched encoding writes the same bytes
// as encoding/json did, for every kind of value and awkward strings.
func TestMinidynAttributeValueJSON(t *testing.T) {
	s := func(v string) *string { return &v }
	yes, no := true, false
	strs := []string{"", "plain", `quote " and \ backslash`, "<html> & more", "tab\tnl\ncr\r\x00\x1f\x7f", "é ü 日本 🎉", "\u2028\u2029", "bad \xff utf8 \xc3"}
	var vals []*server.AttributeValue
	for _, v := range strs {
		vals = append(vals, &server.AttributeValue{S: s(v)}, &server.AttributeValue{SS: []*string{s(v), s("x")}})
	}
	vals = append(vals,
		&server.AttributeValue{N: s("-12.5e3")},
		&server.AttributeValue{NS: []*string{s("1"), s("2")}},
		&server.AttributeValue{BOOL: &yes}, &server.AttributeValue{BOOL: &no},
		&server.AttributeValue{NULL: &yes},
		&server.AttributeValue{B: []byte{0, 1, 2, 250}}, &server.AttributeValue{BS: [][]byte{{1}, {2, 3}}},
		&server.AttributeValue{L: []*server.AttributeValue{{S: s("a")}, {N: s("1")}, nil}},
		&server.AttributeValue{M: map[string]*server.AttributeValue{"z": {S: s("last")}, "a": {BOOL: &yes}, "é\"": {L: []*server.AttributeValue{}}}},
		&server.AttributeValue{S: s(""), N: s("1")}, // several fields: order kept
		&server.AttributeValue{}, &server.AttributeValue{L: []*server.AttributeValue{}, M: map[string]*server.AttributeValue{}, B: []byte{}},
	)
	for _, v := range vals {
		want := encode(t, toRef(v))
		if got := encode(t, v); got != want {
			t.Errorf("encoded %s, want %s", got, want)
		}
	}
	item := map[string][]map[string]*server.AttributeValue{"t": {{"PK": vals[0], "SK": vals[2]}, {"x": vals[len(vals)-3]}}}
	ref := map[string][]map[string]*refAV{"t": {{"PK": toRef(vals[0]), "SK": toRef(vals[2])}, {"x": toRef(vals[len(vals)-3])}}}
	if got, want := encode(t, item), encode(t, ref); got != want {
		t.Errorf("encoded %s, want %s", got, want)
	}
}
