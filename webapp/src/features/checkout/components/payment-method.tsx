import { useId } from 'react'

/** PaymentMethod states the one way to pay: on delivery, in cash or by UPI. */
export function PaymentMethod() {
  const id = useId()
  return (
    <section aria-labelledby={id} className="rounded-2xl bg-white p-5 ring-1 ring-slate-200 sm:p-6">
      <h2 id={id} className="text-lg font-semibold">
        Payment
      </h2>
      <p className="mt-2 font-medium text-slate-900">Pay on delivery: cash or UPI</p>
      <p className="mt-1 text-sm text-slate-700">
        Nothing is charged now. Pay the courier when your order arrives, in cash or with any UPI app.
      </p>
    </section>
  )
}
