// GOV.UK Frontend's inline <body> snippet, as a file because CSP forbids inline
// script. Load it as the first thing in <body>, without defer or async.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '')
