package localstack

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Banner tells a person where the API is and how to sign in, with a curl
// session that needs nothing but curl and sed.
func (s *Stack) Banner() string {
	i := s.Info
	var b strings.Builder
	switch {
	case !s.opts.Persist:
		fmt.Fprintf(&b, "\nGatehouse is running (fresh data: nothing is kept between runs).\n\n")
	case s.restored > 0:
		fmt.Fprintf(&b, "\nGatehouse is running with the data of the last run (%d items from %s; make reset starts fresh).\n\n",
			s.restored, filepath.Join(s.DataDir, tableDumpFile))
	default:
		fmt.Fprintf(&b, "\nGatehouse is running (its data is kept in %s between runs; make reset starts fresh).\n\n", s.DataDir)
	}
	fmt.Fprintf(&b, "  API               %s   (OpenAPI: %s/v1/openapi.json)\n", i.APIURL, i.APIURL)
	if s.gw.web != nil {
		fmt.Fprintf(&b, "  Console           %s/console/   (sign in as the platform admin below)\n", i.APIURL)
	}
	fmt.Fprintf(&b, "  Cognito           %s   pool %s, client %s\n", i.CognitoEndpoint, i.UserPoolID, i.ClientID)
	fmt.Fprintf(&b, "  DynamoDB          %s   table %s\n", i.DynamoDBEndpoint, i.Table)
	fmt.Fprintf(&b, "  Lambda Invoke     %s\n", i.LambdaEndpoint)
	fmt.Fprintf(&b, "  Outbox (emails)   %s   (%s)\n", i.OutboxURL, i.OutboxDir)
	if i.EventsURL != "" {
		fmt.Fprintf(&b, "  Event bus         %s   (%s, PutEvents at %s)\n", i.EventsURL, i.EventBus, i.EventBridgeURL)
	}
	fmt.Fprintf(&b, "  Platform admin    %s / %s\n", i.AdminEmail, i.AdminPassword)
	fmt.Fprintf(&b, "  Stack details     %s\n", filepath.Join(s.DataDir, "stack.json"))
	fmt.Fprintf(&b, "  Logs              %s, %s\n", s.FunctionLog, s.CognitoLogPath)
	fmt.Fprintf(&b, "\nSign in and call the API:\n\n%s\n", s.CurlExample())
	if s.cognito != nil {
		fmt.Fprintf(&b, "Sign-up confirmation codes appear in %s.\n", s.CognitoLogPath)
	}
	fmt.Fprintf(&b, "Press Ctrl-C to stop.\n\n")
	return b.String()
}

// CurlExample is a shell session that signs the platform admin in with
// InitiateAuth (USER_PASSWORD_AUTH) and calls GET /v1/me with the token.
func (s *Stack) CurlExample() string {
	i := s.Info
	endpoint := i.CognitoEndpoint
	if endpoint == "" {
		endpoint = fmt.Sprintf("https://cognito-idp.%s.amazonaws.com", i.Region)
	}
	return fmt.Sprintf(`  TOKEN=$(curl -s %s/ \
    -H 'X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth' \
    -H 'Content-Type: application/x-amz-json-1.1' \
    -d '{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"%s","AuthParameters":{"USERNAME":"%s","PASSWORD":"%s"}}' \
    | sed -E 's/.*"%s":"([^"]+)".*/\1/')
  curl -s %s/v1/me -H "Authorization: Bearer $TOKEN"
`, endpoint, i.ClientID, i.AdminEmail, i.AdminPassword, BearerTokenField, i.APIURL)
}

// BearerTokenField is the token of Cognito's AuthenticationResult that the
// API expects as its bearer token.
const BearerTokenField = "AccessToken"
