package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
)

// emailSender is the SES identity emails are sent from. It is a stack
// parameter (default from the emailFrom context) so the sender can change at
// deploy time, by `cdk deploy --parameters EmailFrom=...` or SAM's
// parameter_overrides, without a new synth.
type emailSender struct {
	From           string   // the parameter's value (a token)
	DomainIdentity string   // SES identity ARN of its domain
	Identities     []string // SES identity ARNs: the address and its domain
}

func newEmailSender(stack awscdk.Stack, props *GatehouseStackProps) *emailSender {
	var def *string
	switch {
	case props.EmailFrom != "":
		def = jsii.String(props.EmailFrom)
	case props.Ephemeral():
		def = jsii.String(DefaultEmailFrom)
	}
	p := awscdk.NewCfnParameter(stack, jsii.String("EmailFrom"), &awscdk.CfnParameterProps{
		Type:        jsii.String("String"),
		Default:     def,
		Description: jsii.String("Sender of Gatehouse's emails (and Cognito's, outside dev stages): an address whose domain is a verified SES identity in this region (on dev stages the address alone may be)"),
		// Validated so that the domain split below cannot fail at deploy.
		AllowedPattern:        jsii.String(`^[^@\s]+@[^@\s]+\.[^@\s]+$`),
		ConstraintDescription: jsii.String("must be an email address"),
	})
	from := *p.ValueAsString()
	domain := *awscdk.Fn_Select(jsii.Number(1), awscdk.Fn_Split(jsii.String("@"), &from, nil))
	arn := func(identity string) string {
		return *stack.FormatArn(&awscdk.ArnComponents{
			Service:      jsii.String("ses"),
			Resource:     jsii.String("identity"),
			ResourceName: &identity,
		})
	}
	// SES authorizes a send against the identity that verified the sender:
	// the address itself, or its domain when the domain is verified.
	return &emailSender{From: from, DomainIdentity: arn(domain), Identities: []string{arn(from), arn(domain)}}
}

// grantSend lets a principal send email as the sender, and nothing else.
func (e *emailSender) grantSend(g awsiam.IGrantable) {
	g.GrantPrincipal().AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("ses:SendEmail"),
		Resources: jsii.Strings(e.Identities...),
	}))
}
