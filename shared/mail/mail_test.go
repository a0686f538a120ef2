package mail_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/gatehouse-dev/gatehouse/shared/mail"
)

func TestOutboxWritesOneJSONFilePerEmail(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	o := mail.NewOutbox(dir)
	for _, to := range []string{"a@example.com", "b@example.com"} {
		if err := o.Send(context.Background(), mail.Message{To: to, Subject: "Hi", Text: "link"}); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := os.ReadDir(dir)
	if len(files) != 2 {
		t.Fatalf("%d files, want 2", len(files))
	}
	b, _ := os.ReadFile(filepath.Join(dir, files[0].Name()))
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"to", "subject", "text", "time"} {
		if _, ok := m[k]; !ok {
			t.Errorf("field %q missing in %s", k, b)
		}
	}
	rec := httptest.NewRecorder()
	o.ServeHTTP(rec, httptest.NewRequest("GET", "/local/outbox?to=B@example.com", nil))
	var page struct{ Items []mail.Message }
	if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil || len(page.Items) != 1 || page.Items[0].To != "b@example.com" {
		t.Fatalf("served %s %v", rec.Body, err)
	}
}

func TestNewChoosesTheSender(t *testing.T) {
	if _, ok := mail.New(mail.Options{OutboxDir: t.TempDir()}).(*mail.Outbox); !ok {
		t.Error("outbox dir: want *Outbox")
	}
	if _, ok := mail.New(mail.Options{}).(mail.Discard); !ok {
		t.Error("nothing configured: want Discard")
	}
}
