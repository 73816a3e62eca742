package mail

import (
	"bytes"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/flashscale/flashscale/service/shop"
)

// Rendered is a confirmation email's content.
type Rendered struct {
	Subject, Text, HTML string
}

// ist is India Standard Time, the shop's clock for shoppers. A fixed zone
// rather than time.LoadLocation: the image carries no time zone database,
// and India has no daylight saving time.
var ist = time.FixedZone("IST", 5*3600+1800)

// Render writes the confirmation of o: the order number, every line with
// its quantity, unit price and amount, the total, how it is paid and where
// it goes. Amounts are formatted as the web shop formats them
// (webapp/src/lib/format.ts).
func Render(o shop.Order) Rendered {
	d := view{Order: o, Placed: o.CreatedAt.In(ist).Format("2 Jan 2006, 3:04 PM MST"), Total: Money(o.Total)}
	for _, it := range o.Items {
		d.Lines = append(d.Lines, line{Name: it.Name, Quantity: it.Quantity, Price: Money(it.UnitPrice), Amount: Money(it.LineTotal)})
	}
	if o.PaymentMethod == shop.PaymentOnDelivery || o.PaymentMethod == "" {
		d.Payment = "Pay on delivery (cash or UPI to the courier)"
	} else {
		d.Payment = o.PaymentMethod
	}
	var text strings.Builder
	fmt.Fprintf(&text, "Hello %s,\n\nThank you for shopping at FlashScale. Your order is confirmed.\n\n", o.Customer.Name)
	fmt.Fprintf(&text, "Order number: %s\nPlaced on: %s\n\n", o.ID, d.Placed)
	for _, l := range d.Lines {
		fmt.Fprintf(&text, "- %s: %d × %s = %s\n", l.Name, l.Quantity, l.Price, l.Amount)
	}
	fmt.Fprintf(&text, "\nTotal: %s\nPayment: %s\n\nDelivering to:\n%s\n%s\n%s\n\n", d.Total, d.Payment,
		o.Customer.Name, o.Customer.Address, o.Customer.Phone)
	text.WriteString("Keep this email: quote the order number if you contact us.\n\nFlashScale\n")

	var html bytes.Buffer
	if err := htmlBody.Execute(&html, d); err != nil {
		panic(err) // the template is fixed and its data always fits it
	}
	return Rendered{Subject: "Your FlashScale order " + o.ID + " is confirmed", Text: text.String(), HTML: html.String()}
}

type view struct {
	shop.Order
	Placed, Total, Payment string
	Lines                  []line
}

type line struct {
	Name          string
	Quantity      int
	Price, Amount string
}

// html/template escapes every value: names and addresses are shopper text.
var htmlBody = template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Order {{.ID}}</title></head>
<body style="font-family:sans-serif;color:#111">
<p>Hello {{.Customer.Name}},</p>
<p>Thank you for shopping at FlashScale. Your order is confirmed.</p>
<p>Order number: <strong>{{.ID}}</strong><br>Placed on: {{.Placed}}</p>
<table cellpadding="6" style="border-collapse:collapse">
<thead><tr><th align="left">Item</th><th align="right">Qty</th><th align="right">Price</th><th align="right">Amount</th></tr></thead>
<tbody>{{range .Lines}}
<tr><td>{{.Name}}</td><td align="right">{{.Quantity}}</td><td align="right">{{.Price}}</td><td align="right">{{.Amount}}</td></tr>{{end}}
</tbody>
<tfoot><tr><th align="left" colspan="3">Total</th><th align="right">{{.Total}}</th></tr></tfoot>
</table>
<p>Payment: {{.Payment}}</p>
<p>Delivering to:<br>{{.Customer.Name}}<br>{{.Customer.Address}}<br>{{.Customer.Phone}}</p>
<p>Keep this email: quote the order number if you contact us.</p>
<p>FlashScale</p>
</body></html>
`))

// Money formats an amount in paise the way the web shop does (Intl
// en-IN): lakh grouping, rupees alone when whole. 11000000 is ₹1,10,000;
// 109950 is ₹1,099.50.
func Money(paise int64) string {
	sign := ""
	if paise < 0 {
		sign, paise = "-", -paise
	}
	rupees, rest := paise/100, paise%100
	s := strconv.FormatInt(rupees, 10)
	if len(s) > 3 {
		head, tail := s[:len(s)-3], s[len(s)-3:]
		var groups []string
		for len(head) > 2 {
			groups = append([]string{head[len(head)-2:]}, groups...)
			head = head[:len(head)-2]
		}
		s = strings.Join(append(append([]string{head}, groups...), tail), ",")
	}
	if rest != 0 {
		s += fmt.Sprintf(".%02d", rest)
	}
	return sign + "₹" + s
}
