package dynamo

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gatehouse-dev/gatehouse/shared/tabledef"
)

// item is one DynamoDB item, written and read by hand: explicit about every
// attribute, with no reflection on the hot path.
type item map[string]types.AttributeValue

func newItem(k Key) item {
	return item{tabledef.PK: str(k.PK), tabledef.SK: str(k.SK)}
}

func (it item) key() Key { return Key{it.getS(tabledef.PK), it.getS(tabledef.SK)} }

func (it item) setInverse(k Key) item {
	it[tabledef.GSI1PK] = str(k.PK)
	it[tabledef.GSI1SK] = str(k.SK)
	return it
}

func (it item) setExpiry(at *time.Time, kind string) item {
	if at == nil {
		return it
	}
	k := expiryIndexKey(*at, kind, it.key())
	it[tabledef.GSI2PK] = str(k.PK)
	it[tabledef.GSI2SK] = str(k.SK)
	return it
}

func (it item) setS(name, v string) item {
	if v != "" {
		it[name] = str(v)
	}
	return it
}

func (it item) setN(name string, v int64) item {
	it[name] = num(v)
	return it
}

func (it item) setBool(name string, v bool) item {
	it[name] = &types.AttributeValueMemberBOOL{Value: v}
	return it
}

func (it item) setTime(name string, t time.Time) item {
	if !t.IsZero() {
		it[name] = str(t.UTC().Format(time.RFC3339Nano))
	}
	return it
}

func (it item) setTimePtr(name string, t *time.Time) item {
	if t != nil {
		it.setTime(name, *t)
	}
	return it
}

// setList stores a list of strings; an empty list is not stored at all
// (getList reads it back as empty). minidyn cannot evaluate a condition on an
// item holding an empty list once a transaction touching it has failed, and
// an absent list means the same to every reader.
func (it item) setList(name string, v []string) item {
	if len(v) == 0 {
		delete(it, name)
		return it
	}
	it[name] = strList(v)
	return it
}

// setJSON stores a nested value as a JSON string: compact and read whole.
func (it item) setJSON(name string, v any) item {
	it[name] = jsonAV(v)
	return it
}

// jsonAV encodes a value of our own types as a JSON string attribute.
func jsonAV(v any) types.AttributeValue {
	b, err := json.Marshal(v)
	if err != nil {
		panic("dynamo: marshal: " + err.Error()) // only our own plain types reach here
	}
	return str(string(b))
}

func (it item) getS(name string) string {
	if v, ok := it[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func (it item) getN(name string) int64 {
	if v, ok := it[name].(*types.AttributeValueMemberN); ok {
		n, _ := strconv.ParseInt(v.Value, 10, 64)
		return n
	}
	return 0
}

func (it item) getInt(name string) int { return int(it.getN(name)) }

// getIntOr reads a number that may be absent (limits default to unlimited).
func (it item) getIntOr(name string, def int) int {
	if _, ok := it[name]; !ok {
		return def
	}
	return it.getInt(name)
}

func (it item) getBool(name string) bool {
	if v, ok := it[name].(*types.AttributeValueMemberBOOL); ok {
		return v.Value
	}
	return false
}

func (it item) getTime(name string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, it.getS(name))
	return t
}

func (it item) getTimePtr(name string) *time.Time {
	s := it.getS(name)
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil
	}
	return &t
}

func (it item) getList(name string) []string {
	v, ok := it[name].(*types.AttributeValueMemberL)
	if !ok {
		return []string{}
	}
	out := make([]string, 0, len(v.Value))
	for _, e := range v.Value {
		if s, ok := e.(*types.AttributeValueMemberS); ok {
			out = append(out, s.Value)
		}
	}
	return out
}

func (it item) getJSON(name string, v any) {
	if s := it.getS(name); s != "" {
		_ = json.Unmarshal([]byte(s), v)
	}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func strList(v []string) types.AttributeValue {
	l := make([]types.AttributeValue, len(v))
	for i, s := range v {
		l[i] = str(s)
	}
	return &types.AttributeValueMemberL{Value: l}
}

func keyAV(k Key) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{tabledef.PK: str(k.PK), tabledef.SK: str(k.SK)}
}
