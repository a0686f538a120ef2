package localstack

import (
	"net/http"
	"strings"

	"github.com/gatehouse-dev/gatehouse/shared/dynamo/dynamotest"
)

// countDynamoDB returns h counting every DynamoDB call that reaches the
// stack's in-process minidyn into s.DynamoDBCalls, by operation, whoever
// makes it: the authorizer, the functions, the triggers. Each HTTP request
// is one round trip, so SDK retries count too. The round-trips test and
// make bench read it.
func (s *Stack) countDynamoDB(h http.Handler) http.Handler {
	s.DynamoDBCalls = dynamotest.NewCallCounter()
	c := s.DynamoDBCalls
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// X-Amz-Target: DynamoDB_20120810.<Operation>
		target := r.Header.Get("X-Amz-Target")
		c.Add(target[strings.LastIndexByte(target, '.')+1:])
		h.ServeHTTP(w, r)
	})
}
