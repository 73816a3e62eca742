package loadtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
)

// Product is a catalog entry as the API lists it.
type Product struct {
	ID            string `json:"id"`
	Stock         int    `json:"stock"`
	MaxPerShopper int    `json:"maxPerShopper"`
}

var adminClient = &http.Client{Timeout: 10 * time.Second}

func getJSON(ctx context.Context, u string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	res, err := adminClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", u, res.StatusCode, b)
	}
	return json.Unmarshal(b, into)
}

// ListProducts returns the catalog as GET /api/products serves it (which
// may lag the store by up to a second).
func ListProducts(ctx context.Context, baseURL string) ([]Product, error) {
	var body struct {
		Products []Product `json:"products"`
	}
	err := getJSON(ctx, baseURL+"/api/products", &body)
	return body.Products, err
}

// GetProduct reads one product from the store (current stock).
func GetProduct(ctx context.Context, baseURL, id string) (Product, error) {
	var body struct {
		Product Product `json:"product"`
	}
	err := getJSON(ctx, baseURL+"/api/products/"+url.PathEscape(id), &body)
	return body.Product, err
}

// SetStock sets a product's stock through the admin API.
func SetStock(ctx context.Context, baseURL, token, id string, stock int) error {
	return adminPut(ctx, baseURL, token, id, "stock", map[string]int{"stock": stock})
}

// SetLimit sets a product's per-shopper cap through the admin API; 0 is
// none.
func SetLimit(ctx context.Context, baseURL, token, id string, maxPerShopper int) error {
	return adminPut(ctx, baseURL, token, id, "limit", map[string]int{"maxPerShopper": maxPerShopper})
}

func adminPut(ctx context.Context, baseURL, token, id, what string, v any) error {
	body, _ := json.Marshal(v)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut,
		baseURL+"/api/admin/products/"+url.PathEscape(id)+"/"+what, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := adminClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		return fmt.Errorf("setting %s of %s: %d %s", what, id, res.StatusCode, b)
	}
	return nil
}

// Stock sets up the sale: every product gets stock units except the
// doorbuster (the first product listed), which gets hotStock so that it
// sells out during the run like a real sale's hot deal. It waits until the
// listing shows the new stock and returns the products with it.
func Stock(ctx context.Context, s *Server, stock, hotStock int) ([]Product, error) {
	products, err := ListProducts(ctx, s.URL)
	if err != nil {
		return nil, err
	}
	if len(products) == 0 {
		return nil, fmt.Errorf("the catalog at %s is empty", s.URL)
	}
	for i := range products {
		products[i].Stock = stock
		if i == 0 {
			products[i].Stock = hotStock
		}
		if err := SetStock(ctx, s.URL, s.AdminToken, products[i].ID, products[i].Stock); err != nil {
			return nil, err
		}
	}
	// The listing is served from memory and refreshed every second.
	deadline := time.Now().Add(5 * time.Second)
	for {
		listed, err := ListProducts(ctx, s.URL)
		if err != nil {
			return nil, err
		}
		if sameStock(listed, products) {
			return products, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the listing did not show the new stock within 5s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func sameStock(a, b []Product) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID || a[i].Stock != b[i].Stock {
			return false
		}
	}
	return true
}

// TempDatabase creates a throwaway PostgreSQL database on the server that
// adminURL points at and returns its URL and a function that drops it.
func TempDatabase(ctx context.Context, adminURL string) (dbURL string, drop func(context.Context) error, err error) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "flashscale_load_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("creating database %s: %w", name, err)
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	drop = func(ctx context.Context) error {
		c, err := pgx.Connect(ctx, adminURL)
		if err != nil {
			return err
		}
		defer c.Close(ctx)
		// FORCE: a killed server may leave connections behind.
		_, err = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		return err
	}
	return u.String(), drop, nil
}
