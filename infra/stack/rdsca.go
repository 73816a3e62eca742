package stack

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// The RDS certificate authorities are not in public trust stores, so
// `sslmode=verify-full` needs AWS's bundle for the region. The program
// fetches it once per run from AWS's trust store (the machine running
// `pulumi up` reaches AWS anyway) and mounts it into the pods from a
// ConfigMap: a bundle AWS rotates reaches the pods with the next `pulumi up`,
// without an image rebuild.
const (
	// DatabaseCAPath is where the pods find the bundle (sslrootcert).
	DatabaseCAPath   = "/etc/flashscale/database-ca/ca.pem"
	databaseCADir    = "/etc/flashscale/database-ca"
	databaseCAConfig = "flashscale-database-ca"
	maxCABundleBytes = 512 * 1024
)

// rdsCABundleURL is AWS's regional RDS bundle.
func rdsCABundleURL(region string) string {
	return "https://truststore.pki.rds.amazonaws.com/" + region + "/" + region + "-bundle.pem"
}

// fetchRDSCABundle is replaced in tests (the mocks reach no network).
var fetchRDSCABundle = func(ctx context.Context, region string) (string, error) {
	return fetchCABundle(ctx, http.DefaultClient, rdsCABundleURL(region))
}

// fetchCABundle downloads a PEM bundle and keeps it only if every block is a
// CA certificate of Amazon RDS.
func fetchCABundle(ctx context.Context, client *http.Client, url string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("fetching the RDS CA bundle %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("fetching the RDS CA bundle %s: HTTP %d", url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxCABundleBytes+1))
	if err != nil {
		return "", fmt.Errorf("fetching the RDS CA bundle %s: %w", url, err)
	}
	if len(body) > maxCABundleBytes {
		return "", fmt.Errorf("the RDS CA bundle %s is larger than %d bytes", url, maxCABundleBytes)
	}
	if err := checkRDSCABundle(body); err != nil {
		return "", fmt.Errorf("the RDS CA bundle %s: %w", url, err)
	}
	return string(body), nil
}

func checkRDSCABundle(data []byte) error {
	n := 0
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			if strings.TrimSpace(string(rest)) != "" {
				return errors.New("has data that is not PEM")
			}
			break
		}
		if block.Type != "CERTIFICATE" {
			return fmt.Errorf("has a %s block", block.Type)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return err
		}
		if !cert.IsCA || !strings.Contains(cert.Subject.String(), "Amazon RDS") {
			return fmt.Errorf("holds %q, not an Amazon RDS certificate authority", cert.Subject)
		}
		n++
	}
	if n == 0 {
		return errors.New("has no certificate")
	}
	return nil
}
