package app

import (
	"context"
	"testing"
	"time"
)

func TestConfigFromEnv(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv(EnvUserPoolID, "eu-west-1_Pool")
	t.Setenv(EnvResourceTypes, "device, sensor ,")
	t.Setenv(EnvAuthzCacheTTL, "5s")
	t.Setenv(EnvPersonalOrgOnLeave, "false")
	c, err := ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool" || c.JWKSURL != c.Issuer+"/.well-known/jwks.json" {
		t.Errorf("issuer %q, JWKS %q", c.Issuer, c.JWKSURL)
	}
	if len(c.ResourceTypes) != 2 || c.ResourceTypes[1] != "sensor" || c.AuthzCacheTTL != 5*time.Second || c.PersonalOrgOnLeave {
		t.Errorf("config = %+v", c)
	}
	if c.Table != "gatehouse" || c.InviteEmailRule != "same_domain" || c.PublicURL == "" {
		t.Errorf("defaults = %+v", c)
	}

	t.Setenv(EnvCognitoEndpoint, "http://127.0.0.1:9229/")
	if c, _ = ConfigFromEnv(); c.Issuer != "http://127.0.0.1:9229/eu-west-1_Pool" {
		t.Errorf("local issuer = %q", c.Issuer)
	}
	for _, bad := range []struct{ name, value string }{{EnvAuthzCacheTTL, "soon"}, {EnvPersonalOrgOnLeave, "maybe"}, {EnvLogLevel, "loud"}} {
		t.Run(bad.name, func(t *testing.T) {
			t.Setenv(bad.name, bad.value)
			if _, err := ConfigFromEnv(); err == nil {
				t.Errorf("%s=%q accepted", bad.name, bad.value)
			}
		})
	}
}

func TestEnvAWSConfig(t *testing.T) {
	ctx := context.Background()
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	if _, err := EnvAWSConfig(ctx, Config{Region: "eu-west-1"}); err == nil {
		t.Error("no credentials and no local endpoint: want an error, not anonymous calls")
	}
	cfg, err := EnvAWSConfig(ctx, Config{Region: "eu-west-1", DynamoDBEndpoint: "http://127.0.0.1:8000"})
	if err != nil {
		t.Fatal(err)
	}
	if creds, _ := cfg.Credentials.Retrieve(ctx); creds.AccessKeyID != "local" || cfg.Region != "eu-west-1" {
		t.Errorf("local credentials = %+v, region %q", creds, cfg.Region)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_SESSION_TOKEN", "token")
	cfg, _ = EnvAWSConfig(ctx, Config{Region: "eu-west-1"})
	if creds, _ := cfg.Credentials.Retrieve(ctx); creds.AccessKeyID != "AKIDEXAMPLE" || creds.SessionToken != "token" {
		t.Errorf("Lambda credentials = %+v", creds)
	}
}
