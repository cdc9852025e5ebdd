-- The sender settings page: where replies go, and the shop's postal address, which the advertising footer
-- shows beside the contact (정보통신망법 제50조④: an advertisement carries the sender's name and contact).
-- Rows saved before these columns have none (NULL): the footer then shows the contact alone, as it did.

ALTER TABLE sender_settings ADD COLUMN reply_to VARCHAR;
ALTER TABLE sender_settings ADD COLUMN postal_address VARCHAR;
