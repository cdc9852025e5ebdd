-- A marketing consent the platform did not report is unknown (NULL), not a refusal: Cafe24's documented
-- customer list leaves `sms` / `news_mail` out, and storing FALSE would silently withdraw every member's
-- consent. Advertising still needs a consent known to be given (coalesce(consent, FALSE) where it is decided).

ALTER TABLE members ALTER COLUMN email_consent DROP NOT NULL;
ALTER TABLE members ALTER COLUMN sms_consent DROP NOT NULL;
