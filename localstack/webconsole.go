package localstack

import (
	"encoding/json"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// webConsole serves the built web console (web/dist) at /console, as
// CloudFront does in AWS (infra/console.go), with its runtime configuration
// at /console/config.json made from the stack's Info. The links Gatehouse
// mails (PublicURL/invites/accept?token=, PublicURL/activate?token=) open
// the console too, which reads the token from the address.
type webConsole struct {
	dir  string
	info func() Info
}

func newWebConsole(dir string, info func() Info) *webConsole {
	return &webConsole{dir: dir, info: info}
}

// ConsoleConfig is the console's runtime configuration (config.json): where
// the API and Cognito are, and which sign-in flow to use. cognito-local has
// no SRP, so the local stack signs in with USER_PASSWORD_AUTH; the AWS
// deployment uses USER_SRP_AUTH.
type ConsoleConfig struct {
	APIURL          string `json:"apiUrl"`
	Region          string `json:"region"`
	UserPoolID      string `json:"userPoolId"`
	ClientID        string `json:"clientId"`
	CognitoEndpoint string `json:"cognitoEndpoint,omitempty"`
	AuthFlow        string `json:"authFlow"`
	Local           bool   `json:"local"`
}

// handles reports whether the console serves this request.
func (c *webConsole) handles(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	p := r.URL.Path
	return p == "/console" || strings.HasPrefix(p, "/console/") || p == "/invites/accept" || p == "/activate"
}

func (c *webConsole) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info := c.info()
	h := w.Header()
	// The console only talks to itself (the API is on this origin) and to
	// Cognito; it is never framed; the tokens in accept and activation
	// links must not leak through Referer.
	h.Set("Content-Security-Policy", "default-src 'self'; connect-src 'self' "+info.CognitoEndpoint+
		"; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")

	p := r.URL.Path
	switch {
	case p == "/console":
		http.Redirect(w, r, "/console/", http.StatusMovedPermanently)
		return
	case p == "/console/config.json":
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(ConsoleConfig{
			APIURL: info.APIURL, Region: info.Region, UserPoolID: info.UserPoolID, ClientID: info.ClientID,
			CognitoEndpoint: info.CognitoEndpoint, AuthFlow: "USER_PASSWORD_AUTH", Local: true,
		})
		return
	}
	rel := strings.TrimPrefix(path.Clean(strings.TrimPrefix(p, "/console")), "/")
	if strings.HasPrefix(p, "/console/") && rel != "" && rel != "." {
		file := filepath.Join(c.dir, filepath.FromSlash(rel))
		if st, err := os.Stat(file); err == nil && !st.IsDir() {
			if strings.HasPrefix(rel, "assets/") {
				h.Set("Cache-Control", "public, max-age=31536000, immutable") // hashed names
			}
			http.ServeFile(w, r, file)
			return
		}
		if strings.HasPrefix(rel, "assets/") || path.Ext(rel) != "" {
			http.NotFound(w, r)
			return
		}
	}
	index := filepath.Join(c.dir, "index.html")
	if _, err := os.Stat(index); err != nil {
		http.Error(w, "the console is not built: run make run (or npm run build in web/)", http.StatusNotFound)
		return
	}
	h.Set("Cache-Control", "no-cache")
	http.ServeFile(w, r, index)
}
