-- Citizen accounts: forgotten passwords and changes of email address use the same single-use emailed
-- tokens as verification, each with its own purpose. A change of address keeps the new address with
-- its token, so the account's address changes only when the link sent to the new address is followed.
alter table citizen_account_token drop constraint citizen_account_token_purpose_check;
alter table citizen_account_token add constraint citizen_account_token_purpose_check
  check (purpose in ('verify_email', 'reset_password', 'change_email'));
alter table citizen_account_token add column new_email text;
alter table citizen_account_token add constraint citizen_account_token_new_email
  check ((purpose = 'change_email') = (new_email is not null));
create index citizen_account_token_purpose on citizen_account_token (account_id, purpose, created_at desc);

-- Open311's servicerequestupdates reads the public updates of a time window across every request, in
-- one statement; without this it would scan every update the council ever made.
create index service_request_update_public_time on service_request_update (council_id, created_at)
  where is_public;
