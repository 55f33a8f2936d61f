// Accord front end: GOV.UK Frontend set-up and htmx glue.
// Loaded as <script type="module"> after htmx; no inline script or eval (CSP).
import {
  Accordion,
  Button,
  CharacterCount,
  Checkboxes,
  ErrorSummary,
  ExitThisPage,
  FileUpload,
  NotificationBanner,
  PasswordInput,
  Radios,
  ServiceNavigation,
  SkipLink,
  Tabs,
  isSupported
} from './govuk-frontend.min.js'

// The components that initAll() creates, in the same order.
const components = [
  Accordion,
  Button,
  CharacterCount,
  Checkboxes,
  ErrorSummary,
  ExitThisPage,
  FileUpload,
  NotificationBanner,
  PasswordInput,
  Radios,
  ServiceNavigation,
  SkipLink,
  Tabs
]

// initAll() and createAll() only search below their scope, and a component
// throws if its root is initialised twice, so this also checks the scope
// itself (an hx-swap="outerHTML" root) and skips roots already marked
// data-<module>-init.
function initComponents (scope) {
  if (!isSupported()) return
  for (const Component of components) {
    const name = Component.moduleName
    const selector = `[data-module="${name}"]:not([data-${name}-init])`
    const roots = Array.from(scope.querySelectorAll(selector))
    if (scope.matches(selector)) roots.unshift(scope)
    for (const root of roots) {
      try {
        new Component(root) // eslint-disable-line no-new
      } catch (error) {
        console.error(error)
      }
    }
  }
}

// After a swap, move focus to [data-app-focus] in the new content, unless
// something in it already took focus: an error summary or role="alert"
// notification banner focuses itself on init, and htmx handles [autofocus].
// htmx fires htmx:load for each top-level element of a swap within one task,
// so they are collected and looked at together in a microtask.
let swapped = []

function focusAfterSwap (scope) {
  if (swapped.push(scope) === 1) queueMicrotask(focusMarked)
}

function focusMarked () {
  const scopes = swapped
  swapped = []
  if (scopes.some((scope) => scope.contains(document.activeElement))) return

  const marker = '[data-app-focus]'
  const target = scopes
    .map((scope) => (scope.matches(marker) ? scope : scope.querySelector(marker)))
    .find(Boolean)
  if (target) focus(target)
}

function focus (target) {
  if (!target.hasAttribute('tabindex') && target.tabIndex < 0) {
    target.setAttribute('tabindex', '-1')
    target.addEventListener('blur', () => target.removeAttribute('tabindex'), { once: true })
  }
  target.focus()
}

initComponents(document.body)

// Relative times ("5 minutes ago") stay true on an open page: every 30 seconds each
// <time data-ago> is written again in the server's words (time_ago in
// app/templating.py: change both together), by the server's clock as the page
// was loaded (<meta name="server-time">), so a computer's wrong clock changes
// nothing. Past 30 days the server writes the date (in London), and so does this.
const serverTime = Date.parse(document.querySelector('meta[name="server-time"]')?.content ?? '')
const clockSkew = Number.isNaN(serverTime) ? 0 : serverTime - Date.now()
const agoUnits = [['day', 86400], ['hour', 3600], ['minute', 60]]
const londonDate = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London', day: 'numeric', month: 'long', year: 'numeric'
})

function ago (value, now) {
  const seconds = Math.floor((now - value) / 1000)
  for (const [unit, size] of agoUnits) {
    if (seconds >= size) {
      const count = Math.floor(seconds / size)
      if (unit === 'day' && count > 30) return londonDate.format(value)
      return `${count} ${unit}${count !== 1 ? 's' : ''} ago`
    }
  }
  return 'just now'
}

function refreshTimes () {
  const now = Date.now() + clockSkew
  for (const time of document.querySelectorAll('time[data-ago]')) {
    const value = Date.parse(time.dateTime)
    if (Number.isNaN(value)) continue
    const text = ago(value, now)
    if (time.textContent !== text) time.textContent = text
  }
}

setInterval(refreshTimes, 30000)

// htmx fires htmx:load once for the page (detail.elt is <body>, already
// initialised above) and then for each element it swaps in.
document.body.addEventListener('htmx:load', (event) => {
  const scope = event.detail.elt
  if (!(scope instanceof HTMLElement)) return
  initComponents(scope)
  if (scope !== document.body) focusAfterSwap(scope)
})

document.body.addEventListener('htmx:configRequest', (event) => {
  const token = document.querySelector('meta[name="csrf-token"]')?.content
  if (token) event.detail.headers['X-CSRFToken'] = token
})

// A search box that narrows a long list of checkboxes (the recommendations a
// discussion answers). Without JavaScript the box stays hidden and every
// checkbox shows; ticked boxes always stay visible.
function initFilters (scope) {
  for (const container of scope.querySelectorAll('[data-app-filter]:not([data-app-filter-init])')) {
    container.setAttribute('data-app-filter-init', '')
    const input = container.querySelector('[data-app-filter-input]')
    const count = container.querySelector('[data-app-filter-count]')
    const items = Array.from(container.querySelectorAll('.govuk-checkboxes__item'))
    if (!input || !items.length) continue
    input.closest('.app-js-only')?.removeAttribute('hidden')
    input.addEventListener('input', () => {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean)
      let shown = 0
      for (const item of items) {
        const text = item.textContent.toLowerCase()
        const ticked = item.querySelector('input')?.checked
        const match = ticked || words.every((word) => text.includes(word))
        item.hidden = !match
        if (match) shown++
      }
      if (count) count.textContent = words.length ? `${shown} of ${items.length} shown` : ''
    })
  }
}

initFilters(document.body)
document.body.addEventListener('htmx:load', (event) => {
  if (event.detail.elt instanceof HTMLElement) initFilters(event.detail.elt)
})

// Escape hides an open recommendation tip until the pointer or focus moves on.
document.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape') return
  for (const chip of document.querySelectorAll('.app-chip:hover, .app-chip:focus')) {
    chip.classList.add('app-chip--dismissed')
    const reset = () => chip.classList.remove('app-chip--dismissed')
    chip.addEventListener('blur', reset, { once: true })
    chip.addEventListener('mouseleave', reset, { once: true })
  }
})

// A swap may remove the element that holds focus: your own button, or the whole region when a
// live poll replaces the vote panel just after your vote. Focus then goes back to the element
// with the same id, or else to the nearest region around it that is still there (its
// [data-app-focus], else the heading that labels it, else the region itself), never to <body>.
// The ids are kept until a swap settles in the page: a swap whose content a live poll
// replaced before it settled fires its events on detached elements, which never reach here.
let focusedIds = null
const rememberFocus = () => {
  const active = document.activeElement
  if (!active || active === document.body) return
  focusedIds = []
  for (let node = active; node && node !== document.body; node = node.parentElement) {
    if (node.id) focusedIds.push(node.id)
  }
}
document.body.addEventListener('htmx:beforeSwap', rememberFocus)
document.body.addEventListener('htmx:oobBeforeSwap', rememberFocus)
document.body.addEventListener('htmx:afterSettle', () => {
  const ids = focusedIds
  focusedIds = null
  if (!ids) return
  // After focusMarked, which htmx:load queued before this: a marked target comes first.
  queueMicrotask(() => {
    const active = document.activeElement
    if (active && active !== document.body) return
    const same = document.getElementById(ids[0])
    if (same) return focus(same)
    const region = ids.slice(1).map((id) => document.getElementById(id)).find(Boolean)
    if (region) focus(regionFocus(region))
  })
})

function regionFocus (region) {
  const marked = region.querySelector('[data-app-focus]')
  if (marked) return marked
  const label = region.getAttribute('aria-labelledby')?.split(/\s+/)[0]
  return (label && document.getElementById(label)) || region
}
