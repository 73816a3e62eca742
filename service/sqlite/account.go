package sqlite

import (
	"context"
	"database/sql"

	"github.com/flashscale/flashscale/service/shop"
)

const accountColumns = `id, shopper_id, email, name, password_hash, created_at`

// CreateAccount stores a new account; a registered email is ECONFLICT.
func (s *Store) CreateAccount(ctx context.Context, a shop.Account) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO accounts (`+accountColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
			a.ID, a.ShopperID, a.Email, a.Name, a.PasswordHash, fmtTime(a.CreatedAt))
		return err
	})
	err = translate(err, "")
	if shop.ErrorCode(err) == shop.ECONFLICT {
		return &shop.Error{Code: shop.ECONFLICT, Message: "An account with this email already exists.", Err: err}
	}
	return err
}

// AccountByEmail returns the account registered with email.
func (s *Store) AccountByEmail(ctx context.Context, email string) (shop.Account, error) {
	var a shop.Account
	var created string
	err := s.r.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE email = ?`, email).
		Scan(&a.ID, &a.ShopperID, &a.Email, &a.Name, &a.PasswordHash, &created)
	if err == nil {
		a.CreatedAt, err = parseTime(created)
	}
	if err != nil {
		return shop.Account{}, translate(err, "Account not found.")
	}
	return a, nil
}
