package app

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

func TestCursorKeyFromEnv(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	tests := []struct {
		name, value string
		want        []byte
		wantErr     bool
	}{
		{"absent", "", nil, false},
		{"32 bytes", base64.StdEncoding.EncodeToString(key), key, false},
		{"too short", base64.StdEncoding.EncodeToString(key[:31]), nil, true},
		{"not base64", "not base64 at all!", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvCursorKey, tt.value)
			c, err := ConfigFromEnv()
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want an error: %v", err, tt.wantErr)
			}
			if !tt.wantErr && !bytes.Equal(c.CursorKey, tt.want) {
				t.Errorf("CursorKey = %x, want %x", c.CursorKey, tt.want)
			}
		})
	}
}

// TestStoreNeedsACursorKey: a deployment without a key does not start;
// against a local endpoint a key is made for the process.
func TestStoreNeedsACursorKey(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "id")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(r.(string), EnvCursorKey) {
				t.Errorf("Store() without a key in AWS: panic %v, want one naming %s", r, EnvCursorKey)
			}
		}()
		NewDeps(Config{Region: "eu-west-1", Table: "t"}).Store()
	}()
	if NewDeps(Config{Region: "eu-west-1", Table: "t", DynamoDBEndpoint: "http://127.0.0.1:1"}).Store() == nil {
		t.Error("Store() against a local endpoint: nil")
	}
}
