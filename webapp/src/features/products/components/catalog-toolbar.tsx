import { useId, type FormEvent } from 'react'
import { Link } from 'react-router'
import { cx } from '@/lib/cx'
import { buttonClass } from '@/components/ui/button'
import { SORTS, type CategoryCount, type Sort } from '@/types/api'
import { MAX_SEARCH_LEN, queryString, SORT_LABELS, type CatalogQuery } from '../lib/catalog-query'

const href = (q: CatalogQuery) => {
  const s = queryString(q)
  return s ? `/?${s}` : '/'
}

/**
 * CatalogToolbar is the search box, the category chips and the sort. Each
 * choice is a URL (the chips are links), so the back button undoes it and
 * a view can be shared.
 */
export function CatalogToolbar({ query, categories, total, onChange }: {
  query: CatalogQuery
  categories: CategoryCount[]
  /** Products matching the search across every category. */
  total: number
  onChange: (q: CatalogQuery) => void
}) {
  const searchId = useId()
  const sortId = useId()

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    const q = new FormData(e.currentTarget).get('q')
    onChange({ ...query, q: typeof q === 'string' ? q.trim().replace(/\s+/g, ' ') : '' })
  }

  return (
    <div className="space-y-3">
      <div className="flex flex-col gap-3 sm:flex-row sm:items-end">
        <form role="search" aria-label="Deals" onSubmit={submit} className="flex min-w-0 flex-1 gap-2">
          <label htmlFor={searchId} className="sr-only">
            Search deals
          </label>
          <input
            // A new search from the URL (back button, a chip) resets the box.
            key={query.q}
            id={searchId}
            name="q"
            type="search"
            defaultValue={query.q}
            maxLength={MAX_SEARCH_LEN}
            enterKeyHint="search"
            placeholder="Search deals, brands, categories"
            className="min-w-0 flex-1 rounded-lg border border-slate-300 bg-white px-3 py-2.5 text-base text-slate-900 shadow-sm placeholder:text-slate-500"
          />
          <button type="submit" className={buttonClass('primary')}>
            Search
          </button>
        </form>
        <div className="flex items-center gap-2">
          <label htmlFor={sortId} className="shrink-0 text-sm font-medium text-slate-700">
            Sort by
          </label>
          <select
            id={sortId}
            value={query.sort}
            onChange={(e) => onChange({ ...query, sort: e.target.value as Sort })}
            className="w-full rounded-lg border border-slate-300 bg-white py-2.5 pr-8 pl-3 text-sm sm:w-auto"
          >
            {SORTS.map((s) => (
              <option key={s} value={s}>
                {SORT_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
      </div>
      <nav aria-label="Categories">
        {/* One row that scrolls sideways on phones, wrapping on wider screens. */}
        <ul className="-mx-3 flex gap-2 overflow-x-auto px-3 py-1 sm:mx-0 sm:flex-wrap sm:overflow-visible sm:px-0">
          <li>
            <Chip to={href({ ...query, category: '' })} current={query.category === ''} label="All" count={total} />
          </li>
          {categories.map((c) => (
            <li key={c.id}>
              <Chip to={href({ ...query, category: c.id })} current={query.category === c.id} label={c.name} count={c.count} />
            </li>
          ))}
        </ul>
      </nav>
    </div>
  )
}

function Chip({ to, current, label, count }: { to: string; current: boolean; label: string; count: number }) {
  return (
    <Link
      to={to}
      aria-current={current ? 'true' : undefined}
      className={cx(
        // relative: the hidden text stays inside the scrolling row, not past the page's edge.
        'relative inline-flex items-center rounded-full px-3 py-1.5 text-sm font-semibold whitespace-nowrap ring-1',
        current ? 'bg-blue-700 text-white ring-blue-700' : 'bg-white text-slate-800 ring-slate-300 hover:bg-slate-50',
      )}
    >
      {/* One inline run of text, so the name reads as the text does: "Fashion 7 deals". */}
      <span>
        {label}{' '}
        <span className={cx('text-xs', current ? 'text-blue-100' : 'text-slate-600')}>{count}</span>{' '}
        <span className="sr-only">{count === 1 ? 'deal' : 'deals'}</span>
      </span>
    </Link>
  )
}
