package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkCheckBatchRequest is the check API budget as DESIGN.md section
// 9 states it (docs/performance.md): one request of 100 resource checks
// against one request of a single check, both through the whole local
// stack (gateway, authorizer, the resources function, minidyn), alternated
// in the same loop. The ratio reported is the median of the iterations'
// ratios, so a burst of the machine's other work skews one pair, not the
// figure. calls/batch counts the DynamoDB calls of the batch request,
// authorizer included (it makes one).
func BenchmarkCheckBatchRequest(b *testing.B) {
	owner := newUser(b)
	orgID := mbOrg(b, owner)
	base := "/v1/orgs/" + orgID
	email := uniqueEmail(b)
	member := mbCreate(b, owner, orgID, email, "developer").Member.UserID
	dev := signIn(b, email, defaultPassword)
	// 100 devices, the member granted read and update on each, update
	// denied on every third.
	var wg sync.WaitGroup
	ids := make(chan int)
	for range 4 {
		wg.Go(func() {
			for i := range ids {
				id := fmt.Sprintf("cb-%03d", i)
				if st, raw := owner.Do(b, "POST", base+"/resources", map[string]any{"type": "device", "id": id}); st != http.StatusCreated {
					b.Errorf("register %s: %d %s", id, st, raw)
					continue
				}
				g := map[string]any{"principal": "user:" + member, "allow": []string{"read", "update"}}
				if i%3 == 0 {
					g["deny"] = []string{"update"}
				}
				if st, raw := owner.Do(b, "PUT", base+"/resources/device/"+id+"/grants", map[string]any{"grants": []any{g}}); st != http.StatusOK {
					b.Errorf("grant %s: %d %s", id, st, raw)
				}
			}
		})
	}
	for i := range 100 {
		ids <- i
	}
	close(ids)
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}

	// The developer asks about itself, as a service acting for its user
	// would.
	one := map[string]any{"action": "read", "resource": map[string]any{"type": "device", "id": "cb-000"}}
	var checks []map[string]any
	for i := range 100 {
		checks = append(checks, map[string]any{"action": "update", "resource": map[string]any{"type": "device", "id": fmt.Sprintf("cb-%03d", i)}})
	}
	batch := map[string]any{"checks": checks}
	// The timed requests skip the harness's contract checks (client side
	// work that would count in the figures); the first two go through them.
	check := func(body any, wantAllowed int) time.Duration {
		raw, err := json.Marshal(body)
		if err != nil {
			b.Fatal(err)
		}
		req, err := http.NewRequest("POST", stack().Info.APIURL+base+"/authorize", bytes.NewReader(raw))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+dev.Bearer)
		t0 := time.Now()
		resp, err := httpClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		d := time.Since(t0)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("authorize: status %d (%v), want 200: %s", resp.StatusCode, err, got)
		}
		var out struct {
			Allowed bool `json:"allowed"`
			Results []struct {
				Allowed bool `json:"allowed"`
			} `json:"results"`
		}
		if err := json.Unmarshal(got, &out); err != nil {
			b.Fatal(err)
		}
		allowed := 0
		for _, r := range out.Results {
			if r.Allowed {
				allowed++
			}
		}
		if wantAllowed == 0 && !out.Allowed || wantAllowed > 0 && (len(out.Results) != 100 || allowed != wantAllowed) {
			b.Fatalf("authorize: %s, want %d allowed", got, wantAllowed)
		}
		return d
	}
	for _, body := range []any{one, batch} {
		if st, raw := dev.Do(b, "POST", base+"/authorize", body); st != http.StatusOK {
			b.Fatalf("authorize: %d %s", st, raw)
		}
	}
	check(one, 0)
	calls := stack().DynamoDBCalls
	calls.Reset()
	check(batch, 66)
	total := calls.Total()

	var singles, batches, ratios []float64
	for b.Loop() {
		s, m := check(one, 0), check(batch, 66)
		singles = append(singles, float64(s))
		batches = append(batches, float64(m))
		ratios = append(ratios, float64(m)/float64(s))
	}
	b.ReportMetric(median(singles), "single-ns")
	b.ReportMetric(median(batches), "batch-ns")
	b.ReportMetric(median(ratios), "x-single")
	b.ReportMetric(float64(total), "calls/batch")
}

func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
