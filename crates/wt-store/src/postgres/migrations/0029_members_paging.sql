-- PostgreSQL twin of sqlite/migrations/0029_members_paging.sql
-- Differences: re-appliable (IF NOT EXISTS).
-- 0029: pages of an org's members (`MemberStore::members_page`, `GET /orgs/members?limit=`)
-- in the order (created_at, user_id): with this index a page reads its own rows from the
-- cursor onwards instead of every membership of the org (10,000 in a large org) to sort.
CREATE INDEX IF NOT EXISTS memberships_by_org_joined ON memberships(org_id, created_at, user_id);
