package localstack

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// lambdaTimeout bounds one invocation; Cognito itself gives triggers 5 s,
// but a local debugger session should not make cognito-local give up.
const lambdaTimeout = 30 * time.Second

// invokeEndpoint serves the part of the AWS Lambda REST API that
// cognito-local's Lambda client uses:
// POST /2015-03-31/functions/{name}/invocations.
type invokeEndpoint struct {
	region string
	funcs  func() *Functions
	log    *slog.Logger
}

// invokeError is the payload of a function error, as the Lambda service
// returns it with X-Amz-Function-Error: Unhandled.
type invokeError struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
}

func (e *invokeEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, ok := functionName(r.URL.Path)
	if !ok || r.Method != http.MethodPost {
		lambdaServiceError(w, http.StatusNotFound, "UnknownOperationException", "Unknown operation "+r.Method+" "+r.URL.Path)
		return
	}
	f := e.funcs()
	if f == nil {
		lambdaServiceError(w, http.StatusServiceUnavailable, "ServiceException", "the local stack is still starting")
		return
	}
	h := f.Invoke[name]
	if h == nil {
		lambdaServiceError(w, http.StatusNotFound, "ResourceNotFoundException",
			fmt.Sprintf("Function not found: arn:aws:lambda:%s:%s:function:%s", e.region, localAccountID, name))
		return
	}
	payload, err := io.ReadAll(io.LimitReader(r.Body, 6<<20+1))
	if err != nil || len(payload) > 6<<20 {
		lambdaServiceError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", "Request must be smaller than 6291456 bytes for the InvokeFunction operation")
		return
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	if !json.Valid(payload) {
		lambdaServiceError(w, http.StatusBadRequest, "InvalidRequestContentException", "Could not parse request body into json")
		return
	}
	reqID := newUUID()
	ctx := lambdacontext.NewContext(context.WithoutCancel(r.Context()), &lambdacontext.LambdaContext{
		AwsRequestID:       reqID,
		InvokedFunctionArn: fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", e.region, localAccountID, name),
	})

	switch r.Header.Get("X-Amz-Invocation-Type") {
	case "DryRun":
		w.WriteHeader(http.StatusNoContent)
		return
	case "Event":
		go func() {
			if _, err := callInvoke(ctx, h, payload); err != nil {
				e.log.Error("async invocation failed", "function", name, "requestId", reqID, "error", err)
			}
		}()
		w.Header().Set("X-Amz-Request-Id", reqID)
		w.WriteHeader(http.StatusAccepted)
		return
	}

	out, err := callInvoke(ctx, h, payload)
	w.Header().Set("X-Amz-Request-Id", reqID)
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		// A function error is a successful Invoke call: status 200 and the
		// error in the payload, flagged by X-Amz-Function-Error. cognito-local
		// turns it into UserLambdaValidationException for the Cognito call.
		e.log.Info("function returned an error", "function", name, "requestId", reqID, "error", err)
		b, _ := json.Marshal(invokeError{ErrorMessage: err.Error(), ErrorType: errorType(err)})
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b)
		return
	}
	if len(out) == 0 {
		out = []byte("null")
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

// callInvoke runs a handler with the Lambda timeout; a panic is a function
// error, as the Go runtime reports it.
func callInvoke(ctx context.Context, h InvokeHandler, payload []byte) (out json.RawMessage, err error) {
	ctx, cancel := context.WithTimeout(ctx, lambdaTimeout)
	defer cancel()
	err = runRecovered(ctx, func(ctx context.Context) error {
		var herr error
		out, herr = h(ctx, json.RawMessage(payload))
		return herr
	})
	if err == nil && len(out) > 0 && !json.Valid(out) {
		return nil, fmt.Errorf("function returned invalid JSON")
	}
	return out, err
}

// functionName extracts {name} from /2015-03-31/functions/{name}/invocations;
// the name may also be given as an ARN or name:qualifier.
func functionName(path string) (string, bool) {
	const prefix, suffix = "/2015-03-31/functions/", "/invocations"
	if !strings.HasPrefix(path, prefix) || !strings.HasSuffix(path, suffix) {
		return "", false
	}
	name := strings.TrimSuffix(strings.TrimPrefix(path, prefix), suffix)
	if name == "" || strings.Contains(name, "/") {
		return "", false
	}
	if i := strings.LastIndex(name, ":function:"); i >= 0 {
		name = name[i+len(":function:"):]
	}
	if i := strings.Index(name, ":"); i >= 0 {
		name = name[:i]
	}
	return name, true
}

// lambdaServiceError answers an error of the Lambda service itself (not of
// the function), the way the REST API does.
func lambdaServiceError(w http.ResponseWriter, status int, typ, msg string) {
	b, _ := json.Marshal(map[string]string{"Type": "User", "message": msg})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", typ)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// errorType names an error as the Go Lambda runtime does: its type's name.
func errorType(err error) string {
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Name() == "" {
		return "error"
	}
	return t.Name()
}

// newUUID makes a random (version 4) UUID, the shape of Lambda request ids.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
