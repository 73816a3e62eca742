// Wire types of the FlashScale API (README.md). Money is always an
// integer number of paise.

export interface Product {
  id: string
  name: string
  description: string
  imageUrl: string
  price: number
  mrp: number
  currency: string
  stock: number
  saleStartsAt?: string
  saleEndsAt?: string
  maxPerShopper?: number
}

export interface LineRequest {
  productId: string
  quantity: number
}

export type UnavailableReason = 'not_found' | 'sold_out' | 'insufficient_stock' | 'sale_not_active'

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
}

export interface Quote {
  lines: QuoteLine[]
  total: number
  currency: string
  available: boolean
}

export interface Customer {
  name: string
  email: string
  phone: string
  address: string
}

export interface CheckoutRequest {
  items: LineRequest[]
  customer: Customer
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
  customer: Customer
  status: OrderStatus
  history: StatusChange[]
  createdAt: string
}

export interface OrdersPage {
  orders: Order[]
  nextCursor?: string
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
