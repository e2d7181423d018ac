"""Stripe's international test cards: data only, read by cards.py (which answers every
question about a test card number)."""

# International test cards (the "by country" tables of docs.stripe.com/testing): number ->
# (country, brand, funding, the magic tokens that mint it). They succeed like 4242...; only
# their country (and brand, funding) differs. The tokens are the page's (tok_<country>, …);
# tok_ae and tok_ee are from older versions of it. Numbers pass Luhn (a test).
INTERNATIONAL = {
    # Americas
    "4000000320000021": ("AR", "Visa", "credit", "tok_ar"),
    "4000000760000002": ("BR", "Visa", "credit", "tok_br"),
    "4000001240000000": ("CA", "Visa", "credit", "tok_ca"),
    "4000004840008001": ("MX", "Visa", "credit", "tok_mx"),
    # UNCERTAIN: Carnet is no brand of Stripe's enum at 2023-08-16 ("Unknown").
    "5062210000000009": ("MX", "Unknown", "credit", ""),
    "4000001520000001": ("CL", "Visa", "credit", "tok_cl"),
    "4000001700000003": ("CO", "Visa", "credit", "tok_co"),
    "4000001880000005": ("CR", "Visa", "credit", "tok_cr"),
    "4000002180000000": ("EC", "Visa", "credit", "tok_ec"),
    "4000005910000000": ("PA", "Visa", "credit", "tok_pa"),
    "4000006000000066": ("PY", "Visa", "credit", "tok_py"),
    "4000006040000068": ("PE", "Visa", "credit", "tok_pe"),
    "4000008580000003": ("UY", "Visa", "credit", "tok_uy"),
    # Europe, Middle East and Africa
    "4000007840000001": ("AE", "Visa", "credit", "tok_ae"),
    "4000000400000008": ("AT", "Visa", "credit", "tok_at"),
    "4000000560000004": ("BE", "Visa", "credit", "tok_be"),
    "4000001000000000": ("BG", "Visa", "credit", "tok_bg"),
    "4000001120000005": ("BY", "Visa", "credit", "tok_by"),
    "4000001960000008": ("CY", "Visa", "credit", "tok_cy"),
    "4000002030000002": ("CZ", "Visa", "credit", "tok_cz"),
    "4000003480000005": ("HU", "Visa", "credit", "tok_hu"),
    "4000004700000007": ("MT", "Visa", "credit", "tok_mt"),
    "4000006420000001": ("RO", "Visa", "credit", "tok_ro"),
    "4000006820000007": ("SA", "Visa", "credit", ""),
    "4000007560000009": ("CH", "Visa", "credit", "tok_ch"),
    "4000002760000016": ("DE", "Visa", "credit", "tok_de"),
    "4000002080000001": ("DK", "Visa", "credit", "tok_dk"),
    "4000002330000009": ("EE", "Visa", "credit", "tok_ee"),
    "4000007240000007": ("ES", "Visa", "credit", "tok_es"),
    "4000002460000001": ("FI", "Visa", "credit", "tok_fi"),
    "4000002500000003": ("FR", "Visa", "credit", "tok_fr"),
    "4000008260000000": ("GB", "Visa", "credit", "tok_gb"),
    "4000058260000005": ("GB", "Visa", "debit", "tok_gb_debit"),
    "5555558265554449": ("GB", "MasterCard", "credit", "tok_gb_mastercard"),
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
    # The page lists tok_jcb under Japan and says JCB and UnionPay cards are issued outside
    # the US. UNCERTAIN: all its JCB numbers Japanese, its UnionPay numbers Chinese.
    "3566002020360505": ("JP", "JCB", "credit", "tok_jcb"),
    "3530111333300000": ("JP", "JCB", "credit", ""),
    "6200000000000005": ("CN", "UnionPay", "credit", "tok_unionpay"),
    "6200000000000047": ("CN", "UnionPay", "debit", ""),
    "6205500000000000004": ("CN", "UnionPay", "credit", ""),
    "4000001580000008": ("TW", "Visa", "credit", "tok_tw"),
    "4000004580000002": ("MY", "Visa", "credit", "tok_my"),
    "4000005540000008": ("NZ", "Visa", "credit", "tok_nz"),
    "4000007020000003": ("SG", "Visa", "credit", "tok_sg"),
    "4000007640000003": ("TH", "Visa", "credit", "tok_th tok_th_credit"),
    "4000057640000008": ("TH", "Visa", "debit", "tok_th_debit"),
    # Co-branded cards (Cartes Bancaires, eftpos Australia): the brand is the international
    # one. UNCERTAIN: the Cartes Bancaires cards' funding (credit).
    "4000002500001001": ("FR", "Visa", "credit", "tok_visa_cartesBancaires"),
    "5555552500001001": ("FR", "MasterCard", "credit", "tok_mastercard_cartesBancaires"),
    "4000050360000001": ("AU", "Visa", "debit", "tok_visa_debit_eftposAuCoBranded"),
    "5555050360000080": ("AU", "MasterCard", "debit", "tok_mastercard_debit_eftposAuCoBranded"),
}
