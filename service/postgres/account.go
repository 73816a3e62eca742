package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/flashscale/flashscale/service/shop"
)

const accountColumns = `id, shopper_id, email, name, password_hash, created_at`

// CreateAccount stores a new account; a registered email is ECONFLICT.
func (s *Store) CreateAccount(ctx context.Context, a shop.Account) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO accounts (`+accountColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		a.ID, a.ShopperID, a.Email, a.Name, a.PasswordHash, dbTime(a.CreatedAt))
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == pgUniqueViolation {
		return &shop.Error{Code: shop.ECONFLICT, Message: "An account with this email already exists.", Err: err}
	}
	return translate(err, "")
}

// AccountByEmail returns the account registered with email.
func (s *Store) AccountByEmail(ctx context.Context, email string) (shop.Account, error) {
	if !storable(email) {
		return shop.Account{}, shop.Errorf(shop.ENOTFOUND, "Account not found.")
	}
	var a shop.Account
	err := s.pool.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE email = $1`, email).
		Scan(&a.ID, &a.ShopperID, &a.Email, &a.Name, &a.PasswordHash, &a.CreatedAt)
	if err != nil {
		return shop.Account{}, translate(err, "Account not found.")
	}
	a.CreatedAt = a.CreatedAt.UTC()
	return a, nil
}
