import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { createQueryClient } from '@/lib/query-client'
import { seedInlineCatalog } from '@/features/products/api/get-products'
import { App } from './app/app'
import './index.css'

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root')
// The server put the current catalog in the page: the first screen needs
// no request to show the deals.
const client = createQueryClient()
seedInlineCatalog(client)
createRoot(root).render(
  <StrictMode>
    <App client={client} />
  </StrictMode>,
)
