// Package mail sends through SES v2.
package mail

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"
)

// Sender is what callers hold.
type Sender interface{ Send(context.Context) error }

type ses struct{ c *sesv2.Client }

func (s ses) Send(ctx context.Context) error {
	_, err := s.c.SendEmail(ctx, &sesv2.SendEmailInput{})
	return err
}

// New returns the SES sender.
func New() Sender { return ses{c: sesv2.New(sesv2.Options{})} }
