// Wire types of the FlashScale API (README.md). Money is always an
// integer number of paise.

export interface Product {
  id: string
  name: string
  description: string
  /** One of the listing's categories' ids; '' for a product without one. */
  category: string
  imageUrl: string
  price: number
  mrp: number
  currency: string
  stock: number
  saleStartsAt?: string
  saleEndsAt?: string
  maxPerShopper?: number
}

/** A product as GET /api/products/:id shows it to this shopper. */
export interface ProductDetail extends Product {
  /** How many more this shopper may buy of a capped product. */
  remainingForShopper?: number
}

export interface CategoryCount {
  id: string
  name: string
  count: number
}

/** The body of GET /api/products. */
export interface Listing {
  products: Product[]
  categories: CategoryCount[]
}

export const SORTS = ['featured', 'discount', 'price_asc', 'price_desc'] as const
export type Sort = (typeof SORTS)[number]

export interface LineRequest {
  productId: string
  quantity: number
}

export type UnavailableReason = 'not_found' | 'sold_out' | 'insufficient_stock' | 'sale_not_active' | 'purchase_limit'

export interface QuoteLine {
  productId: string
  name?: string
  quantity: number
  unitPrice: number
  mrp: number
  lineTotal: number
  stock: number
  available: boolean
  reason?: UnavailableReason
  remainingForShopper?: number
}

export interface Quote {
  lines: QuoteLine[]
  total: number
  currency: string
  available: boolean
}

/** What the checkout form sends: a structured Indian address. */
export interface Customer {
  name: string
  email: string
  phone: string
  addressLine1: string
  addressLine2: string
  city: string
  state: string
  pinCode: string
}

/**
 * A customer as an order carries it. address is the whole address as one
 * text; orders placed before structured addresses have only that.
 */
export interface OrderCustomer extends Partial<Customer> {
  name: string
  email: string
  phone: string
  address: string
}

export const PAY_ON_DELIVERY = 'pay_on_delivery'

export interface CheckoutRequest {
  items: LineRequest[]
  /** address is the one-text form too, for a server of the previous release. */
  customer: Customer & { address: string }
  paymentMethod: typeof PAY_ON_DELIVERY
}

export const ORDER_STATUSES = ['Processing', 'Shipped', 'Out for Delivery', 'Delivered'] as const
export type OrderStatus = (typeof ORDER_STATUSES)[number]

export interface OrderItem {
  productId: string
  name: string
  unitPrice: number
  quantity: number
  lineTotal: number
}

export interface StatusChange {
  status: OrderStatus
  at: string
}

export interface Order {
  id: string
  items: OrderItem[]
  total: number
  currency: string
  customer: OrderCustomer
  /** Absent on orders placed before it was recorded. */
  paymentMethod?: string
  status: OrderStatus
  history: StatusChange[]
  createdAt: string
}

export interface OrdersPage {
  orders: Order[]
  nextCursor?: string
}

/** A shopper's account as the API shows it (never the password). */
export interface Account {
  email: string
  name: string
}

/** The body of GET /api/session: null for a guest. */
export interface SessionBody {
  account: Account | null
}

export interface BuildInfo {
  version: string
  color: string
  buildTime: string
  commit: string
}

export interface Health {
  status: string
  store: string
  color: string
  version: string
  uptimeSeconds: number
}
