"""Loyalty: digital stamps and warranty certificates on delivery, with Alimtalk notices.

settings (per shop), stamps (ledger, rewards), warranty (issuance, history, revocation), product_names
(name source and promotional-phrase stripping), certificate (the public page at /w/<code>), notify
(Alimtalk notices through the outbox), jobs (the scheduler's), views (what the console page shows).
"""
