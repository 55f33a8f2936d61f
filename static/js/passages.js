// Passage suggestions: selecting words in a clause's text offers "Suggest a change" and
// "Comment on this". Both are plain links to the no-JavaScript forms, with the selected words
// and a little text either side as ?quote=&prefix=&suffix= (the server finds the passage).
// Loaded as <script type="module"> on the clause page; no inline script (CSP).

const CONTEXT = 32
const text = document.getElementById('clause-text')

// The text of a range without the passage count markers ("2 suggestions or comments").
function plain (range) {
  const holder = document.createElement('div')
  holder.appendChild(range.cloneContents())
  holder.querySelectorAll('.app-passage-count').forEach((marker) => marker.remove())
  return holder.textContent
}

function link (label, base, params) {
  const a = document.createElement('a')
  a.className = 'govuk-button govuk-button--secondary govuk-!-margin-bottom-0'
  a.textContent = label
  a.href = base + '?' + new URLSearchParams(params).toString()
  return a
}

if (text && (text.dataset.suggestUrl || text.dataset.commentUrl)) {
  const bar = document.createElement('div')
  bar.className = 'govuk-button-group app-passage-bar'
  bar.id = 'passage-bar'
  bar.hidden = true
  bar.setAttribute('role', 'group')
  bar.setAttribute('aria-label', 'The words you selected')
  text.insertAdjacentElement('afterend', bar)

  const offer = () => {
    const selection = window.getSelection()
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) {
      return
    }
    const range = selection.getRangeAt(0)
    if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) {
      return
    }
    const quote = plain(range).trim()
    if (!quote) {
      return
    }
    const before = document.createRange()
    before.selectNodeContents(text)
    before.setEnd(range.startContainer, range.startOffset)
    const after = document.createRange()
    after.selectNodeContents(text)
    after.setStart(range.endContainer, range.endOffset)
    const params = {
      quote,
      prefix: plain(before).slice(-CONTEXT),
      suffix: plain(after).slice(0, CONTEXT)
    }
    bar.replaceChildren()
    if (text.dataset.suggestUrl) {
      bar.appendChild(link('Suggest a change', text.dataset.suggestUrl, params))
    }
    if (text.dataset.commentUrl) {
      bar.appendChild(link('Comment on this', text.dataset.commentUrl, params))
    }
    bar.hidden = false
  }

  text.addEventListener('mouseup', offer)
  text.addEventListener('keyup', offer)
  text.addEventListener('touchend', offer)
}
