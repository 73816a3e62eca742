// The server checks email addresses with go-playground/validator's email
// rule; the shop checks them the same way so that a shopper hears about a
// typo at once, and never rejects an address the server would take.

// The dot-atom form of that rule: the domain needs a dot and a TLD that
// starts and ends with a letter.
const U = '\\u00A0-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFEF'
const ATEXT = `[a-zA-Z\\d!#$%&'*+\\-/=?^_\`{|}~${U}]`
const LABEL = `(?:[a-zA-Z\\d${U}]|[a-zA-Z\\d${U}][a-zA-Z\\d\\-.~${U}]*[a-zA-Z\\d${U}])`
const TLD = `(?:[a-zA-Z${U}]|[a-zA-Z${U}][a-zA-Z\\d\\-.~${U}]*[a-zA-Z${U}])`
const EMAIL = new RegExp(`^${ATEXT}+(?:\\.${ATEXT}+)*@(?:${LABEL}\\.)+${TLD}\\.?$`)

export function isEmail(v: string): boolean {
  return EMAIL.test(v)
}
