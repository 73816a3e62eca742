package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// RouteAccounts is the registration every shopper makes before the sale.
// It is reported apart from the sale's routes (Result.SignUp): it runs
// before the sale starts, and one argon2id hash per shopper is what it
// costs, by design.
const RouteAccounts = "POST /api/accounts"

// sessionCookie is the service's session cookie (service/http.SessionCookie).
const sessionCookie = "fs_session"

// shopperPassword is every load shopper's password: 8+ characters, as the
// service requires; accounts differ by email.
const shopperPassword = "load shopper password"

// clientAddress is the address shopper n claims in X-Forwarded-For. The
// servers the load tools start trust loopback as a proxy
// (FLASHSCALE_TRUSTED_PROXIES), so the per-address sign-in limit sees
// shoppers on networks of their own, as on sale day, instead of 5000
// sign-ins from 127.0.0.1. A server that trusts no proxy ignores it.
func clientAddress(n int) string {
	return fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255)
}

// registerAccount creates an account for email and returns its session
// token (the fs_session cookie the 201 sets), or the reply's status and
// error code when it did not get one.
func registerAccount(ctx context.Context, client *http.Client, baseURL, email, name, addr string) (token string, r *reply, err error) {
	body, _ := json.Marshal(map[string]string{"email": email, "password": shopperPassword, "name": name})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/api/accounts", bytes.NewReader(body))
	if err != nil {
		return "", nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", addr)
	res, err := client.Do(req)
	if err != nil {
		return "", nil, err
	}
	defer res.Body.Close()
	r = &reply{status: res.StatusCode, header: res.Header}
	if r.body, err = io.ReadAll(res.Body); err != nil {
		return "", r, err
	}
	for _, c := range res.Cookies() {
		if c.Name == sessionCookie && c.Value != "" {
			token = c.Value
		}
	}
	return token, r, nil
}
