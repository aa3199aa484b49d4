CREATE TABLE "ledger_fx_rates" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"base" text NOT NULL,
	"quote" text NOT NULL,
	"rate" numeric(30, 12) NOT NULL,
	"effective_on" date NOT NULL,
	"source" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ledger_fx_rates_base_check" CHECK ("ledger_fx_rates"."base" ~ '^[A-Z]{3}$'),
	CONSTRAINT "ledger_fx_rates_quote_check" CHECK ("ledger_fx_rates"."quote" ~ '^[A-Z]{3}$'),
	CONSTRAINT "ledger_fx_rates_pair_check" CHECK ("ledger_fx_rates"."base" <> "ledger_fx_rates"."quote"),
	CONSTRAINT "ledger_fx_rates_rate_check" CHECK ("ledger_fx_rates"."rate" > 0)
);
--> statement-breakpoint
CREATE TABLE "ledger_period_closes" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"entity_id" uuid NOT NULL,
	"closed_through" date NOT NULL,
	"previous_closed_through" date,
	"note" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ledger_period_closes_order_check" CHECK ("ledger_period_closes"."previous_closed_through" is null or "ledger_period_closes"."previous_closed_through" < "ledger_period_closes"."closed_through")
);
--> statement-breakpoint
ALTER TABLE "ledger_accounts" ADD COLUMN "cash" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "ledger_accounts" ADD COLUMN "cash_flow" text DEFAULT 'operating' NOT NULL;--> statement-breakpoint
ALTER TABLE "ledger_accounts" ADD COLUMN "counterparty_entity_id" uuid;--> statement-breakpoint
ALTER TABLE "ledger_accounts" ADD COLUMN "closed_through" date;--> statement-breakpoint
ALTER TABLE "ledger_entities" ADD COLUMN "closed_through" date;--> statement-breakpoint
ALTER TABLE "ledger_period_closes" ADD CONSTRAINT "ledger_period_closes_entity_fk" FOREIGN KEY ("org_id","entity_id") REFERENCES "public"."ledger_entities"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_fx_rates_pair_day_idx" ON "ledger_fx_rates" USING btree ("org_id","base","quote","effective_on");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_period_closes_entity_day_idx" ON "ledger_period_closes" USING btree ("org_id","entity_id","closed_through");--> statement-breakpoint
ALTER TABLE "ledger_accounts" ADD CONSTRAINT "ledger_accounts_counterparty_fk" FOREIGN KEY ("org_id","counterparty_entity_id") REFERENCES "public"."ledger_entities"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_accounts" ADD CONSTRAINT "ledger_accounts_cash_flow_check" CHECK ("ledger_accounts"."cash_flow" in ('operating', 'investing', 'financing'));--> statement-breakpoint
-- Accounts made from the chart template before these columns existed get the template's values.
UPDATE "ledger_accounts" SET "cash" = true WHERE "code" IN ('1000', '1100');--> statement-breakpoint
UPDATE "ledger_accounts" SET "cash_flow" = 'investing' WHERE "code" = '1300';--> statement-breakpoint
UPDATE "ledger_accounts" SET "cash_flow" = 'financing' WHERE "code" IN ('2100', '2200', '3000', '3100');
