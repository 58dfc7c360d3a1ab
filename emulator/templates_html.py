"""The HTML of the emulator's sign-in page: self-contained (inline CSS, no scripts, no assets).

Every value that came from a request or the store is escaped here, in one place, so a
hostile `login_hint`, username or app name can never become markup.
"""

from __future__ import annotations

from html import escape

# Strict enough for a login form: no scripts at all, no framing (click-jacking), no base
# tag tricks. `form-action` is left out on purpose: browsers apply it to the redirect that
# follows the POST, and that redirect goes to the app's own origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'; base-uri 'none'"
)

PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
}

STYLE = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center;
  background: #f3f5f8; color: #1d2733; font: 16px/1.5 system-ui, -apple-system, "Segoe UI",
  Roboto, Helvetica, Arial, sans-serif; }
main { width: 100%; max-width: 26rem; margin: 1.5rem; padding: 2rem; background: #fff;
  border-radius: 12px; box-shadow: 0 2px 12px rgba(16, 24, 40, .12); }
.brand { margin: 0 0 .25rem; font-size: .875rem; font-weight: 600; letter-spacing: .04em;
  text-transform: uppercase; color: #0b5cad; }
h1 { margin: 0 0 .5rem; font-size: 1.5rem; line-height: 1.25; }
.app { margin: 0 0 1.5rem; color: #4a5768; }
.field { margin-bottom: 1rem; }
label { display: block; margin-bottom: .25rem; font-weight: 600; }
input[type=text], input[type=password] { width: 100%; padding: .625rem .75rem; font: inherit;
  color: inherit; border: 1px solid #8a96a8; border-radius: 6px; background: #fff; }
input[aria-invalid=true] { border-color: #b42318; }
input:focus, button:focus { outline: 3px solid #4c9ffe; outline-offset: 2px; }
.alert { margin: 0 0 1rem; padding: .75rem 1rem; border-radius: 6px; background: #fef3f2;
  color: #912018; border: 1px solid #fda29b; }
.actions { display: flex; gap: .75rem; margin-top: 1.5rem; }
button { flex: 1; padding: .625rem 1rem; font: inherit; font-weight: 600; border-radius: 6px;
  cursor: pointer; border: 1px solid transparent; }
.primary { background: #0b5cad; color: #fff; }
.primary:hover { background: #084a8c; }
.secondary { background: #fff; color: #1d2733; border-color: #8a96a8; }
.secondary:hover { background: #f3f5f8; }
.note { margin: 1.5rem 0 0; font-size: .875rem; color: #4a5768; }
"""


def _document(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def sign_in_page(
    *,
    action: str,
    request_id: str,
    app_name: str,
    username: str = "",
    error: str | None = None,
) -> str:
    """The credentials form of the authorization-code flow.

    The pending authorization request travels only as a hidden field; it is single-use
    and short-lived on the server, which is what stands in for a CSRF token here.
    """
    described = ' aria-describedby="sign-in-error" aria-invalid="true"' if error else ""
    alert = (
        f'<p class="alert" id="sign-in-error" role="alert">{escape(error)}</p>\n' if error else ""
    )
    autofocus_user = "" if username else " autofocus"
    autofocus_password = " autofocus" if username else ""
    body = (
        '<p class="brand">RingCentral</p>\n'
        "<h1>Sign in to RingCentral</h1>\n"
        f'<p class="app">to continue to <strong>{escape(app_name)}</strong></p>\n'
        f"{alert}"
        f'<form method="post" action="{escape(action)}" novalidate>\n'
        f'<input type="hidden" name="request" value="{escape(request_id)}">\n'
        '<div class="field">\n'
        '<label for="username">Email or phone number</label>\n'
        '<input type="text" id="username" name="username" autocomplete="username" '
        f'inputmode="email" spellcheck="false" autocapitalize="off" required '
        f'value="{escape(username)}"{described}{autofocus_user}>\n'
        "</div>\n"
        '<div class="field">\n'
        '<label for="password">Password</label>\n'
        '<input type="password" id="password" name="password" '
        f'autocomplete="current-password" required{described}{autofocus_password}>\n'
        "</div>\n"
        '<div class="actions">\n'
        # Sign in comes first: pressing Enter submits with the first submit button
        '<button type="submit" class="primary">Sign in</button>\n'
        '<button type="submit" class="secondary" name="cancel" value="1" formnovalidate>'
        "Cancel</button>\n"
        "</div>\n"
        "</form>\n"
        '<p class="note">Signing in lets this app use your RingCentral account '
        "with the permissions it was granted.</p>"
    )
    return _document("Sign in to RingCentral", body)


def problem_page(title: str, message: str) -> str:
    """An error the user must see rather than the app (no trusted place to send them back)."""
    body = (
        '<p class="brand">RingCentral</p>\n'
        f"<h1>{escape(title)}</h1>\n"
        f'<p class="alert" role="alert">{escape(message)}</p>\n'
        '<p class="note">Return to the application and start signing in again.</p>'
    )
    return _document(title, body)
