"""Offline QuickBooks Online sandbox: a strict, stateful HTTP emulator of the QBO v3 Accounting API and
Intuit OAuth 2.0. Standard library only; nothing here imports frappe.

    from qbo_connector.sandbox import Sandbox
    sb = Sandbox(seed=None, limits="off", time_scale=1.0).start()
    tokens = sb.issue_tokens(sb.realm_ids[0])
    ...
    sb.stop()

Endpoints (all under sb.url):
  /.well-known/openid_configuration   discovery document (intuit-oauth: environment=sb.discovery_url)
  /connect/oauth2                     consent page (GET) and its form (POST): redirects with code/state/realmId
  /oauth2/v1/tokens/bearer            token endpoint (authorization_code, refresh_token; Basic client auth)
  /oauth2/v1/tokens/revoke            revoke a token family (JSON {"token": ...}; Basic client auth)
  /v3/company/{realm}/...             query, {entity}[/{id}], batch, cdc, companyinfo/{realm}, preferences
  /_sandbox/...                       test control API (see control.py and seeds/README.md)
  /app/invoice?txnId=N (creditmemo, payment; customerdetail?nameId=N)   read-only HTML record pages, the
                                      targets of "View in QuickBooks" (pages.py; `realm=` picks the company)
"""

from qbo_connector.sandbox.seed import SeedError
from qbo_connector.sandbox.server import Sandbox

__all__ = ["Sandbox", "SeedError"]
