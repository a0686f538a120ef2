package main

import (
	"strings"
	"testing"
)

func TestCtxPerStage(t *testing.T) {
	tests := []struct {
		name  string
		in    any
		stage string
		want  string
	}{
		{"unset", nil, "prod", ""},
		{"string", " https://console.example.com ", "prod", "https://console.example.com"},
		{"by stage", map[string]any{"prod": "https://a.example", "dev": "http://localhost:5173"}, "prod", "https://a.example"},
		{"fallback", map[string]any{"prod": "https://a.example", "*": "https://b.example"}, "staging", "https://b.example"},
		{"no entry", map[string]any{"prod": "https://a.example"}, "staging", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ctxPerStage(tt.in, tt.stage); got != tt.want {
				t.Errorf("ctxPerStage(%v, %q) = %q, want %q", tt.in, tt.stage, got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		stage  string
		change func(*GatehouseStackProps)
		// want is a fragment of the error; empty means valid.
		want string
	}{
		{"defaults", "prod", func(*GatehouseStackProps) {}, ""},
		{"bad stage", "prod", func(p *GatehouseStackProps) { p.Stage = "Prod_1" }, "stage"},
		{"long cache TTL", "prod", func(p *GatehouseStackProps) { p.AuthzCacheTTL = "1h" }, "authzCacheTtl"},
		{"short cache TTL", "prod", func(p *GatehouseStackProps) { p.AuthzCacheTTL = "30s" }, ""},
		{"bad log level", "prod", func(p *GatehouseStackProps) { p.LogLevel = "verbose" }, "logLevel"},
		{"bad sender", "prod", func(p *GatehouseStackProps) { p.EmailFrom = "example.com" }, "emailFrom"},
		{"no sender: given at deploy", "prod", func(p *GatehouseStackProps) { p.EmailFrom = "" }, ""},
		{"origin without scheme", "prod", func(p *GatehouseStackProps) { p.ConsoleOrigin = "console.example.com" }, "consoleOrigin"},
		{"origin with a path", "prod", func(p *GatehouseStackProps) { p.ConsoleOrigin = "https://console.example.com/app" }, "consoleOrigin"},
		{"wildcard origin", "prod", func(p *GatehouseStackProps) { p.ConsoleOrigin = "*" }, "consoleOrigin"},
		{"http origin in prod", "prod", func(p *GatehouseStackProps) { p.ConsoleOrigin = "http://console.example.com" }, "https"},
		{"http origin in dev", "dev", func(p *GatehouseStackProps) { p.ConsoleOrigin = "http://localhost:5173" }, ""},
		{"no CORS", "prod", func(p *GatehouseStackProps) { p.ConsoleOrigin = "" }, ""},
		{"prod without alarm destination", "prod", func(p *GatehouseStackProps) { p.AlarmEmail, p.AlarmTopicArn = "", "" }, "no alarm destination"},
		{"prod with an alarm email only", "prod", func(p *GatehouseStackProps) { p.AlarmTopicArn = "" }, ""},
		{"staging without alarm destination", "staging", func(p *GatehouseStackProps) { p.AlarmEmail = "" }, "no alarm destination"},
		{"prod with an alarm topic only", "prod", func(p *GatehouseStackProps) {
			p.AlarmEmail, p.AlarmTopicArn = "", "arn:aws:sns:eu-west-1:123456789012:oncall"
		}, ""},
		{"bad alarm topic", "prod", func(p *GatehouseStackProps) { p.AlarmTopicArn = "oncall" }, "alarmTopicArn"},
		{"bad alarm email", "prod", func(p *GatehouseStackProps) { p.AlarmEmail = "ops" }, "alarmEmail"},
		{"dev without alarm destination", "dev", func(p *GatehouseStackProps) { p.AlarmEmail = "" }, ""},
		{"dev-alice without alarm destination", "dev-alice", func(p *GatehouseStackProps) { p.AlarmEmail = "" }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testProps(tt.stage, "/tmp/build")
			tt.change(p)
			err := p.validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("validate() = %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("validate() = %v, want an error about %q", err, tt.want)
			}
		})
	}
}

// TestProdSynthNeedsAlarmDestination runs the app as `make synth
// STAGE=prod` does, without an alarm destination: it must stop before
// synthesizing, saying what to set.
func TestProdSynthNeedsAlarmDestination(t *testing.T) {
	t.Setenv("CDK_OUTDIR", "")
	err := run([]string{"-c", "stage=prod", "-c", "buildDir=" + t.TempDir()})
	if err == nil {
		t.Fatal("run(stage=prod) without an alarm destination succeeded, want an error")
	}
	for _, want := range []string{`stage "prod" has no alarm destination`, "alarmEmail", "alarmTopicArn"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestEphemeral(t *testing.T) {
	for stage, want := range map[string]bool{"dev": true, "dev-alice": true, "prod": false, "staging": false, "devops": false} {
		if got := (&GatehouseStackProps{Stage: stage}).Ephemeral(); got != want {
			t.Errorf("Ephemeral(%q) = %v, want %v", stage, got, want)
		}
	}
}
