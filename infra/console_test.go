package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// TestConsole checks the console's hosting when web/dist is built (make
// test-infra builds it first): a private bucket, one distribution serving
// the console and forwarding /v1/* to the API with the Authorization header
// and no caching, a strict CSP, config.json with the pool and client, and
// invite links pointing at the console.
func TestConsole(t *testing.T) {
	if consoleDir(testProps("dev", t.TempDir())) == "" {
		t.Fatal("web/dist is not built: run make console (make test-infra does) so the console's hosting is tested")
	}
	for stage, tpl := range templates() {
		t.Run(stage, func(t *testing.T) {
			check(t, func() {
				tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), &map[string]any{
					"PublicAccessBlockConfiguration": map[string]any{
						"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
					},
				})
			})
			dists := resources(tpl, "AWS::CloudFront::Distribution")
			if len(dists) != 1 {
				t.Fatalf("%d distributions, want 1", len(dists))
			}
			var cfg map[string]any
			for _, d := range dists {
				cfg = props(d)["DistributionConfig"].(map[string]any)
			}
			var api map[string]any
			for _, b := range cfg["CacheBehaviors"].([]any) {
				if b.(map[string]any)["PathPattern"] == "/v1/*" {
					api = b.(map[string]any)
				}
			}
			if api == nil {
				t.Fatalf("no /v1/* behaviour in %v, want the API on the console's origin", cfg["CacheBehaviors"])
			}
			if n := len(api["AllowedMethods"].([]any)); n != 7 {
				t.Errorf("/v1/* allows %d methods, want all 7", n)
			}
			policy := resources(tpl, "AWS::CloudFront::CachePolicy")[refID(api["CachePolicyId"])]
			pc := props(policy)["CachePolicyConfig"].(map[string]any)
			if pc["DefaultTTL"] != float64(0) || pc["MinTTL"] != float64(0) {
				t.Errorf("API cache TTLs %v/%v, want 0", pc["DefaultTTL"], pc["MinTTL"])
			}
			keys := pc["ParametersInCacheKeyAndForwardedToOrigin"].(map[string]any)
			hdrs := keys["HeadersConfig"].(map[string]any)
			if got := strs(hdrs["Headers"]); len(got) != 1 || got[0] != "Authorization" {
				t.Errorf("API cache key headers %v, want Authorization", got)
			}
			var csp string
			for _, p := range resources(tpl, "AWS::CloudFront::ResponseHeadersPolicy") {
				sec := props(p)["ResponseHeadersPolicyConfig"].(map[string]any)["SecurityHeadersConfig"].(map[string]any)
				// A Fn::Join with the region: its literal parts are enough.
				csp = toJSON(sec["ContentSecurityPolicy"].(map[string]any)["ContentSecurityPolicy"])
			}
			for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'", "connect-src 'self' https://cognito-idp."} {
				if !strings.Contains(csp, want) {
					t.Errorf("console CSP %q lacks %q", csp, want)
				}
			}
			check(t, func() { tpl.HasResource(jsii.String("Custom::CDKBucketDeployment"), assertions.Match_AnyValue()) })
			check(t, func() { tpl.HasOutput(jsii.String("ConsoleUrl"), assertions.Match_AnyValue()) })
			// Invite links open the console (no publicUrl in the test props).
			fn := props(resources(tpl, "AWS::Lambda::Function")[functionID("invites")])
			env := fn["Environment"].(map[string]any)["Variables"].(map[string]any)
			if !strings.Contains(toJSON(env["GATEHOUSE_PUBLIC_URL"]), "DomainName") {
				t.Errorf("GATEHOUSE_PUBLIC_URL %v, want the console's distribution", env["GATEHOUSE_PUBLIC_URL"])
			}
		})
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
