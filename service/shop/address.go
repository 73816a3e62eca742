package shop

import (
	"regexp"
	"strings"
)

// The shop delivers in India only. A delivery address is structured the
// way Indian couriers read it: address lines, city, state or union
// territory, and the 6-digit PIN code. The web shop checks the same rules
// (webapp/src/features/checkout/lib/validation.ts) with the same list of
// states (webapp/src/features/checkout/lib/states.json, kept equal to
// States by TestStatesMatchTheWebShop).

// State is a state or union territory with the first digits of its PIN
// codes. India Post's first PIN digit names a postal region (1 north … 8
// Bihar and Jharkhand; 9 is the Army Post Office); a PIN that starts
// outside the state's region is a typo in one or the other.
type State struct {
	Name string `json:"name"`
	// PinZones are the first PIN digits used in the state.
	PinZones string `json:"pinZones"`
	// UnionTerritory is true for the eight union territories.
	UnionTerritory bool `json:"unionTerritory,omitempty"`
}

var states = []State{
	{Name: "Andaman and Nicobar Islands", PinZones: "7", UnionTerritory: true},
	{Name: "Andhra Pradesh", PinZones: "5"},
	{Name: "Arunachal Pradesh", PinZones: "7"},
	{Name: "Assam", PinZones: "7"},
	{Name: "Bihar", PinZones: "8"},
	{Name: "Chandigarh", PinZones: "1", UnionTerritory: true},
	{Name: "Chhattisgarh", PinZones: "4"},
	{Name: "Dadra and Nagar Haveli and Daman and Diu", PinZones: "3", UnionTerritory: true},
	{Name: "Delhi", PinZones: "1", UnionTerritory: true},
	{Name: "Goa", PinZones: "4"},
	{Name: "Gujarat", PinZones: "3"},
	{Name: "Haryana", PinZones: "1"},
	{Name: "Himachal Pradesh", PinZones: "1"},
	{Name: "Jammu and Kashmir", PinZones: "1", UnionTerritory: true},
	{Name: "Jharkhand", PinZones: "8"},
	{Name: "Karnataka", PinZones: "5"},
	{Name: "Kerala", PinZones: "6"},
	{Name: "Ladakh", PinZones: "1", UnionTerritory: true},
	{Name: "Lakshadweep", PinZones: "6", UnionTerritory: true},
	{Name: "Madhya Pradesh", PinZones: "4"},
	{Name: "Maharashtra", PinZones: "4"},
	{Name: "Manipur", PinZones: "7"},
	{Name: "Meghalaya", PinZones: "7"},
	{Name: "Mizoram", PinZones: "7"},
	{Name: "Nagaland", PinZones: "7"},
	{Name: "Odisha", PinZones: "7"},
	// Puducherry's districts lie in three states: Yanam (533) in Andhra
	// Pradesh's region, Puducherry, Karaikal and Mahe in region 6.
	{Name: "Puducherry", PinZones: "56", UnionTerritory: true},
	{Name: "Punjab", PinZones: "1"},
	{Name: "Rajasthan", PinZones: "3"},
	{Name: "Sikkim", PinZones: "7"},
	{Name: "Tamil Nadu", PinZones: "6"},
	{Name: "Telangana", PinZones: "5"},
	{Name: "Tripura", PinZones: "7"},
	{Name: "Uttar Pradesh", PinZones: "2"},
	{Name: "Uttarakhand", PinZones: "2"},
	{Name: "West Bengal", PinZones: "7"},
}

// States returns the 28 states and 8 union territories, by name.
func States() []State { return append([]State(nil), states...) }

func stateByName(name string) (State, bool) {
	for _, s := range states {
		if s.Name == name {
			return s, true
		}
	}
	return State{}, false
}

var (
	pinRegex = regexp.MustCompile(`^[1-9][0-9]{5}$`)
	// An Indian mobile number: 10 digits starting 6–9, optionally after
	// +91, 91 or a trunk 0; spaces and dashes are removed first.
	mobileRegex = regexp.MustCompile(`^(?:\+91|91|0)?[6-9][0-9]{9}$`)
)

// ValidPIN reports whether pin is a 6-digit PIN code (no PIN starts with 0).
func ValidPIN(pin string) bool { return pinRegex.MatchString(pin) }

// PINInState reports whether pin's postal region belongs to state; false
// for an unknown state.
func PINInState(pin, state string) bool {
	st, ok := stateByName(state)
	return ok && pin != "" && strings.ContainsRune(st.PinZones, rune(pin[0]))
}

// ValidMobile reports whether s is an Indian mobile number.
func ValidMobile(s string) bool {
	return mobileRegex.MatchString(strings.NewReplacer(" ", "", "-", "").Replace(s))
}

// Structured reports whether the customer carries a structured address
// (any of its parts); otherwise it is a legacy one-text address.
func (c Customer) Structured() bool {
	return c.AddressLine1 != "" || c.AddressLine2 != "" || c.City != "" || c.State != "" || c.PinCode != ""
}

// FormatAddress renders a structured address the way a parcel label shows
// it: one line per address line, then "City, State PIN".
func (c Customer) FormatAddress() string {
	lines := []string{c.AddressLine1}
	if c.AddressLine2 != "" {
		lines = append(lines, c.AddressLine2)
	}
	return strings.Join(append(lines, c.City+", "+c.State+" "+c.PinCode), "\n")
}
