package localstack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// Keeping the local stack's data between runs of make run (docs/console.md,
// "Local data"). minidyn keeps its tables in memory only, so the stack dumps
// the table to DataDir/table.json (every item, in DynamoDB's own JSON
// format, as Scan returns it) shortly after each write and once more at
// Close, and loads it back with BatchWriteItem at the next Start.
// cognito-local keeps its pool in DataDir/cognito/.cognito/db by itself; the
// stack leaves that directory alone and reuses the pool and app client named
// in the previous stack.json. make reset deletes the data directory.

// tableDumpFile is the table's dump in DataDir.
const tableDumpFile = "table.json"

// persistEvery is how long after a write the table is dumped: writes come
// in bursts (one request makes several), and a dump scans the whole table.
const persistEvery = time.Second

// tableDump is the content of table.json. It names the user pool and app
// client its accounts live in, so that the next start reuses them.
type tableDump struct {
	Table      string            `json:"table"`
	UserPoolID string            `json:"userPoolId,omitempty"`
	ClientID   string            `json:"clientId,omitempty"`
	Saved      time.Time         `json:"saved"`
	Items      []json.RawMessage `json:"items"`
}

// writeOps are the DynamoDB operations that change data.
var writeOps = map[string]bool{
	"PutItem": true, "UpdateItem": true, "DeleteItem": true,
	"BatchWriteItem": true, "TransactWriteItems": true,
}

// persister dumps and restores the in-process minidyn table. It calls
// minidyn's handler directly (no network), so the final dump still works
// after the stack's listeners are closed.
type persister struct {
	h     http.Handler // minidyn
	table string
	file  string
	// pool and client are the Cognito ids the table's accounts belong to,
	// written into every dump.
	pool, client string
	dirty        atomic.Bool
	mu           sync.Mutex // one dump at a time
	stop         chan struct{}
	done         chan struct{}
}

func newPersister(minidyn http.Handler, table, dataDir string) *persister {
	return &persister{h: minidyn, table: table, file: filepath.Join(dataDir, tableDumpFile)}
}

// watch returns h marking the table dirty after every write that reaches it.
func (p *persister) watch(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := r.Header.Get("X-Amz-Target")
		h.ServeHTTP(w, r)
		if writeOps[target[strings.LastIndexByte(target, '.')+1:]] {
			p.dirty.Store(true)
		}
	})
}

// start dumps the table every persistEvery while it is dirty.
func (p *persister) start(onError func(error)) {
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(p.done)
		t := time.NewTicker(persistEvery)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				if p.dirty.Swap(false) {
					if err := p.dump(); err != nil {
						p.dirty.Store(true)
						onError(err)
					}
				}
			}
		}
	}()
}

// close stops the ticker and writes the last dump.
func (p *persister) close() error {
	if p.stop != nil {
		close(p.stop)
		<-p.done
		p.stop = nil
	}
	return p.dump()
}

// call runs one DynamoDB JSON-protocol operation against minidyn.
func (p *persister) call(op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	rec := &memResponse{header: http.Header{}, status: http.StatusOK}
	p.h.ServeHTTP(rec, req)
	if rec.status != http.StatusOK {
		return fmt.Errorf("%s: %d %s", op, rec.status, strings.TrimSpace(rec.body.String()))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(rec.body.Bytes(), out)
}

// dump writes every item of the table to table.json, atomically.
func (p *persister) dump() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := tableDump{Table: p.table, UserPoolID: p.pool, ClientID: p.client, Saved: time.Now().UTC(), Items: []json.RawMessage{}}
	var start json.RawMessage
	for {
		in := map[string]any{"TableName": p.table}
		if start != nil {
			in["ExclusiveStartKey"] = start
		}
		var out struct {
			Items            []json.RawMessage `json:"Items"`
			LastEvaluatedKey json.RawMessage   `json:"LastEvaluatedKey"`
		}
		if err := p.call("Scan", in, &out); err != nil {
			return fmt.Errorf("save table: %w", err)
		}
		d.Items = append(d.Items, out.Items...)
		if len(out.LastEvaluatedKey) == 0 || string(out.LastEvaluatedKey) == "null" || string(out.LastEvaluatedKey) == "{}" {
			break
		}
		start = out.LastEvaluatedKey
	}
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	tmp := p.file + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("save table: %w", err)
	}
	return os.Rename(tmp, p.file)
}

// saved reads table.json; a missing file is an empty dump.
func (p *persister) saved() (*tableDump, error) {
	b, err := os.ReadFile(p.file)
	if errors.Is(err, os.ErrNotExist) {
		return &tableDump{Table: p.table}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("restore table: %w", err)
	}
	var d tableDump
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("restore table: %s is not a table dump (make reset starts fresh): %w", p.file, err)
	}
	if d.Table != p.table {
		return nil, fmt.Errorf("restore table: %s holds table %q, not %q (make reset starts fresh)", p.file, d.Table, p.table)
	}
	return &d, nil
}

// restore loads table.json into the (empty, just created) table. It returns
// the number of items loaded; a missing file loads nothing. A table whose
// accounts live in another user pool than p.pool is refused: its users
// could not sign in, and its platform admin would clash with the new one.
func (p *persister) restore() (int, error) {
	d, err := p.saved()
	if err != nil {
		return 0, err
	}
	if len(d.Items) > 0 && d.UserPoolID != "" && d.UserPoolID != p.pool {
		return 0, fmt.Errorf("restore table: %s belongs to user pool %s, which cognito-local (%s) no longer has; make reset starts fresh",
			p.file, d.UserPoolID, filepath.Dir(p.file)+"/cognito")
	}
	const batch = 25 // BatchWriteItem's limit
	for i := 0; i < len(d.Items); i += batch {
		reqs := []any{}
		for _, it := range d.Items[i:min(i+batch, len(d.Items))] {
			reqs = append(reqs, map[string]any{"PutRequest": map[string]any{"Item": it}})
		}
		var out struct {
			UnprocessedItems map[string][]json.RawMessage `json:"UnprocessedItems"`
		}
		if err := p.call("BatchWriteItem", map[string]any{"RequestItems": map[string]any{p.table: reqs}}, &out); err != nil {
			return i, fmt.Errorf("restore table: %w", err)
		}
		if n := len(out.UnprocessedItems[p.table]); n > 0 {
			return i, fmt.Errorf("restore table: %d items left unprocessed", n)
		}
	}
	return len(d.Items), nil
}

// previousInfo reads the stack.json of the previous run in dataDir, if any.
func previousInfo(dataDir string) (Info, bool) {
	var i Info
	b, err := os.ReadFile(filepath.Join(dataDir, "stack.json"))
	if err != nil || json.Unmarshal(b, &i) != nil || i.UserPoolID == "" || i.ClientID == "" {
		return Info{}, false
	}
	return i, true
}

// memResponse is an in-memory http.ResponseWriter for calls to minidyn.
type memResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (m *memResponse) Header() http.Header         { return m.header }
func (m *memResponse) Write(b []byte) (int, error) { return m.body.Write(b) }
func (m *memResponse) WriteHeader(code int)        { m.status = code }

// previousPool returns the pool and app client of the previous run (as the
// table dump names them, or else the last stack.json) when cognito-local
// still has both, or empty ids.
func (s *Stack) previousPool(ctx context.Context) (poolID, clientID string) {
	prev, ok := previousInfo(s.DataDir)
	if s.persist != nil {
		if d, err := s.persist.saved(); err == nil && d.UserPoolID != "" {
			prev.UserPoolID, prev.ClientID, ok = d.UserPoolID, d.ClientID, true
		}
	}
	if !ok {
		return "", ""
	}
	if _, err := s.cip.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(prev.UserPoolID)}); err != nil {
		s.console.Printf("the previous user pool %s is gone (%v): making a new one", prev.UserPoolID, err)
		return "", ""
	}
	if _, err := s.cip.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{
		UserPoolId: aws.String(prev.UserPoolID), ClientId: aws.String(prev.ClientID)}); err != nil {
		s.console.Printf("the previous app client %s is gone (%v): making a new pool", prev.ClientID, err)
		return "", ""
	}
	return prev.UserPoolID, prev.ClientID
}

// Restored is the number of table items loaded from the previous run.
func (s *Stack) Restored() int { return s.restored }
