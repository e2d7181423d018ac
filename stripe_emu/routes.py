"""The route table: every endpoint of the emulated API, one line each.

Templates are the spec's own path templates (they also select the operation's parameters).
`publishable=True` marks the calls Stripe accepts with a publishable key.
"""
from .resources import customers
from .resources import payment_sources as ps
from .resources import sources, source_transactions, tokens
from .resources import events, webhook_endpoints
from .resources import customer_balance_transactions as cbt
from .resources import tax_ids
from .resources import balance, charges, refunds
from .resources import payment_methods as pms
from .resources import payment_intents as pis
from .resources import setup_intents
from .routing import Route

ROUTES = [
    Route("POST", "/v1/customers", customers.create_customer),
    Route("GET", "/v1/customers", customers.list_customers),
    Route("GET", "/v1/customers/search", customers.search_customers),
    Route("GET", "/v1/customers/{customer}", customers.retrieve_customer),
    Route("POST", "/v1/customers/{customer}", customers.update_customer),
    Route("DELETE", "/v1/customers/{customer}", customers.delete_customer),
    # Customer payment sources; the legacy /cards and /bank_accounts paths share the handlers.
    Route("GET", "/v1/customers/{customer}/sources", ps.list_customer_sources),
    Route("POST", "/v1/customers/{customer}/sources", ps.create_customer_source),
    Route("GET", "/v1/customers/{customer}/sources/{id}", ps.retrieve_customer_source),
    Route("POST", "/v1/customers/{customer}/sources/{id}", ps.update_customer_source),
    Route("DELETE", "/v1/customers/{customer}/sources/{id}", ps.delete_customer_source),
    Route("POST", "/v1/customers/{customer}/sources/{id}/verify", ps.verify_customer_source),
    Route("GET", "/v1/customers/{customer}/cards", ps.list_customer_sources),
    Route("POST", "/v1/customers/{customer}/cards", ps.create_customer_source),
    Route("GET", "/v1/customers/{customer}/cards/{id}", ps.retrieve_customer_source),
    Route("POST", "/v1/customers/{customer}/cards/{id}", ps.update_customer_source),
    Route("DELETE", "/v1/customers/{customer}/cards/{id}", ps.delete_customer_source),
    Route("GET", "/v1/customers/{customer}/bank_accounts", ps.list_customer_sources),
    Route("POST", "/v1/customers/{customer}/bank_accounts", ps.create_customer_source),
    Route("GET", "/v1/customers/{customer}/bank_accounts/{id}", ps.retrieve_customer_source),
    Route("POST", "/v1/customers/{customer}/bank_accounts/{id}", ps.update_customer_source),
    Route("DELETE", "/v1/customers/{customer}/bank_accounts/{id}", ps.delete_customer_source),
    Route("POST", "/v1/customers/{customer}/bank_accounts/{id}/verify",
          ps.verify_customer_source),
    # Customer tax IDs and balance transactions.
    Route("GET", "/v1/customers/{customer}/tax_ids", tax_ids.list_customer_tax_ids),
    Route("POST", "/v1/customers/{customer}/tax_ids", tax_ids.create_customer_tax_id),
    Route("GET", "/v1/customers/{customer}/tax_ids/{id}", tax_ids.retrieve_customer_tax_id),
    Route("DELETE", "/v1/customers/{customer}/tax_ids/{id}", tax_ids.delete_customer_tax_id),
    Route("GET", "/v1/customers/{customer}/balance_transactions",
          cbt.list_customer_balance_transactions),
    Route("POST", "/v1/customers/{customer}/balance_transactions",
          cbt.create_customer_balance_transaction),
    Route("GET", "/v1/customers/{customer}/balance_transactions/{transaction}",
          cbt.retrieve_customer_balance_transaction),
    Route("POST", "/v1/customers/{customer}/balance_transactions/{transaction}",
          cbt.update_customer_balance_transaction),
    # Tokens and Sources: created from the browser too, so publishable keys are accepted.
    Route("POST", "/v1/tokens", tokens.create_token, publishable=True),
    Route("GET", "/v1/tokens/{token}", tokens.retrieve_token),
    Route("POST", "/v1/sources", sources.create_source, publishable=True),
    Route("GET", "/v1/sources/{source}", sources.retrieve_source, publishable=True),
    Route("POST", "/v1/sources/{source}", sources.modify_source),
    Route("POST", "/v1/sources/{source}/verify", sources.verify_source),
    Route("GET", "/v1/sources/{source}/source_transactions",
          source_transactions.list_source_transactions),
    Route("GET", "/v1/sources/{source}/source_transactions/{source_transaction}",
          source_transactions.retrieve_source_transaction),
    Route("GET", "/v1/sources/{source}/mandate_notifications/{mandate_notification}",
          source_transactions.retrieve_source_mandate_notification),
    # Events and webhook endpoints (deliveries: webhooks.py).
    Route("GET", "/v1/events", events.list_events),
    Route("GET", "/v1/events/{id}", events.retrieve_event),
    Route("POST", "/v1/webhook_endpoints", webhook_endpoints.create_webhook_endpoint),
    Route("GET", "/v1/webhook_endpoints", webhook_endpoints.list_webhook_endpoints),
    Route("GET", "/v1/webhook_endpoints/{webhook_endpoint}",
          webhook_endpoints.retrieve_webhook_endpoint),
    Route("POST", "/v1/webhook_endpoints/{webhook_endpoint}",
          webhook_endpoints.update_webhook_endpoint),
    Route("DELETE", "/v1/webhook_endpoints/{webhook_endpoint}",
          webhook_endpoints.delete_webhook_endpoint),
    # Charges, refunds (and their legacy paths under a charge), the balance.
    Route("POST", "/v1/charges", charges.create_charge),
    Route("GET", "/v1/charges", charges.list_charges),
    Route("GET", "/v1/charges/search", charges.search_charges),
    Route("GET", "/v1/charges/{charge}", charges.retrieve_charge),
    Route("POST", "/v1/charges/{charge}", charges.update_charge),
    Route("POST", "/v1/charges/{charge}/capture", charges.capture_charge),
    Route("GET", "/v1/charges/{charge}/refunds", refunds.list_charge_refunds),
    Route("POST", "/v1/charges/{charge}/refunds", refunds.create_charge_refund),
    Route("GET", "/v1/charges/{charge}/refunds/{refund}", refunds.retrieve_charge_refund),
    Route("POST", "/v1/charges/{charge}/refunds/{refund}", refunds.update_charge_refund),
    Route("POST", "/v1/refunds", refunds.create_refund),
    Route("GET", "/v1/refunds", refunds.list_refunds),
    Route("GET", "/v1/refunds/{refund}", refunds.retrieve_refund),
    Route("POST", "/v1/refunds/{refund}", refunds.update_refund),
    Route("POST", "/v1/refunds/{refund}/cancel", refunds.cancel_refund),
    Route("GET", "/v1/balance", balance.retrieve_balance),
    Route("GET", "/v1/balance_transactions", balance.list_balance_transactions),
    Route("GET", "/v1/balance_transactions/{id}", balance.retrieve_balance_transaction),
    # PaymentMethods (Stripe.js creates them with a publishable key) and a customer's.
    Route("POST", "/v1/payment_methods", pms.create_payment_method, publishable=True),
    Route("GET", "/v1/payment_methods", pms.list_payment_methods),
    Route("GET", "/v1/payment_methods/{payment_method}", pms.retrieve_payment_method),
    Route("POST", "/v1/payment_methods/{payment_method}", pms.update_payment_method),
    Route("POST", "/v1/payment_methods/{payment_method}/attach", pms.attach_payment_method),
    Route("POST", "/v1/payment_methods/{payment_method}/detach", pms.detach_payment_method),
    Route("GET", "/v1/customers/{customer}/payment_methods", pms.list_customer_payment_methods),
    Route("GET", "/v1/customers/{customer}/payment_methods/{payment_method}",
          pms.retrieve_customer_payment_method),
    # SetupIntents: Stripe.js retrieves and confirms them with the client_secret.
    Route("POST", "/v1/setup_intents", setup_intents.create_setup_intent),
    Route("GET", "/v1/setup_intents", setup_intents.list_setup_intents),
    Route("GET", "/v1/setup_intents/{intent}", setup_intents.retrieve_setup_intent,
          publishable=True),
    Route("POST", "/v1/setup_intents/{intent}", setup_intents.update_setup_intent),
    Route("POST", "/v1/setup_intents/{intent}/confirm", setup_intents.confirm_setup_intent,
          publishable=True),
    Route("POST", "/v1/setup_intents/{intent}/cancel", setup_intents.cancel_setup_intent),
    # PaymentIntents: Stripe.js retrieves and confirms them with the client_secret.
    Route("POST", "/v1/payment_intents", pis.create_payment_intent),
    Route("GET", "/v1/payment_intents", pis.list_payment_intents),
    Route("GET", "/v1/payment_intents/search", pis.search_payment_intents),
    Route("GET", "/v1/payment_intents/{intent}", pis.retrieve_payment_intent, publishable=True),
    Route("POST", "/v1/payment_intents/{intent}", pis.update_payment_intent),
    Route("POST", "/v1/payment_intents/{intent}/confirm", pis.confirm_payment_intent,
          publishable=True),
    Route("POST", "/v1/payment_intents/{intent}/capture", pis.capture_payment_intent),
    Route("POST", "/v1/payment_intents/{intent}/cancel", pis.cancel_payment_intent),
]
