CREATE TABLE "ledger_account_days" (
	"org_id" uuid NOT NULL,
	"account_id" uuid NOT NULL,
	"day" date NOT NULL,
	"debits" bigint DEFAULT 0 NOT NULL,
	"credits" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "ledger_account_days_pk" PRIMARY KEY("org_id","account_id","day"),
	CONSTRAINT "ledger_account_days_totals_check" CHECK ("ledger_account_days"."debits" >= 0 and "ledger_account_days"."credits" >= 0)
);
--> statement-breakpoint
ALTER TABLE "ledger_account_days" ADD CONSTRAINT "ledger_account_days_account_fk" FOREIGN KEY ("org_id","account_id") REFERENCES "public"."ledger_accounts"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
INSERT INTO "ledger_account_days" ("org_id", "account_id", "day", "debits", "credits")
SELECT p."org_id", p."account_id", (t."effective_at" AT TIME ZONE 'UTC')::date,
	coalesce(sum(CASE WHEN p."side" = 'debit' THEN p."amount" END), 0),
	coalesce(sum(CASE WHEN p."side" = 'credit' THEN p."amount" END), 0)
FROM "ledger_postings" p
JOIN "ledger_transfers" t ON t."org_id" = p."org_id" AND t."id" = p."transfer_id"
WHERE NOT p."pending"
GROUP BY 1, 2, 3;
--> statement-breakpoint
ANALYZE "ledger_account_days", "ledger_postings", "ledger_transfers";
