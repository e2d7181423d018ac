"""Stripe's international test cards: data only, read by cards.py (which answers every
question about a test card number)."""

# International test cards (the "by country" tables of docs.stripe.com/testing): number ->
# (country, brand, funding, the magic tokens that mint it). They succeed like 4242...; only
# their country differs. UNCERTAIN: the token names follow Stripe's tok_<country> pattern
# (tok_ca, tok_gb, tok_gb_debit), quoted from memory of the page; numbers pass Luhn (a test).
INTERNATIONAL = {
    # Americas
    "4000000320000021": ("AR", "Visa", "credit", "tok_ar"),
    "4000000760000002": ("BR", "Visa", "credit", "tok_br"),
    "4000001240000000": ("CA", "Visa", "credit", "tok_ca"),
    "4000004840008001": ("MX", "Visa", "credit", "tok_mx"),
    # Europe, Middle East and Africa
    "4000007840000001": ("AE", "Visa", "credit", "tok_ae"),
    "4000000400000008": ("AT", "Visa", "credit", "tok_at"),
    "4000000560000004": ("BE", "Visa", "credit", "tok_be"),
    "4000007560000009": ("CH", "Visa", "credit", "tok_ch"),
    "4000002760000016": ("DE", "Visa", "credit", "tok_de"),
    "4000002080000001": ("DK", "Visa", "credit", "tok_dk"),
    "4000002330000009": ("EE", "Visa", "credit", "tok_ee"),
    "4000007240000007": ("ES", "Visa", "credit", "tok_es"),
    "4000002460000001": ("FI", "Visa", "credit", "tok_fi"),
    "4000002500000003": ("FR", "Visa", "credit", "tok_fr"),
    "4000008260000000": ("GB", "Visa", "credit", "tok_gb"),
    "4000058260000005": ("GB", "Visa", "debit", "tok_gb_debit"),
    "5555558265554449": ("GB", "MasterCard", "credit", ""),
    "4000003000000030": ("GR", "Visa", "credit", "tok_gr"),
    "4000003720000005": ("IE", "Visa", "credit", "tok_ie"),
    # An international charge whose funds skip the pending balance (cards.py
    # _AVAILABLE_AT_ONCE); UNCERTAIN: Ireland, read from its number as the country cards'.
    "4000003720000278": ("IE", "Visa", "credit", "tok_bypassPendingInternational"),
    "4000003800000008": ("IT", "Visa", "credit", "tok_it"),
    "4000004400000000": ("LT", "Visa", "credit", "tok_lt"),
    "4000004420000006": ("LU", "Visa", "credit", "tok_lu"),
    "4000004280000005": ("LV", "Visa", "credit", "tok_lv"),
    "4000005280000002": ("NL", "Visa", "credit", "tok_nl"),
    "4000005780000007": ("NO", "Visa", "credit", "tok_no"),
    "4000006160000005": ("PL", "Visa", "credit", "tok_pl"),
    "4000006200000007": ("PT", "Visa", "credit", "tok_pt"),
    "4000007520000008": ("SE", "Visa", "credit", "tok_se"),
    "4000007050000006": ("SI", "Visa", "credit", "tok_si"),
    "4000007030000001": ("SK", "Visa", "credit", "tok_sk"),
    # Asia-Pacific
    "4000000360000006": ("AU", "Visa", "credit", "tok_au"),
    "4000001560000002": ("CN", "Visa", "credit", "tok_cn"),
    "4000003440000004": ("HK", "Visa", "credit", "tok_hk"),
    "4000003560000008": ("IN", "Visa", "credit", "tok_in"),
    "4000003920000003": ("JP", "Visa", "credit", "tok_jp"),
    "4000004580000002": ("MY", "Visa", "credit", "tok_my"),
    "4000005540000008": ("NZ", "Visa", "credit", "tok_nz"),
    "4000007020000003": ("SG", "Visa", "credit", "tok_sg"),
    "4000007640000003": ("TH", "Visa", "credit", "tok_th"),
}
