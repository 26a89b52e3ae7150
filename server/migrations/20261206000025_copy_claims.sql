-- Several servers on one database: each pending photo's copies are made by one of them. A server
-- claims a batch for a while (a lease); another takes a claim over only once it has run out, so
-- a server that dies mid-batch delays its photos by the lease, never loses them.
alter table photos add column copy_claimed_until timestamptz;
