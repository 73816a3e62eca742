import { formatMoney } from '@/lib/format'
import type { Order } from '@/types/api'

export function OrderItems({ order }: { order: Order }) {
  return (
    <div>
      <table className="w-full text-sm">
        <caption className="sr-only">Items in order {order.id}</caption>
        <thead>
          <tr className="border-b border-slate-200 text-left text-slate-600">
            <th scope="col" className="py-2 font-medium">Item</th>
            <th scope="col" className="py-2 text-right font-medium">Qty</th>
            <th scope="col" className="py-2 text-right font-medium">Price</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {order.items.map((it) => (
            <tr key={it.productId}>
              <td className="py-2 pr-2">{it.name}</td>
              <td className="py-2 text-right">{it.quantity}</td>
              <td className="py-2 text-right">{formatMoney(it.lineTotal)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr className="border-t border-slate-200 font-bold">
            <th scope="row" colSpan={2} className="py-2 text-left">Total</th>
            <td className="py-2 text-right">{formatMoney(order.total)}</td>
          </tr>
        </tfoot>
      </table>
    </div>
  )
}
